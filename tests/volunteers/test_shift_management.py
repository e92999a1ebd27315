"""Staff build the rota: series of shifts, edits to one shift, cancelling a shift."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import ContributorFactory, ShiftFactory
from volunteers.models import AuditEntry, ServiceType, Shift, Signup
from volunteers.rota import services

T = datetime.time


def _monday_after_next():
    today = timezone.localdate()
    return today + datetime.timedelta(days=14 - today.weekday())


def _series(world, rota, **overrides):
    first_day = _monday_after_next()
    arguments = {
        "actor": world.staff_a,
        "scope": world.district_a,
        "opportunity": rota.opportunity_a,
        "service_type": ServiceType.objects.get(code="hotline_12348"),
        "eligible_kinds": ["lawyer"],
        "venue": world.venue_a,
        "first_day": first_day,
        "last_day": first_day + datetime.timedelta(days=13),
        "weekdays": [0, 2],
        "every_weeks": 1,
        "times": [(T(9), T(12)), (T(14), T(17, 30))],
        "capacity": 3,
        "min_staffing": 2,
        "signup_hours_before": 12,
        "cancel_hours_before": 24,
    }
    arguments.update(overrides)
    return services.shift_series_create(**arguments)


def _local(shift):
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    return start.date(), start.time(), end.time()


def test_a_series_makes_each_chosen_weekday_at_each_time_over_the_range(world, rota):
    shifts = _series(world, rota)

    monday = _monday_after_next()
    days = [
        monday,
        monday + datetime.timedelta(days=2),
        monday + datetime.timedelta(days=7),
        monday + datetime.timedelta(days=9),
    ]
    assert sorted(_local(s) for s in shifts) == sorted(
        (day, start, end) for day in days for start, end in [(T(9), T(12)), (T(14), T(17, 30))]
    )
    assert len({s.series for s in shifts}) == 1 and shifts[0].series is not None
    for shift in shifts:
        assert shift.capacity == 3 and shift.min_staffing == 2 and shift.eligible_kinds == ["lawyer"]
        assert shift.venue == world.venue_a and shift.opportunity_id == rota.opportunity_a.pk
        assert shift.signup_deadline == shift.starts_at - datetime.timedelta(hours=12)
        assert shift.cancel_deadline == shift.starts_at - datetime.timedelta(hours=24)
        assert shift.status == Shift.Status.SCHEDULED
    entry = AuditEntry.objects.get(action="shift_series_create")
    assert entry.actor == world.staff_a and entry.data["count"] == 8


def test_a_series_every_other_week_skips_the_weeks_between(world, rota):
    monday = _monday_after_next()
    shifts = _series(
        world, rota, weekdays=[1], every_weeks=2, times=[(T(9), T(12))], last_day=monday + datetime.timedelta(days=34)
    )

    assert [_local(s)[0] for s in shifts] == [monday + datetime.timedelta(days=1 + 7 * week) for week in (0, 2, 4)]


def test_a_series_never_creates_shifts_in_the_past(world, rota):
    today = timezone.localdate()
    noon = timezone.make_aware(datetime.datetime.combine(today, T(12)))
    shifts = _series(
        world,
        rota,
        first_day=today - datetime.timedelta(days=1),
        last_day=today + datetime.timedelta(days=1),
        weekdays=list(range(7)),
        times=[(T(9), T(10)), (T(14), T(15))],
        signup_hours_before=1,
        now=noon,
    )

    assert sorted(_local(s)[:2] for s in shifts) == [
        (today, T(14)),
        (today + datetime.timedelta(days=1), T(9)),
        (today + datetime.timedelta(days=1), T(14)),
    ]

    before = Shift.objects.count()
    with pytest.raises(ValidationError):
        _series(
            world,
            rota,
            first_day=today - datetime.timedelta(days=7),
            last_day=today - datetime.timedelta(days=1),
            weekdays=list(range(7)),
            now=noon,
        )
    assert Shift.objects.count() == before


def test_a_series_made_late_in_the_evening_leaves_out_shifts_whose_sign_up_has_closed(world, rota):
    today = timezone.localdate()
    evening = timezone.make_aware(datetime.datetime.combine(today, T(22, 30)))
    tomorrow = today + datetime.timedelta(days=1)

    shifts = _series(
        world,
        rota,
        first_day=tomorrow,
        last_day=tomorrow,
        weekdays=list(range(7)),
        times=[(T(9), T(12)), (T(14), T(17))],
        signup_hours_before=12,  # 09:00's sign-up closed at 21:00 tonight; 14:00's closes at 02:00
        now=evening,
    )

    assert [_local(s)[:2] for s in shifts] == [(tomorrow, T(14))]
    assert all(s.signup_deadline > evening for s in shifts)


def test_a_series_larger_than_the_limit_is_refused_whole(world, rota, settings):
    settings.PB_MAX_SERIES_SHIFTS = 7
    before = Shift.objects.count()

    with pytest.raises(ValidationError) as refused:
        _series(world, rota)  # 8 shifts

    assert "8" in " ".join(refused.value.messages)
    assert Shift.objects.count() == before
    assert not AuditEntry.objects.filter(action="shift_series_create").exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"times": [(T(9), T(12)), (T(14), T(13))]},  # the second time ends before it starts
        {"min_staffing": 4},  # more than the places
        {"scope": "district_b"},
    ],  # a venue outside the staff member's region
    ids=["bad-time", "min-over-capacity", "other-region"],
)
def test_a_series_with_any_invalid_shift_creates_none(world, rota, overrides):
    if overrides.get("scope") == "district_b":
        overrides = {"scope": world.district_b, "actor": world.staff_b}
    before = Shift.objects.count()

    with pytest.raises(ValidationError):
        _series(world, rota, **overrides)

    assert Shift.objects.count() == before


def _fill(shift, count):
    return [services.signup_create(contributor=ContributorFactory(), shift=shift) for _ in range(count)]


def test_fewer_places_than_people_holding_one_is_refused(world):
    shift = ShiftFactory(venue=world.venue_a, capacity=3)
    _fill(shift, 3)

    with pytest.raises(ValidationError) as refused:
        services.shift_update(actor=world.staff_a, scope=world.district_a, shift=shift, capacity=2)

    assert "capacity" in refused.value.message_dict
    shift.refresh_from_db()
    assert shift.capacity == 3
    assert shift.signups.filter(status=Signup.Status.CONFIRMED).count() == 3


def test_places_can_shrink_to_the_number_of_holders_after_a_cancellation(world):
    # Seats 1 and 3 taken, seat 2 given up: two people, two places.
    shift = ShiftFactory(venue=world.venue_a, capacity=3)
    people = _fill(shift, 3)
    services.signup_cancel(contributor=people[1].contributor, signup=people[1])

    services.shift_update(actor=world.staff_a, scope=world.district_a, shift=shift, capacity=2)

    shift.refresh_from_db()
    assert shift.capacity == 2
    held = shift.signups.filter(status__in=Signup.HOLDS_SEAT)
    assert held.count() == 2
    assert set(held.values_list("seat", flat=True)) <= {1, 2}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: {"ends_at": s.starts_at - datetime.timedelta(hours=1)}, "ends_at"),
        (lambda s: {"signup_deadline": s.starts_at + datetime.timedelta(hours=1)}, "signup_deadline"),
        (lambda s: {"cancel_deadline": s.starts_at + datetime.timedelta(minutes=1)}, "cancel_deadline"),
        (lambda s: {"capacity": 0}, "capacity"),
    ],
    ids=["ends-before-start", "signup-after-start", "cancel-after-start", "no-places"],
)
def test_shift_update_refuses_impossible_times_and_changes_nothing(world, change, field):
    shift = ShiftFactory(venue=world.venue_a, min_staffing=0)
    saved = Shift.objects.filter(pk=shift.pk).values().get()

    with pytest.raises(ValidationError) as refused:
        services.shift_update(actor=world.staff_a, scope=world.district_a, shift=shift, **change(shift))

    assert field in refused.value.message_dict
    assert Shift.objects.filter(pk=shift.pk).values().get() == saved


def test_shift_update_by_staff_of_another_region_is_refused(world, rota):
    with pytest.raises(ValidationError):
        services.shift_update(actor=world.staff_b, scope=world.district_b, shift=rota.shift_a, capacity=5)
    rota.shift_a.refresh_from_db()
    assert rota.shift_a.capacity == 2


def test_cancelling_a_shift_releases_everyone_and_emails_each_after_commit(
    world, rota, queued_emails, django_capture_on_commit_callbacks
):
    shift = ShiftFactory(venue=world.venue_a, opportunity=rota.opportunity_a, capacity=2)
    confirmed, leaving = _fill(shift, 2)
    offered_person, waiting_person = ContributorFactory(), ContributorFactory()
    services.signup_join_waitlist(contributor=offered_person, shift=shift)
    services.signup_join_waitlist(contributor=waiting_person, shift=shift)
    services.signup_cancel(contributor=leaving.contributor, signup=leaving)  # seat 2 offered to the first in line
    assert shift.signups.filter(status=Signup.Status.OFFERED, contributor=offered_person).exists()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.shift_cancel(actor=world.staff_a, scope=world.district_a, shift=shift, reason="  场地停电 & 检修  ")
        assert queued_emails() == 0  # nothing is queued before the commit
    assert len(callbacks) == 3
    assert queued_emails() == 3

    shift.refresh_from_db()
    assert shift.status == Shift.Status.CANCELLED and shift.cancel_reason == "场地停电 & 检修"
    assert shift.cancelled_at is not None
    assert not shift.signups.filter(status__in=Signup.OPEN).exists()
    assert not shift.signups.filter(seat__isnull=False).exists()
    told = {confirmed.contributor.user.email, offered_person.user.email, waiting_person.user.email}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(told)
    for message in mail.outbox:
        assert "场地停电 & 检修" in message.body
    entry = AuditEntry.objects.get(action="shift_cancel", object_id=str(shift.pk))
    assert entry.actor == world.staff_a and entry.data["released"] == 3


def test_cancelling_a_shift_needs_a_reason(world, rota):
    with pytest.raises(ValidationError) as refused:
        services.shift_cancel(actor=world.staff_a, scope=world.district_a, shift=rota.shift_a, reason="   ")

    assert "reason" in refused.value.message_dict
    rota.shift_a.refresh_from_db()
    assert rota.shift_a.status == Shift.Status.SCHEDULED
    rota.signup_a.refresh_from_db()
    assert rota.signup_a.status == Signup.Status.CONFIRMED and rota.signup_a.seat == 1
