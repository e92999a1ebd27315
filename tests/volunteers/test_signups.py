"""Signing up for shifts: who may, when, and what the database guarantees."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import ContributorFactory, ShiftFactory
from volunteers.models import Contributor, RotaPolicy, Signup
from volunteers.rota import services as rota


@pytest.fixture
def lawyer(db):
    return ContributorFactory(kind=Contributor.Kind.LAWYER)


def test_a_lawyer_takes_a_place_and_a_double_click_keeps_one(lawyer):
    shift = ShiftFactory(capacity=2)
    first = rota.signup_create(contributor=lawyer, shift=shift)
    again = rota.signup_create(contributor=lawyer, shift=shift)
    assert first.pk == again.pk and first.seat == 1 and first.status == Signup.Status.CONFIRMED
    assert shift.signups.count() == 1


def test_a_full_shift_says_so_and_offers_the_waiting_list(lawyer):
    shift = ShiftFactory(capacity=1)
    rota.signup_create(contributor=ContributorFactory(), shift=shift)
    with pytest.raises(rota.ShiftFull) as refused:
        rota.signup_create(contributor=lawyer, shift=shift)
    assert refused.value.code == "full"
    waiting = rota.signup_join_waitlist(contributor=lawyer, shift=shift)
    assert waiting.status == Signup.Status.WAITING and waiting.seat is None


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda s, c: s.__setattr__("eligible_kinds", ["lawyer"]), "not_qualified"),
        (lambda s, c: s.__setattr__("signup_deadline", timezone.now() - datetime.timedelta(minutes=1)), "deadline"),
        (lambda s, c: s.__setattr__("status", "cancelled"), "cancelled"),
    ],
)
def test_refusals_give_their_reason_and_change_nothing(db, setup, code):
    volunteer = ContributorFactory(kind=Contributor.Kind.VOLUNTEER)
    shift = ShiftFactory()
    setup(shift, volunteer)
    shift.save()
    with pytest.raises(rota.SignupRefused) as refused:
        rota.signup_create(contributor=volunteer, shift=shift)
    assert refused.value.code == code and refused.value.message
    assert not Signup.objects.exists()


def test_overlapping_shifts_and_the_fatigue_cap_are_refused(lawyer):
    nine_am = timezone.localtime(timezone.now() + datetime.timedelta(days=7)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    morning = ShiftFactory(starts_at=nine_am)
    rota.signup_create(contributor=lawyer, shift=morning)
    overlapping = ShiftFactory(starts_at=morning.starts_at + datetime.timedelta(hours=1))
    with pytest.raises(rota.SignupRefused) as refused:
        rota.signup_create(contributor=lawyer, shift=overlapping)
    assert refused.value.code == "overlap" and morning.venue.name in refused.value.message

    RotaPolicy.objects.update_or_create(pk=1, defaults={"max_hours_per_day": 5})
    afternoon = ShiftFactory(starts_at=morning.starts_at + datetime.timedelta(hours=4))
    with pytest.raises(rota.SignupRefused) as refused:
        rota.signup_create(contributor=lawyer, shift=afternoon)
    assert refused.value.code == "fatigue_day"
    assert list(Signup.objects.values_list("shift", flat=True)) == [morning.pk]


def test_cancelling_before_the_deadline_is_free_and_after_it_is_recorded_late(lawyer):
    shift = ShiftFactory()
    signup = rota.signup_create(contributor=lawyer, shift=shift)
    cancelled = rota.signup_cancel(contributor=lawyer, signup=signup)
    assert cancelled.status == Signup.Status.CANCELLED and cancelled.seat is None

    again = rota.signup_create(contributor=lawyer, shift=shift)
    late = rota.signup_cancel(
        contributor=lawyer, signup=again, now=shift.cancel_deadline + datetime.timedelta(minutes=1)
    )
    assert late.status == Signup.Status.LATE_CANCELLED
    with pytest.raises(rota.SignupRefused):
        rota.signup_cancel(contributor=lawyer, signup=late)


def test_the_database_refuses_a_second_person_on_one_seat_and_a_second_open_signup(lawyer):
    shift = ShiftFactory(capacity=3)
    rota.signup_create(contributor=lawyer, shift=shift)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signup.objects.create(shift=shift, contributor=ContributorFactory(), status="confirmed", seat=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signup.objects.create(shift=shift, contributor=lawyer, status="waiting")
    with pytest.raises(IntegrityError), transaction.atomic():
        Signup.objects.create(shift=shift, contributor=ContributorFactory(), status="confirmed", seat=None)
