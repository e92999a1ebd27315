"""Handing a shift over: the holder offers their place to a named colleague, their firm or the
waiting list; the first to accept takes the seat in one step (the giver's sign-up ends as handed
over, never as a cancellation), every sign-up rule is checked for the taker, and an offer nobody
takes leaves the giver with the place. Both people get an email and a calendar update."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone, translation
from icalendar import Calendar

from tests.factories import ContributorFactory, MembershipFactory, ShiftFactory
from volunteers.models import AuditEntry, Handover, Signup
from volunteers.rota import services as rota

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def seat(world):
    """A one-place shift at venue A a week ahead, held by the lawyer (member of firm A); `colleague`
    is another member of firm A."""
    shift = ShiftFactory(venue=world.venue_a, capacity=1)
    held = rota.signup_create(contributor=world.lawyer_contributor, shift=shift)
    colleague = ContributorFactory(legal_name="陈静", region=world.district_a)
    MembershipFactory(contributor=colleague, organisation=world.firm_a)
    return shift, held, colleague


def _holders(shift):
    return list(
        shift.signups.filter(status__in=Signup.HOLDS_SEAT).order_by("seat").values_list("contributor_id", "seat")
    )


def test_a_colleague_who_accepts_takes_the_seat_and_the_giver_is_released(world, seat):
    shift, held, colleague = seat
    handover = rota.handover_offer(
        contributor=world.lawyer_contributor, signup=held, audience="colleague", colleague=colleague
    )
    # Offered, not given: the giver still holds the place.
    assert _holders(shift) == [(world.lawyer_contributor.pk, 1)]

    taken = rota.handover_accept(contributor=colleague, handover=handover)

    assert taken.status == Signup.Status.CONFIRMED and taken.seat == 1
    assert _holders(shift) == [(colleague.pk, 1)]
    held.refresh_from_db()
    assert held.status == Signup.Status.HANDED_OVER and held.seat is None
    handover.refresh_from_db()
    assert (handover.status, handover.taker, handover.taken_signup) == (Handover.Status.ACCEPTED, colleague, taken)
    assert AuditEntry.objects.get(action="handover_accept", object_id=str(handover.pk)).data["seat"] == 1


def test_accepting_twice_keeps_one_place(world, seat):
    shift, held, colleague = seat
    handover = rota.handover_offer(
        contributor=world.lawyer_contributor, signup=held, audience="colleague", colleague=colleague
    )
    first = rota.handover_accept(contributor=colleague, handover=handover)
    again = rota.handover_accept(contributor=colleague, handover=handover)
    assert first.pk == again.pk and _holders(shift) == [(colleague.pk, 1)]


def test_a_hand_over_after_the_cancellation_deadline_is_not_a_late_cancellation(world, seat):
    shift, held, colleague = seat
    after_deadline = shift.cancel_deadline + HOUR
    handover = rota.handover_offer(
        contributor=world.lawyer_contributor,
        signup=held,
        audience="colleague",
        colleague=colleague,
        now=after_deadline,
    )
    rota.handover_accept(contributor=colleague, handover=handover, now=after_deadline + HOUR)
    held.refresh_from_db()
    assert held.status == Signup.Status.HANDED_OVER  # not LATE_CANCELLED
    assert AuditEntry.objects.get(action="handover_accept").data["after_cancel_deadline"] is True


def test_the_firms_members_may_accept_but_not_another_firms(world, seat):
    shift, held, colleague = seat
    handover = rota.handover_offer(contributor=world.lawyer_contributor, signup=held, audience="firm")
    assert handover.organisation == world.firm_a

    with pytest.raises(rota.SignupRefused) as refused:
        rota.handover_accept(contributor=world.other_lawyer_contributor, handover=handover)
    assert refused.value.code == "not_for_you"
    assert _holders(shift) == [(world.lawyer_contributor.pk, 1)]

    rota.handover_accept(contributor=colleague, handover=handover)
    assert _holders(shift) == [(colleague.pk, 1)]


def test_someone_not_named_cannot_accept_a_named_offer(world, seat):
    shift, held, colleague = seat
    stranger = ContributorFactory()
    handover = rota.handover_offer(
        contributor=world.lawyer_contributor, signup=held, audience="colleague", colleague=colleague
    )
    with pytest.raises(rota.SignupRefused) as refused:
        rota.handover_accept(contributor=stranger, handover=handover)
    assert refused.value.code == "not_for_you"
    with pytest.raises(rota.SignupRefused):  # nor the giver to themselves
        rota.handover_accept(contributor=world.lawyer_contributor, handover=handover)
    assert _holders(shift) == [(world.lawyer_contributor.pk, 1)]


def test_the_waiting_list_may_accept_and_the_takers_queue_place_becomes_the_seat(world, seat):
    shift, held, _colleague = seat
    waiting = rota.signup_join_waitlist(contributor=world.other_lawyer_contributor, shift=shift)
    assert waiting.status == Signup.Status.WAITING
    handover = rota.handover_offer(contributor=world.lawyer_contributor, signup=held, audience="waitlist")

    taken = rota.handover_accept(contributor=world.other_lawyer_contributor, handover=handover)

    assert taken.pk == waiting.pk and taken.status == Signup.Status.CONFIRMED
    assert _holders(shift) == [(world.other_lawyer_contributor.pk, 1)]


def test_offering_to_an_empty_waiting_list_or_without_a_firm_is_refused(world, seat):
    shift, held, _colleague = seat
    with pytest.raises(rota.SignupRefused) as refused:
        rota.handover_offer(contributor=world.lawyer_contributor, signup=held, audience="waitlist")
    assert refused.value.code == "nobody_waiting"
    loner = ContributorFactory()
    other = ShiftFactory(venue=world.venue_a, starts_at=shift.starts_at + 3 * 24 * HOUR)
    mine = rota.signup_create(contributor=loner, shift=other)
    with pytest.raises(rota.SignupRefused) as refused:
        rota.handover_offer(contributor=loner, signup=mine, audience="firm")
    assert refused.value.code == "no_firm"
    assert not Handover.objects.exists()


def test_a_colleague_who_may_not_take_it_is_refused_with_the_rule(world, seat):
    shift, held, colleague = seat
    notary = ContributorFactory(kind="notary", legal_name="公证员周")
    shift.eligible_kinds = ["lawyer"]
    shift.save(update_fields=["eligible_kinds"])
    with pytest.raises(rota.SignupRefused) as refused:
        rota.handover_offer(contributor=world.lawyer_contributor, signup=held, audience="colleague", colleague=notary)
    assert refused.value.code == "not_qualified"
    assert "公证员周" in refused.value.message
    assert not Handover.objects.exists()


def test_the_taker_is_checked_again_when_accepting_overlap_and_all(world, seat):
    shift, held, colleague = seat
    handover = rota.handover_offer(
        contributor=world.lawyer_contributor, signup=held, audience="colleague", colleague=colleague
    )
    # Meanwhile the colleague takes another shift at the same time.
    clash = ShiftFactory(venue=world.venue_b, starts_at=shift.starts_at + HOUR)
    rota.signup_create(contributor=colleague, shift=clash)

    with pytest.raises(rota.SignupRefused) as refused:
        rota.handover_accept(contributor=colleague, handover=handover)

    assert refused.value.code == "overlap"
    assert _holders(shift) == [(world.lawyer_contributor.pk, 1)]
    assert Handover.objects.get(pk=handover.pk).status == Handover.Status.OFFERED


def test_a_withdrawn_offer_cannot_be_accepted(world, seat):
    shift, held, colleague = seat
    handover = rota.handover_offer(
        contributor=world.lawyer_contributor, signup=held, audience="colleague", colleague=colleague
    )
    rota.handover_withdraw(contributor=world.lawyer_contributor, handover=handover)
    with pytest.raises(rota.SignupRefused) as refused:
        rota.handover_accept(contributor=colleague, handover=handover)
    assert refused.value.code == "withdrawn"
    assert _holders(shift) == [(world.lawyer_contributor.pk, 1)]


def test_cancelling_the_place_withdraws_its_offer(world, seat):
    shift, held, colleague = seat
    handover = rota.handover_offer(
        contributor=world.lawyer_contributor, signup=held, audience="colleague", colleague=colleague
    )
    rota.signup_cancel(contributor=world.lawyer_contributor, signup=held)
    assert Handover.objects.get(pk=handover.pk).status == Handover.Status.WITHDRAWN
    with pytest.raises(rota.SignupRefused):
        rota.handover_accept(contributor=colleague, handover=handover)


def test_an_offer_nobody_took_expires_at_the_start_and_the_giver_keeps_the_place(
    world, seat, queued_emails, django_capture_on_commit_callbacks
):
    shift, held, colleague = seat
    handover = rota.handover_offer(
        contributor=world.lawyer_contributor, signup=held, audience="colleague", colleague=colleague
    )
    assert handover.expires_at == shift.starts_at
    with pytest.raises(rota.SignupRefused) as refused:
        rota.handover_accept(contributor=colleague, handover=handover, now=shift.starts_at)
    assert refused.value.code == "expired"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert rota.handovers_expire(now=shift.starts_at) == 1
        assert rota.handovers_expire(now=shift.starts_at) == 0  # the job running twice changes nothing
    queued_emails()

    assert Handover.objects.get(pk=handover.pk).status == Handover.Status.EXPIRED
    assert _holders(shift) == [(world.lawyer_contributor.pk, 1)]
    (message,) = mail.outbox
    assert message.to == [world.lawyer.email]
    expired = (
        "Nobody accepted the shift you offered before it started. The place is still yours, and so is the duty "
        "to serve: if you did not come, it counts as a no-show. Please tell the bureau if you cannot come."
    )
    with translation.override("zh-hans"):
        assert translation.gettext(expired) != expired and translation.gettext(expired) in message.body


def test_both_people_get_an_email_and_a_calendar_update(world, seat, queued_emails, django_capture_on_commit_callbacks):
    shift, held, colleague = seat
    colleague.user.language = "en"
    colleague.user.save(update_fields=["language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        handover = rota.handover_offer(
            contributor=world.lawyer_contributor, signup=held, audience="colleague", colleague=colleague
        )
    queued_emails()
    (offer,) = mail.outbox
    assert offer.to == [colleague.user.email]
    assert offer.subject.startswith(f"{world.lawyer_contributor.legal_name} offers you a shift")
    assert f"/handovers/{handover.pk}/" in offer.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        taken = rota.handover_accept(contributor=colleague, handover=handover)
    queued_emails()
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {world.lawyer.email, colleague.user.email}

    giver_mail = by_person[world.lawyer.email]  # in Chinese, the giver's language
    assert "移交" in giver_mail.subject
    (event,) = Calendar.from_ical(giver_mail.attachments[0][1]).walk("VEVENT")
    assert str(event["UID"]).startswith(f"signup-{held.pk}@") and str(event["STATUS"]) == "CANCELLED"

    taker_mail = by_person[colleague.user.email]
    assert taker_mail.subject.startswith("Signed up:")
    (event,) = Calendar.from_ical(taker_mail.attachments[0][1]).walk("VEVENT")
    assert str(event["UID"]).startswith(f"signup-{taken.pk}@") and str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].dt == shift.starts_at


def test_the_calendar_feed_moves_the_shift_from_giver_to_taker(world, seat):
    from volunteers.rota.selectors import calendar_signups

    shift, held, colleague = seat
    giver_token = rota.calendar_token_reset(contributor=world.lawyer_contributor)
    taker_token = rota.calendar_token_reset(contributor=colleague)
    handover = rota.handover_offer(
        contributor=world.lawyer_contributor, signup=held, audience="colleague", colleague=colleague
    )
    rota.handover_accept(contributor=colleague, handover=handover, now=timezone.now())
    assert [s.shift_id for s in calendar_signups(giver_token)[1]] == []
    assert [s.shift_id for s in calendar_signups(taker_token)[1]] == [shift.pk]
