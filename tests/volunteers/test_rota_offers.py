"""The waiting list: a freed place is offered to the first in line for a limited time, and passes
down the queue when it is declined or runs out. Nobody takes a place ahead of the queue."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import ContributorFactory, ShiftFactory
from volunteers.models import AuditEntry, Signup
from volunteers.rota import services as rota

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def queue(world):
    """A one-place shift at venue A a week ahead: `holder` has the place, `first` and `second`
    queue for it in that order."""
    now = timezone.now().replace(microsecond=0)
    shift = ShiftFactory(venue=world.venue_a, capacity=1)
    holder, first, second = ContributorFactory(), ContributorFactory(), ContributorFactory()
    held = rota.signup_create(contributor=holder, shift=shift, now=now)
    waiting_first = rota.signup_join_waitlist(contributor=first, shift=shift, now=now + datetime.timedelta(minutes=1))
    waiting_second = rota.signup_join_waitlist(contributor=second, shift=shift, now=now + datetime.timedelta(minutes=2))
    assert (waiting_first.status, waiting_second.status) == (Signup.Status.WAITING, Signup.Status.WAITING)
    return type(
        "Queue",
        (),
        {
            "shift": shift,
            "holder": holder,
            "first": first,
            "second": second,
            "held": held,
            "waiting_first": waiting_first,
            "waiting_second": waiting_second,
            "now": now,
        },
    )


def _reload(*signups):
    return [Signup.objects.get(pk=s.pk) for s in signups]


def test_a_freed_place_is_offered_to_the_first_in_line_with_a_deadline(queue):
    cancelled_at = queue.now + HOUR
    rota.signup_cancel(contributor=queue.holder, signup=queue.held, now=cancelled_at)

    first, second = _reload(queue.waiting_first, queue.waiting_second)
    assert first.status == Signup.Status.OFFERED and first.seat == 1
    assert first.offered_at == cancelled_at
    assert first.offer_expires_at == cancelled_at + datetime.timedelta(hours=12)  # the policy's default
    assert second.status == Signup.Status.WAITING and second.seat is None
    offer_audit = AuditEntry.objects.get(action="signup_offer", object_id=str(first.pk))
    assert offer_audit.data["seat"] == 1


@pytest.mark.parametrize(
    ("before_start", "offer_hours", "window"),
    [
        (datetime.timedelta(days=6), 12, datetime.timedelta(hours=12)),  # plenty of time: the policy's hours
        (datetime.timedelta(days=6), 3, datetime.timedelta(hours=3)),  # a stricter policy
        (datetime.timedelta(hours=10), 12, datetime.timedelta(hours=5)),  # soon: half the time left
    ],
    ids=["policy-hours", "shorter-policy", "half-the-time-left"],
)
def test_the_offer_window_is_the_policy_hours_but_at_most_half_the_time_to_the_start(
    queue, world, before_start, offer_hours, window
):
    rota.rota_policy_update(actor=world.city_staff, offer_hours=offer_hours)
    cancelled_at = queue.shift.starts_at - before_start
    rota.signup_cancel(contributor=queue.holder, signup=queue.held, now=cancelled_at)

    (first,) = _reload(queue.waiting_first)
    assert first.status == Signup.Status.OFFERED
    assert first.offer_expires_at == cancelled_at + window


def test_accepting_an_offer_confirms_the_place_even_after_the_signup_deadline(queue):
    # Freed 20 hours before the start: the offer runs 10 hours, past the sign-up deadline (12 h before).
    freed_at = queue.shift.starts_at - datetime.timedelta(hours=20)
    rota.signup_cancel(contributor=queue.holder, signup=queue.held, now=freed_at)
    (offer,) = _reload(queue.waiting_first)
    accepted_at = queue.shift.signup_deadline + datetime.timedelta(minutes=30)
    assert accepted_at < offer.offer_expires_at

    accepted = rota.signup_offer_accept(contributor=queue.first, signup=offer, now=accepted_at)

    assert accepted.pk == offer.pk
    (first, second) = _reload(queue.waiting_first, queue.waiting_second)
    assert first.status == Signup.Status.CONFIRMED and first.seat == 1
    assert second.status == Signup.Status.WAITING
    # Accepting again (a double click) changes nothing.
    assert rota.signup_offer_accept(contributor=queue.first, signup=offer, now=accepted_at).status == "confirmed"
    assert queue.shift.signups.filter(status__in=Signup.HOLDS_SEAT).count() == 1


def test_the_expiry_job_passes_a_lapsed_offer_to_the_next_in_line_once(queue):
    freed_at = queue.now + HOUR
    rota.signup_cancel(contributor=queue.holder, signup=queue.held, now=freed_at)
    (offer,) = _reload(queue.waiting_first)
    deadline = offer.offer_expires_at

    assert rota.offers_expire(now=deadline - datetime.timedelta(minutes=1)) == 0
    assert _reload(offer)[0].status == Signup.Status.OFFERED

    assert rota.offers_expire(now=deadline) == 1
    first, second = _reload(queue.waiting_first, queue.waiting_second)
    assert first.status == Signup.Status.OFFER_EXPIRED and first.seat is None
    assert second.status == Signup.Status.OFFERED and second.seat == 1
    assert second.offer_expires_at == deadline + datetime.timedelta(hours=12)

    # Run again at the same moment (an overlapping beat): nothing more happens.
    assert rota.offers_expire(now=deadline) == 0
    assert _reload(queue.waiting_second)[0].status == Signup.Status.OFFERED


def test_accepting_too_late_is_refused_and_the_place_goes_to_the_next_in_line(queue):
    rota.signup_cancel(contributor=queue.holder, signup=queue.held, now=queue.now + HOUR)
    (offer,) = _reload(queue.waiting_first)

    with pytest.raises(rota.SignupRefused) as refused:
        rota.signup_offer_accept(
            contributor=queue.first, signup=offer, now=offer.offer_expires_at + datetime.timedelta(minutes=1)
        )

    assert refused.value.code == "offer_expired"
    first, second = _reload(queue.waiting_first, queue.waiting_second)
    assert first.status == Signup.Status.OFFER_EXPIRED and first.seat is None
    assert second.status == Signup.Status.OFFERED and second.seat == 1


def test_declining_an_offer_frees_the_place_for_the_next_in_line(queue):
    # After the free-cancellation deadline: declining an offer is never a late cancellation.
    freed_at = queue.shift.cancel_deadline + HOUR
    rota.signup_cancel(contributor=queue.holder, signup=queue.held, now=freed_at)
    (offer,) = _reload(queue.waiting_first)

    rota.signup_cancel(contributor=queue.first, signup=offer, now=freed_at + HOUR)

    first, second = _reload(queue.waiting_first, queue.waiting_second)
    assert first.status == Signup.Status.CANCELLED and first.seat is None
    assert second.status == Signup.Status.OFFERED and second.seat == 1
    assert second.offered_at == freed_at + HOUR


def test_nobody_jumps_the_queue_for_a_place_freed_too_late_to_offer(world):
    # Sign-up stays open until 10 minutes before the start; a place freed 20 minutes before is not
    # offered (too little time), but it still belongs to the queue.
    now = timezone.now().replace(microsecond=0)
    shift = ShiftFactory(venue=world.venue_a, capacity=1)
    shift.signup_deadline = shift.starts_at - datetime.timedelta(minutes=10)
    shift.save()
    holder, first, second, newcomer = (ContributorFactory() for _ in range(4))
    held = rota.signup_create(contributor=holder, shift=shift, now=now)
    waiting_first = rota.signup_join_waitlist(contributor=first, shift=shift, now=now + datetime.timedelta(minutes=1))
    rota.signup_join_waitlist(contributor=second, shift=shift, now=now + datetime.timedelta(minutes=2))

    late = shift.starts_at - datetime.timedelta(minutes=20)
    rota.signup_cancel(contributor=holder, signup=held, now=late)
    assert not shift.signups.filter(status=Signup.Status.OFFERED).exists()

    with pytest.raises(rota.ShiftFull):
        rota.signup_create(contributor=newcomer, shift=shift, now=late + datetime.timedelta(minutes=1))
    with pytest.raises(rota.ShiftFull):  # second in line waits for the first
        rota.signup_create(contributor=second, shift=shift, now=late + datetime.timedelta(minutes=1))
    queued = rota.signup_join_waitlist(contributor=newcomer, shift=shift, now=late + datetime.timedelta(minutes=2))
    assert queued.status == Signup.Status.WAITING and queued.seat is None

    taken = rota.signup_create(contributor=first, shift=shift, now=late + datetime.timedelta(minutes=3))
    assert taken.pk == waiting_first.pk
    assert taken.status == Signup.Status.CONFIRMED and taken.seat == 1


def test_more_places_from_a_shift_update_are_offered_to_the_queue_in_order(queue, world):
    third = ContributorFactory()
    waiting_third = rota.signup_join_waitlist(
        contributor=third, shift=queue.shift, now=queue.now + datetime.timedelta(minutes=3)
    )
    updated_at = queue.now + HOUR

    rota.shift_update(actor=world.staff_a, scope=world.district_a, shift=queue.shift, capacity=3, now=updated_at)

    first, second, third_signup, held = _reload(queue.waiting_first, queue.waiting_second, waiting_third, queue.held)
    assert (first.status, first.seat) == (Signup.Status.OFFERED, 2)
    assert (second.status, second.seat) == (Signup.Status.OFFERED, 3)
    assert first.offer_expires_at == second.offer_expires_at == updated_at + datetime.timedelta(hours=12)
    assert third_signup.status == Signup.Status.WAITING
    assert (held.status, held.seat) == (Signup.Status.CONFIRMED, 1)
