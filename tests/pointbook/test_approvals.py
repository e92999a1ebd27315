"""Staff decide on service records: approving posts "hours × rate" under the rule version in force
on the record's day (rural venues weigh more, a day's points are capped), explained in words in the
reader's language; rejecting and withdrawing need a reason; withdrawing posts a reversal; staff of
another district can do none of it; the star level follows verified hours."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from pointbook.ledger import rules, selectors, services
from pointbook.models import LedgerEntry, PointsRule
from tests.factories import ShiftFactory, VenueFactory
from volunteers.models import AuditEntry, ServiceRecord, ServiceType, Signup
from volunteers.rota import services as rota_services


def _mark(world, signup, **times):
    return rota_services.attendance_mark(
        actor=world.staff_a, scope=world.district_a, signup=signup, attended=True, **times
    )


def _approve(world, record, *, actor=None, scope=None):
    return services.record_approve(actor=actor or world.staff_a, scope=scope or world.district_a, record=record)


def _record_at(world, rota, *, venue=None, service_type="hotline_12348", starts_at=None, hours=3, **times):
    """A shift in the past at `venue` (venue A by default), the lawyer confirmed and marked attended."""
    venue = venue or world.venue_a
    starts_at = starts_at or timezone.now().replace(microsecond=0) - datetime.timedelta(days=2)
    shift = ShiftFactory(
        opportunity=rota.opportunity_a,
        venue=venue,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        service_type=ServiceType.objects.get(code=service_type),
    )
    signup = Signup.objects.create(
        shift=shift, contributor=world.lawyer_contributor, status=Signup.Status.CONFIRMED, seat=1
    )
    return _mark(world, signup, **times)


def _hotline_rule(**fields):
    return PointsRule.objects.create(service_type=ServiceType.objects.get(code="hotline_12348"), **fields)


def _entries(record):
    return LedgerEntry.objects.filter(source="service_record", source_id=record.pk).order_by("id")


@pytest.fixture
def record(world, rota):
    """The lawyer's 3-hour hotline shift at venue A yesterday, marked attended: waiting for a decision."""
    return _mark(world, rota.past_signup_a)


# --- the award -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_approving_posts_hours_times_the_rate_and_records_the_decision(world, record):
    assert record.hours == Decimal("3.00")
    entry = _approve(world, record)

    saved = LedgerEntry.objects.get()
    assert saved.pk == entry.pk
    assert (saved.contributor, saved.kind, saved.source, saved.source_id) == (
        world.lawyer_contributor,
        "award",
        "service_record",
        record.pk,
    )
    assert saved.points == Decimal("30.00") and saved.hours == Decimal("3.00")  # hotline: 10 pts/h (0003)
    assert saved.rule == PointsRule.objects.get(service_type__code="hotline_12348")
    assert saved.effective_date == record.date and saved.actor == world.staff_a
    assert saved.breakdown["hours"] == "3.00" and saved.breakdown["per_hour"] == "10.00"
    assert saved.breakdown["factors"] == [] and saved.breakdown["cap"] is None and saved.breakdown["points"] == "30.00"
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.APPROVED
    assert record.decided_by == world.staff_a and record.decided_at is not None
    audit = AuditEntry.objects.get(action="record_approve")
    assert audit.object_id == str(record.pk) and audit.data["entry"] == entry.pk and audit.data["points"] == "30.00"


@pytest.mark.django_db
def test_the_rule_version_in_force_on_the_records_day_applies(world, record):
    day = record.date
    before = _hotline_rule(effective_from=day - datetime.timedelta(days=5), points_per_hour=Decimal("14"))
    _hotline_rule(effective_from=day + datetime.timedelta(days=1), points_per_hour=Decimal("20"))

    entry = _approve(world, record)

    assert entry.rule == before
    assert entry.points == Decimal("42.00")  # 3 h × 14, not the 2020 rate (10) nor the later one (20)
    assert entry.breakdown["rule"] == before.pk and entry.breakdown["rule_from"] == before.effective_from.isoformat()
    assert entry.breakdown["per_hour"] == "14.00"


@pytest.mark.django_db
def test_a_version_starting_on_the_records_day_applies_to_it(world, record):
    _hotline_rule(effective_from=record.date - datetime.timedelta(days=5), points_per_hour=Decimal("14"))
    same_day = _hotline_rule(effective_from=record.date, points_per_hour=Decimal("16"))
    entry = _approve(world, record)
    assert entry.rule == same_day and entry.points == Decimal("48.00")


@pytest.mark.django_db
def test_a_rural_venue_multiplies_the_points(world, rota):
    rural = VenueFactory(name="光明村法律服务室", kind="village_room", region=world.village_a, is_rural=True)
    record = _record_at(world, rota, venue=rural)
    entry = _approve(world, record)
    assert entry.points == Decimal("45.00")  # 3 h × 10 × 1.5 (0003's rural multiplier)
    assert entry.breakdown["factors"] == [{"name": "rural", "times": "1.50"}]


@pytest.mark.django_db
def test_points_are_rounded_to_the_cent_half_up(world, rota):
    rural = VenueFactory(name="光明村法律服务室", kind="village_room", region=world.village_a, is_rural=True)
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=2)
    record = _record_at(
        world,
        rota,
        venue=rural,
        starts_at=start,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=2, minutes=20),
    )
    assert record.hours == Decimal("2.33")
    _hotline_rule(effective_from=record.date, points_per_hour=Decimal("10.50"), rural_multiplier=Decimal("1.30"))
    # 2.33 × 10.5 × 1.3 = 31.8045 → 31.80
    assert _approve(world, record).points == Decimal("31.80")


@pytest.mark.django_db
def test_the_daily_cap_limits_one_records_points(world, rota):
    rural = VenueFactory(name="光明村法律服务室", kind="village_room", region=world.village_a, is_rural=True)
    record = _record_at(world, rota, venue=rural)
    _hotline_rule(
        effective_from=record.date,
        points_per_hour=Decimal("10"),
        rural_multiplier=Decimal("1.5"),
        daily_cap=Decimal("40"),
    )
    entry = _approve(world, record)
    assert entry.points == Decimal("40.00")  # 45 capped at 40
    assert entry.breakdown["cap"] == "40.00"
    with translation.override("en"):
        assert rules.explain("award", entry.breakdown) == "3 h × 10 pts/h × 1.5 rural venue (capped at 40 a day) = 40"


@pytest.mark.django_db
def test_under_the_daily_cap_nothing_is_capped(world, record):
    _hotline_rule(effective_from=record.date, points_per_hour=Decimal("10"), daily_cap=Decimal("30"))
    entry = _approve(world, record)
    assert entry.points == Decimal("30.00") and entry.breakdown["cap"] is None


@pytest.mark.django_db
def test_the_daily_cap_counts_all_of_a_persons_records_that_day(world, rota):
    """The cap is "most points per day": two shifts on one day together earn at most the cap."""
    day = timezone.localdate() - datetime.timedelta(days=2)
    morning = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 0)))
    first = _record_at(world, rota, starts_at=morning)
    second = _record_at(world, rota, starts_at=morning + datetime.timedelta(hours=6))
    assert first.date == second.date == day
    _hotline_rule(effective_from=day, points_per_hour=Decimal("10"), daily_cap=Decimal("40"))

    _approve(world, first)
    _approve(world, second)

    day_total = sum(
        e.points for e in LedgerEntry.objects.filter(contributor=world.lawyer_contributor, effective_date=day)
    )
    assert day_total == Decimal("40.00")  # 30 + 30 asked, the day's cap is 40


@pytest.mark.django_db
def test_the_explanation_matches_the_numbers_in_english_and_chinese(world, rota):
    rural = VenueFactory(name="光明村法律服务室", kind="village_room", region=world.village_a, is_rural=True)
    entry = _approve(world, _record_at(world, rota, venue=rural))

    with translation.override("en"):
        english = rules.explain(entry.kind, entry.breakdown)
    assert english == "3 h × 10 pts/h × 1.5 rural venue = 45"

    with translation.override("zh-hans"):
        chinese = rules.explain(entry.kind, entry.breakdown)
    for number in ("3", "10", "1.5", "45"):
        assert number in chinese
    assert chinese != english, "the award explanation has no Chinese translation"
    assert "pts/h" not in chinese and "rural venue" not in chinese
    assert entry.explanation == chinese  # stored in the default language


@pytest.mark.django_db
def test_a_reversal_is_explained_with_its_date_and_reason_in_both_languages(world, record):
    _approve(world, record)
    reversal = services.record_unapprove(
        actor=world.staff_a, scope=world.district_a, record=record, reason="签到记录有误"
    )
    with translation.override("en"):
        english = rules.explain(reversal.kind, reversal.breakdown)
    assert english == f"Reverses the entry of {record.date.isoformat()}: 签到记录有误"
    with translation.override("zh-hans"):
        chinese = rules.explain(reversal.kind, reversal.breakdown)
    assert record.date.isoformat() in chinese and "签到记录有误" in chinese
    assert "Reverses" not in chinese, "the reversal explanation has no Chinese translation"


@pytest.mark.django_db
def test_approving_twice_returns_the_same_award(world, record):
    first = _approve(world, record)
    again = _approve(world, record)
    by_city = _approve(world, record, actor=world.city_staff, scope=world.city)
    done, refused = services.records_approve(actor=world.staff_a, scope=world.district_a, records=[record])
    assert again.pk == first.pk == by_city.pk and [e.pk for e in done] == [first.pk] and refused == []
    assert _entries(record).count() == 1
    assert AuditEntry.objects.filter(action="record_approve").count() == 1


@pytest.mark.django_db
def test_approving_without_a_rule_in_force_is_refused(world, record):
    PointsRule.objects.filter(service_type__code="hotline_12348").update(
        effective_from=record.date + datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError):
        _approve(world, record)
    assert not LedgerEntry.objects.exists()
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.VERIFIED_ATTENDANCE


# --- reject / unapprove --------------------------------------------------------------------------


@pytest.mark.django_db
def test_rejecting_needs_a_reason_and_posts_nothing(world, record):
    for blank in ("", "   "):
        with pytest.raises(ValidationError) as refused:
            services.record_reject(actor=world.staff_a, scope=world.district_a, record=record, reason=blank)
        assert "reason" in refused.value.message_dict
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.VERIFIED_ATTENDANCE and record.decided_at is None

    services.record_reject(actor=world.staff_a, scope=world.district_a, record=record, reason="  当日未到岗  ")
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.REJECTED
    assert record.decision_reason == "当日未到岗" and record.decided_by == world.staff_a
    assert not LedgerEntry.objects.exists()

    with pytest.raises(ValidationError):
        _approve(world, record)
    with pytest.raises(ValidationError):
        services.record_reject(actor=world.staff_a, scope=world.district_a, record=record, reason="再次")
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
def test_unapproving_needs_a_reason(world, record):
    _approve(world, record)
    with pytest.raises(ValidationError) as refused:
        services.record_unapprove(actor=world.staff_a, scope=world.district_a, record=record, reason=" ")
    assert "reason" in refused.value.message_dict
    assert _entries(record).count() == 1
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.APPROVED


@pytest.mark.django_db
def test_unapproving_posts_a_reversal_and_approving_again_a_new_award(world, record):
    award = _approve(world, record)
    reversal = services.record_unapprove(
        actor=world.staff_a, scope=world.district_a, record=record, reason="签到记录有误"
    )

    reversal = LedgerEntry.objects.get(pk=reversal.pk)
    assert reversal.kind == "reversal" and reversal.reverses_id == award.pk
    assert reversal.contributor == award.contributor
    assert reversal.points == -award.points == Decimal("-30.00") and reversal.hours == -award.hours
    assert (reversal.source, reversal.source_id, reversal.effective_date) == (
        award.source,
        award.source_id,
        award.effective_date,
    )
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.VERIFIED_ATTENDANCE and record.decision_reason == "签到记录有误"
    assert sum(e.points for e in _entries(record)) == 0
    assert services.ledger_verify() == []

    with pytest.raises(ValidationError):  # nothing left to withdraw
        services.record_unapprove(actor=world.staff_a, scope=world.district_a, record=record, reason="再次")

    again = _approve(world, record)
    assert again.pk not in (award.pk, reversal.pk) and again.kind == "award" and again.points == Decimal("30.00")
    assert [e.kind for e in _entries(record)] == ["award", "reversal", "award"]
    assert sum(e.points for e in _entries(record)) == Decimal("30.00")  # net one award
    assert sum(e.hours for e in _entries(record)) == Decimal("3.00")
    assert services.ledger_verify() == []
    assert _approve(world, record).pk == again.pk

    # A second withdrawal reverses the second award, not the first again.
    second = services.record_unapprove(actor=world.staff_a, scope=world.district_a, record=record, reason="复核")
    assert second.reverses_id == again.pk
    assert sum(e.points for e in _entries(record)) == 0 and services.ledger_verify() == []


@pytest.mark.django_db
def test_staff_of_the_other_district_can_decide_nothing(world, record):
    def snapshot():
        r = ServiceRecord.objects.get(pk=record.pk)
        return r.status, r.decided_at, r.decided_by_id, r.decision_reason

    waiting = snapshot()
    for attempt in (
        lambda: services.record_approve(actor=world.staff_b, scope=world.district_b, record=record),
        lambda: services.record_reject(actor=world.staff_b, scope=world.district_b, record=record, reason="不符"),
    ):
        with pytest.raises(ValidationError):
            attempt()
        assert snapshot() == waiting
    assert not LedgerEntry.objects.exists()

    award = _approve(world, record)
    approved = snapshot()
    with pytest.raises(ValidationError):
        services.record_unapprove(actor=world.staff_b, scope=world.district_b, record=record, reason="不符")
    assert snapshot() == approved
    assert list(_entries(record)) == [award]
    assert not AuditEntry.objects.filter(actor=world.staff_b).exists()


@pytest.mark.django_db
def test_bulk_approval_by_the_other_district_reports_each_record(world, record):
    done, refused = services.records_approve(actor=world.staff_b, scope=world.district_b, records=[record])
    assert done == [] and [r.pk for r, _ in refused] == [record.pk]
    assert not LedgerEntry.objects.exists()


# --- attendance after a decision -----------------------------------------------------------------


@pytest.mark.django_db
def test_attendance_cannot_be_corrected_once_approved_or_rejected(world, rota, record):
    signup = rota.past_signup_a
    shift = signup.shift
    _approve(world, record)
    for change in (
        {"attended": False},
        {"attended": True, "started_at": shift.starts_at, "ended_at": shift.starts_at + datetime.timedelta(hours=1)},
    ):
        with pytest.raises(ValidationError):
            rota_services.attendance_mark(actor=world.staff_a, scope=world.district_a, signup=signup, **change)
        record.refresh_from_db()
        assert record.status == ServiceRecord.Status.APPROVED and record.hours == Decimal("3.00")
        signup.refresh_from_db()
        assert signup.attendance == Signup.Attendance.ATTENDED
    assert _entries(record).count() == 1

    # Withdrawn, the record can be corrected, and approving it again pays the corrected hours.
    services.record_unapprove(actor=world.staff_a, scope=world.district_a, record=record, reason="时长有误")
    corrected = _mark(world, signup, started_at=shift.starts_at, ended_at=shift.starts_at + datetime.timedelta(hours=1))
    assert corrected.pk == record.pk and corrected.hours == Decimal("1.00")
    assert _approve(world, corrected).points == Decimal("10.00")

    services.record_unapprove(actor=world.staff_a, scope=world.district_a, record=record, reason="复核")
    services.record_reject(actor=world.staff_a, scope=world.district_a, record=record, reason="未到岗")
    with pytest.raises(ValidationError):
        rota_services.attendance_mark(actor=world.staff_a, scope=world.district_a, signup=signup, attended=False)
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.REJECTED


# --- bulk ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bulk_approval_reports_records_without_a_rule_and_approves_the_rest(world, rota, record):
    no_rule = _record_at(
        world,
        rota,
        service_type="legal_aid",
        starts_at=timezone.now().replace(microsecond=0) - datetime.timedelta(days=3),
    )
    rural = VenueFactory(name="光明村法律服务室", kind="village_room", region=world.village_a, is_rural=True)
    third = _record_at(
        world, rota, venue=rural, starts_at=timezone.now().replace(microsecond=0) - datetime.timedelta(days=4)
    )
    PointsRule.objects.filter(service_type__code="legal_aid").delete()

    done, refused = services.records_approve(
        actor=world.staff_a, scope=world.district_a, records=[no_rule, record, third]
    )

    assert [(e.source_id, e.points) for e in done] == [(record.pk, Decimal("30.00")), (third.pk, Decimal("45.00"))]
    assert [r.pk for r, _ in refused] == [no_rule.pk]
    message = refused[0][1]
    assert no_rule.date.isoformat() in message and str(no_rule.service_type) in message
    assert {r.pk: r.status for r in ServiceRecord.objects.all()} == {
        no_rule.pk: "attended",
        record.pk: "approved",
        third.pk: "approved",
    }
    assert not _entries(no_rule).exists()
    assert LedgerEntry.objects.count() == 2 and services.ledger_verify() == []


# --- summary and stars ---------------------------------------------------------------------------


def _service_record(world, day, hours):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(0, 0)))
    return ServiceRecord.objects.create(
        contributor=world.lawyer_contributor,
        service_type=ServiceType.objects.get(code="hotline_12348"),
        region=world.district_a,
        date=day,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=hours),
        hours=Decimal(hours),
        status=ServiceRecord.Status.VERIFIED_ATTENDANCE,
    )


@pytest.mark.django_db
def test_points_summary_counts_the_year_the_lifetime_and_stars(world):
    year = timezone.localdate().year
    this_year = [_service_record(world, datetime.date(year, 1, d), 24) for d in (1, 2, 3, 4)]
    last_year = _service_record(world, datetime.date(year - 1, 12, 1), 24)
    for record in [*this_year, last_year]:
        _approve(world, record)

    summary = selectors.points_summary(world.lawyer_contributor)
    assert summary["year"] == year
    assert summary["hours"] == Decimal("120.00") and summary["year_hours"] == Decimal("96.00")
    assert summary["lifetime"] == Decimal("1200.00") and summary["year_points"] == Decimal("960.00")
    assert summary["stars"] == 1 and summary["next_star_at"] == 300
    assert summary["to_next"] == Decimal("180.00") and summary["progress"] == 10
    assert selectors.points_summary(world.lawyer_contributor, year=year - 1)["year_points"] == Decimal("240.00")
    assert selectors.points_summary(world.other_lawyer_contributor)["lifetime"] == 0

    # Withdrawing one approval takes its hours back too: below the first star again.
    services.record_unapprove(actor=world.staff_a, scope=world.district_a, record=this_year[0], reason="重复登记")
    summary = selectors.points_summary(world.lawyer_contributor)
    assert summary["hours"] == Decimal("96.00") and summary["lifetime"] == Decimal("960.00")
    assert summary["stars"] == 0 and summary["next_star_at"] == 100 and summary["progress"] == 96


@pytest.mark.parametrize(
    "hours, stars, next_at",
    [
        (Decimal("0"), 0, 100),
        (Decimal("99.99"), 0, 100),
        (Decimal("100"), 1, 300),
        (Decimal("299.99"), 1, 300),
        (Decimal("300"), 2, 600),
        (Decimal("600"), 3, 1000),
        (Decimal("1000"), 4, 1500),
        (Decimal("1499.5"), 4, 1500),
        (Decimal("1500"), 5, None),
        (Decimal("4000"), 5, None),
    ],
)
def test_stars_by_verified_hours(hours, stars, next_at):
    assert rules.stars_for(hours) == (stars, next_at)


@pytest.mark.django_db
def test_five_stars_have_no_next_level(world):
    services.entry_post(
        contributor=world.lawyer_contributor,
        points=Decimal("100"),
        hours=Decimal("1500"),
        kind="adjustment",
        source="appeal",
        source_id=1,
        idempotency_key="appeal:1",
        breakdown={"text": "历史时长补录"},
        effective_date=timezone.localdate(),
    )
    summary = selectors.points_summary(world.lawyer_contributor)
    assert summary["stars"] == 5 and summary["next_star_at"] is None
    assert summary["to_next"] is None and summary["progress"] is None
