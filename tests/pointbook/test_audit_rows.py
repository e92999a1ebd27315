"""Every write leaves its audit row in its own transaction: a rule version saved, a record flagged by
a poor rating, a no-show penalty (and its reversal) posted by the sweep, each person's re-scoring, a
recognition report marked built. Where the transaction fails after the write (the audit row itself
fails here, written and then refused), neither the write nor its audit row is left."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pointbook.conduct import services as conduct
from pointbook.ledger import rescore, services
from pointbook.models import ConductRule, LedgerEntry, PointsRule, PublicRating, RecognitionReport
from pointbook.reports import build
from pointbook.reports import services as reports
from tests.factories import ShiftFactory, UserFactory
from volunteers.models import AuditEntry, ServiceType, Signup
from volunteers.rota import services as rota_services


class AuditRefused(Exception):
    """The audit row was written and then the transaction failed."""


def _audit_fails(monkeypatch, module, *, action=None, after=0):
    """From the (after+1)-th audit row of `action` (any action when None) that `module` writes, the
    row is written and then the write fails: what the transaction must undo, row included."""
    real, seen = module.audit, []

    def audit(**kwargs):
        row = real(**kwargs)
        if action is None or kwargs["action"] == action:
            seen.append(row)
            if len(seen) > after:
                raise AuditRefused(kwargs["action"])
        return row

    monkeypatch.setattr(module, "audit", audit)


def _rows(action, obj=None):
    rows = AuditEntry.objects.filter(action=action).order_by("id")
    if obj is not None:
        rows = rows.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return rows


def _hotline():
    return ServiceType.objects.get(code="hotline_12348")


def _rule_form(day, **over):
    return {
        "effective_from": day.isoformat(),
        "points_per_hour": "12",
        "rural_multiplier": "1.5",
        "special_group_multiplier": "1",
        "night_holiday_multiplier": "1",
        "daily_cap": "",
        "yearly_cap": "",
        "note": "提高标准",
        **over,
    }


def _past_signup(world, rota, *, days_ago, person=None, venue=None, opportunity=None):
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    shift = ShiftFactory(
        opportunity=opportunity or rota.opportunity_a,
        venue=venue or world.venue_a,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=3),
    )
    return Signup.objects.create(
        shift=shift, contributor=person or world.lawyer_contributor, status=Signup.Status.CONFIRMED, seat=1
    )


def _approved(world, rota, *, days_ago, side="a"):
    """An attended 3-hour hotline shift, approved by city staff (10 pts/h: 30 points)."""
    person, venue, opportunity = (
        (world.lawyer_contributor, world.venue_a, rota.opportunity_a)
        if side == "a"
        else (world.other_lawyer_contributor, world.venue_b, rota.opportunity_b)
    )
    signup = _past_signup(world, rota, days_ago=days_ago, person=person, venue=venue, opportunity=opportunity)
    record = rota_services.attendance_mark(actor=world.city_staff, scope=world.city, signup=signup, attended=True)
    services.record_approve(actor=world.city_staff, scope=world.city, record=record)
    record.refresh_from_db()
    return record


# --- a rule version ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rule_version_saved_on_the_staff_page_leaves_its_audit_row(world, client_for):
    day = timezone.localdate() - datetime.timedelta(days=10)
    url = f"/staff/rules/type/{_hotline().pk}/new/"
    assert client_for("city_staff").post(url, _rule_form(day, daily_cap="80")).status_code == 302
    version = PointsRule.objects.get(service_type=_hotline(), effective_from=day)
    [row] = _rows("rule_version_add", version)
    assert row.actor == world.city_staff == version.created_by
    assert Decimal(row.data["points_per_hour"]) == 12 and Decimal(row.data["daily_cap"]) == 80
    assert row.data["effective_from"] == day.isoformat()

    conduct_url = "/staff/rules/conduct/new/"
    penalty = {"event": "no_show", "effective_from": day.isoformat(), "fixed_points": "-3", "times_points": "0"}
    assert client_for("city_staff").post(conduct_url, penalty).status_code == 302
    conduct_version = ConductRule.objects.get(event="no_show", effective_from=day)
    [row] = _rows("rule_version_add", conduct_version)
    assert row.actor == world.city_staff and Decimal(row.data["fixed_points"]) == -3


@pytest.mark.django_db
def test_a_rule_version_on_a_day_that_has_one_is_refused_without_an_audit_row(world):
    day = timezone.localdate() - datetime.timedelta(days=10)
    services.rule_version_save(
        actor=world.city_staff, version=PointsRule(service_type=_hotline(), effective_from=day, points_per_hour=12)
    )
    with pytest.raises(ValidationError) as refused:
        services.rule_version_save(
            actor=world.city_staff, version=PointsRule(service_type=_hotline(), effective_from=day, points_per_hour=20)
        )
    assert "effective_from" in refused.value.message_dict
    assert PointsRule.objects.get(service_type=_hotline(), effective_from=day).points_per_hour == 12
    assert _rows("rule_version_add").count() == 1


@pytest.mark.django_db
def test_a_rule_version_whose_transaction_fails_is_not_saved(world, monkeypatch):
    _audit_fails(monkeypatch, services, action="rule_version_add")
    day = timezone.localdate() - datetime.timedelta(days=10)
    with pytest.raises(AuditRefused):
        services.rule_version_save(
            actor=world.city_staff, version=PointsRule(service_type=_hotline(), effective_from=day, points_per_hour=12)
        )
    assert not PointsRule.objects.filter(effective_from=day).exists()
    assert not _rows("rule_version_add").exists()


# --- the poor-rating flag ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_poor_rating_flags_the_record_with_its_audit_row(world, rota):
    anonymous = _approved(world, rota, days_ago=3)
    conduct.rating_submit(token=conduct.rating_link(contributor=anonymous.contributor, record=anonymous).token, score=1)
    signed_in = _approved(world, rota, days_ago=4)
    rater = UserFactory()
    link = conduct.rating_link(contributor=signed_in.contributor, record=signed_in)
    conduct.rating_submit(token=link.token, score=2, rater=rater)

    for record, actor, score in ((anonymous, None, 1), (signed_in, rater, 2)):
        record.refresh_from_db()
        assert record.flagged and record.flag_reason == f"rating:{score}"
        [row] = _rows("record_flag", record)
        assert row.actor == actor and row.data["reason"] == f"rating:{score}"
        assert row.data["rating"] == PublicRating.objects.get(record=record).pk


@pytest.mark.django_db
def test_a_poor_rating_whose_transaction_fails_flags_nothing(world, rota, monkeypatch):
    record = _approved(world, rota, days_ago=3)
    link = conduct.rating_link(contributor=record.contributor, record=record)
    _audit_fails(monkeypatch, conduct, action="record_flag")
    with pytest.raises(AuditRefused):
        conduct.rating_submit(token=link.token, score=1)
    record.refresh_from_db()
    assert not record.flagged and record.flag_reason == ""
    assert PublicRating.objects.get(record=record).score is None  # the rating can still be given
    assert not _rows("record_flag").exists()


# --- the no-show sweep ---------------------------------------------------------------------------


def _no_show(world, rota, days_ago=2):
    signup = _past_signup(world, rota, days_ago=days_ago)
    rota_services.attendance_mark(actor=world.city_staff, scope=world.city, signup=signup, attended=False)
    return signup


@pytest.mark.django_db
def test_the_no_show_sweep_audits_each_penalty_and_each_reversal(world, rota):
    signup = _no_show(world, rota)
    assert conduct.conduct_sweep() == (1, 0)
    penalty = LedgerEntry.objects.get(source=LedgerEntry.Source.NO_SHOW, source_id=signup.pk)
    [row] = _rows("conduct_penalty", penalty)
    assert row.actor is None and row.data == {"signup": signup.pk, "event": "no_show"}

    rota_services.attendance_mark(actor=world.city_staff, scope=world.city, signup=signup, attended=True)
    assert conduct.conduct_sweep() == (0, 1)
    reversal = LedgerEntry.objects.get(reverses=penalty)
    [row] = _rows("conduct_penalty_reverse", reversal)
    assert row.actor is None and row.data == {"reverses": penalty.pk, "signup": signup.pk}
    assert conduct.conduct_sweep() == (0, 0) and _rows("conduct_penalty").count() == 1


@pytest.mark.django_db
def test_a_penalty_whose_transaction_fails_is_not_posted_and_the_next_sweep_posts_it(world, rota, monkeypatch):
    first, second = _no_show(world, rota, days_ago=2), _no_show(world, rota, days_ago=3)
    _audit_fails(monkeypatch, conduct, action="conduct_penalty", after=1)  # the second penalty fails
    with pytest.raises(AuditRefused):
        conduct.conduct_sweep()
    [posted] = LedgerEntry.objects.filter(source=LedgerEntry.Source.NO_SHOW)
    assert posted.source_id == min(first.pk, second.pk)
    assert [row.object_id for row in _rows("conduct_penalty")] == [str(posted.pk)]

    monkeypatch.undo()
    assert conduct.conduct_sweep() == (1, 0)
    entries = LedgerEntry.objects.filter(source=LedgerEntry.Source.NO_SHOW)
    assert sorted(e.source_id for e in entries) == sorted([first.pk, second.pk])
    assert sorted(row.object_id for row in _rows("conduct_penalty")) == sorted(str(e.pk) for e in entries)


# --- re-scoring ----------------------------------------------------------------------------------


def _new_rate(day, rate="12"):
    return PointsRule.objects.create(
        service_type=_hotline(), effective_from=day - datetime.timedelta(days=30), points_per_hour=Decimal(rate)
    )


@pytest.mark.django_db
def test_rescoring_audits_each_persons_adjustments(world, rota):
    mine, theirs = _approved(world, rota, days_ago=5), _approved(world, rota, days_ago=5, side="b")
    _new_rate(mine.date)
    assert rescore.rescore_apply(actor=world.city_staff, service_type_id=_hotline().pk, from_date=mine.date) == 2
    for record in (mine, theirs):
        [adjustment] = LedgerEntry.objects.filter(source=LedgerEntry.Source.RESCORE, source_id=record.pk)
        assert adjustment.points == Decimal("6.00")  # 3 h × (12 − 10)
        [row] = _rows("rescore_apply", record.contributor)
        assert row.actor == world.city_staff
        assert row.data == {
            "service_type": _hotline().pk,
            "from_date": mine.date.isoformat(),
            "entries": [adjustment.pk],
        }


@pytest.mark.django_db
def test_a_rescore_failing_at_the_second_person_leaves_no_adjustment_without_its_audit_row(world, rota, monkeypatch):
    mine, theirs = _approved(world, rota, days_ago=5), _approved(world, rota, days_ago=5, side="b")
    _new_rate(mine.date)
    _audit_fails(monkeypatch, rescore, action="rescore_apply", after=1)
    with pytest.raises(AuditRefused):
        rescore.rescore_apply(actor=world.city_staff, service_type_id=_hotline().pk, from_date=mine.date)
    adjustments = list(LedgerEntry.objects.filter(source=LedgerEntry.Source.RESCORE))
    first = min((mine, theirs), key=lambda r: r.contributor_id)
    assert [a.source_id for a in adjustments] == [first.pk]
    assert [row.data["entries"] for row in _rows("rescore_apply")] == [[adjustments[0].pk]]

    monkeypatch.undo()  # the job runs again: only the second person is left
    assert rescore.rescore_apply(actor=world.city_staff, service_type_id=_hotline().pk, from_date=mine.date) == 1
    audited = {pk for row in _rows("rescore_apply") for pk in row.data["entries"]}
    assert audited == set(LedgerEntry.objects.filter(source=LedgerEntry.Source.RESCORE).values_list("pk", flat=True))


# --- a recognition report ------------------------------------------------------------------------


@pytest.fixture
def report(world):
    year = timezone.localdate().year - 1
    return reports.report_request(
        region=world.district_a, kind=RecognitionReport.Kind.ANNUAL, year=year, actor=world.staff_a
    )


@pytest.mark.django_db
def test_a_built_report_is_marked_done_with_its_audit_row(report):
    assert build.report_build(report.pk) == RecognitionReport.Status.DONE
    report.refresh_from_db()
    [row] = _rows("report.done", report)
    assert row.actor is None and row.data == {"pdf": report.pdf.name, "xlsx": report.xlsx.name}
    assert report.status == RecognitionReport.Status.DONE
    assert report.pdf.storage.exists(report.pdf.name) and report.xlsx.storage.exists(report.xlsx.name)
    for name in (report.pdf.name, report.xlsx.name):
        report.pdf.storage.delete(name)


@pytest.mark.django_db
def test_a_report_whose_done_transaction_fails_is_not_marked_done(report, monkeypatch):
    saved = []  # the files the build wrote before its final transaction
    for field in ("pdf", "xlsx"):
        storage = RecognitionReport._meta.get_field(field).storage

        def save(name, content, *, _real=storage.save, **kwargs):
            saved.append(_real(name, content, **kwargs))
            return saved[-1]

        monkeypatch.setattr(storage, "save", save)
    _audit_fails(monkeypatch, build, action="report.done")
    assert build.report_build(report.pk) == RecognitionReport.Status.FAILED
    report.refresh_from_db()
    assert report.status == RecognitionReport.Status.FAILED and not report.pdf and not report.xlsx
    assert "AuditRefused" in report.error
    assert not _rows("report.done").exists()
    [row] = _rows("report.fail", report)
    assert "AuditRefused" in row.data["error"]
    assert len(saved) == 2 and not any(report.pdf.storage.exists(name) for name in saved)
