"""Staff mark who came to a shift: attended gives the sign-up its one service record (hours from the
times actually served), corrections edit that record, no-show withdraws it; every mark is audited."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from volunteers.models import AuditEntry, ServiceRecord, Signup
from volunteers.rota.services import attendance_mark

MIN = datetime.timedelta(minutes=1)


def _mark(world, signup, *, by="staff_a", scope=None, **kwargs):
    return attendance_mark(actor=getattr(world, by), scope=scope or world.district_a, signup=signup, **kwargs)


def _audits(signup):
    return list(AuditEntry.objects.filter(action="attendance_mark", object_id=str(signup.pk)).order_by("id"))


def test_attended_creates_one_service_record_with_the_hours_actually_served(world, rota):
    shift, signup = rota.past_shift_a, rota.past_signup_a
    started, ended = shift.starts_at + 10 * MIN, shift.starts_at + datetime.timedelta(hours=2, minutes=30)

    record = _mark(world, signup, attended=True, started_at=started, ended_at=ended)

    assert ServiceRecord.objects.count() == 1
    record = ServiceRecord.objects.get(signup=signup)
    assert record.status == ServiceRecord.Status.VERIFIED_ATTENDANCE
    assert record.hours == Decimal("2.33")  # 2 h 20 min
    assert (record.started_at, record.ended_at) == (started, ended)
    assert record.contributor == world.lawyer_contributor
    assert record.venue == world.venue_a and record.region == world.district_a
    assert record.service_type_id == shift.service_type_id
    assert record.date == timezone.localtime(started).date()
    assert record.updated_by == world.staff_a
    signup.refresh_from_db()
    assert signup.attendance == Signup.Attendance.ATTENDED and signup.attendance_marked_by == world.staff_a


def test_attended_without_times_uses_the_shift_times(world, rota):
    shift = rota.past_shift_a
    _mark(world, rota.past_signup_a, attended=True)

    record = ServiceRecord.objects.get(signup=rota.past_signup_a)
    assert (record.started_at, record.ended_at) == (shift.starts_at, shift.ends_at)
    assert record.hours == Decimal("3.00")


def test_marking_again_corrects_the_same_record_and_the_audit_keeps_before_and_after(world, rota):
    signup = rota.past_signup_a
    first = _mark(world, signup, attended=True)
    _mark(world, signup, attended=True)  # marked twice by mistake
    corrected_start = rota.past_shift_a.starts_at + 30 * MIN
    corrected = _mark(world, signup, by="city_staff", scope=world.city, attended=True, started_at=corrected_start)

    assert ServiceRecord.objects.filter(signup=signup).count() == 1 and corrected.pk == first.pk
    record = ServiceRecord.objects.get(pk=first.pk)
    assert record.started_at == corrected_start and record.hours == Decimal("2.50")
    assert record.updated_by == world.city_staff

    created, twice, correction = _audits(signup)
    assert created.actor == world.staff_a
    assert created.data["before"] == {"attendance": ""}
    assert created.data["after"] == {"attendance": "attended", "record_status": "attended", "hours": "3.00"}
    assert correction.actor == world.city_staff
    assert correction.data["before"]["hours"] == "3.00"
    assert correction.data["before"]["started_at"] == rota.past_shift_a.starts_at.isoformat()
    assert correction.data["after"]["hours"] == "2.50"
    assert correction.data["record"] == record.pk


def test_changing_attended_to_no_show_withdraws_the_record_and_back_restores_it(world, rota):
    signup = rota.past_signup_a
    record = _mark(world, signup, attended=True)

    _mark(world, signup, attended=False)

    record.refresh_from_db()
    signup.refresh_from_db()
    assert record.status == ServiceRecord.Status.WITHDRAWN
    assert signup.attendance == Signup.Attendance.NO_SHOW
    withdrawal = _audits(signup)[-1]
    assert withdrawal.data["before"]["record_status"] == "attended"
    assert withdrawal.data["after"] == {"attendance": "no_show", "record_status": "withdrawn", "hours": "3.00"}

    _mark(world, signup, attended=True)
    assert list(ServiceRecord.objects.filter(signup=signup).values_list("pk", "status")) == [
        (record.pk, ServiceRecord.Status.VERIFIED_ATTENDANCE)
    ]


def test_a_no_show_with_no_record_creates_none(world, rota):
    assert _mark(world, rota.past_signup_a, attended=False) is None
    assert not ServiceRecord.objects.exists()
    rota.past_signup_a.refresh_from_db()
    assert rota.past_signup_a.attendance == Signup.Attendance.NO_SHOW


def test_staff_outside_the_venues_region_cannot_mark(world, rota):
    with pytest.raises(ValidationError):
        _mark(world, rota.past_signup_a, by="staff_b", scope=world.district_b, attended=True)

    assert not ServiceRecord.objects.exists()
    rota.past_signup_a.refresh_from_db()
    assert rota.past_signup_a.attendance == Signup.Attendance.UNMARKED
    assert not AuditEntry.objects.filter(action="attendance_mark").exists()


def test_attendance_cannot_be_marked_before_the_shift_starts(world, rota):
    shift = rota.shift_a  # next week
    with pytest.raises(ValidationError):
        _mark(world, rota.signup_a, attended=True)
    with pytest.raises(ValidationError):
        _mark(world, rota.signup_a, attended=True, now=shift.starts_at - MIN)
    assert not ServiceRecord.objects.exists()

    # From the start on, it can (a shift in progress).
    record = _mark(world, rota.signup_a, attended=True, now=shift.starts_at)
    assert record.hours == Decimal("3.00")


@pytest.mark.parametrize("status", [Signup.Status.WAITING, Signup.Status.CANCELLED, Signup.Status.LATE_CANCELLED])
def test_only_confirmed_signups_can_be_marked(world, rota, status):
    signup = Signup.objects.create(shift=rota.past_shift_a, contributor=world.other_lawyer_contributor, status=status)

    with pytest.raises(ValidationError):
        _mark(world, signup, attended=True)

    assert not ServiceRecord.objects.exists()
    signup.refresh_from_db()
    assert signup.attendance == Signup.Attendance.UNMARKED


@pytest.mark.parametrize(
    ("start_offset", "end_offset"),
    [
        (datetime.timedelta(hours=2), datetime.timedelta(hours=1)),  # ends before it starts
        (datetime.timedelta(0), datetime.timedelta(hours=25)),
    ],  # longer than a day
    ids=["end-before-start", "over-24-hours"],
)
def test_impossible_times_are_refused_and_nothing_is_saved(world, rota, start_offset, end_offset):
    start = rota.past_shift_a.starts_at
    with pytest.raises(ValidationError) as refused:
        _mark(world, rota.past_signup_a, attended=True, started_at=start + start_offset, ended_at=start + end_offset)

    assert "ended_at" in refused.value.message_dict
    assert not ServiceRecord.objects.exists()
    rota.past_signup_a.refresh_from_db()
    assert rota.past_signup_a.attendance == Signup.Attendance.UNMARKED
