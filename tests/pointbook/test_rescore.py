"""Re-scoring after a rule change: city staff add a rule version through its page, preview who
would gain or lose how much (nothing changes), and confirm; a job then posts adjustment entries so
that every approved record holds what the rules in force give. Confirming twice posts nothing more,
caps are respected, a withdrawn approval takes the adjustments back too, and district staff cannot
touch the rules."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from pointbook.ledger import rescore, rules, services
from pointbook.models import LedgerEntry, PointsRule
from tests.factories import ShiftFactory
from volunteers.models import AuditEntry, ServiceRecord, ServiceType, Signup
from volunteers.rota import services as rota_services

HOTLINE = "hotline_12348"


def _hotline():
    return ServiceType.objects.get(code=HOTLINE)


def _approved(world, rota, *, days_ago, side="a", start=datetime.time(9, 0), hours=3):
    """An attended hotline shift `days_ago` days ago, approved by staff of its district (10 pts/h)."""
    venue, person, staff, scope, opportunity = (
        (world.venue_a, world.lawyer_contributor, world.staff_a, world.district_a, rota.opportunity_a)
        if side == "a"
        else (world.venue_b, world.other_lawyer_contributor, world.staff_b, world.district_b, rota.opportunity_b)
    )
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    starts_at = timezone.make_aware(datetime.datetime.combine(day, start))
    shift = ShiftFactory(
        opportunity=opportunity, venue=venue, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=hours)
    )
    signup = Signup.objects.create(shift=shift, contributor=person, status=Signup.Status.CONFIRMED, seat=1)
    record = rota_services.attendance_mark(actor=staff, scope=scope, signup=signup, attended=True)
    services.record_approve(actor=staff, scope=scope, record=record)
    record.refresh_from_db()
    return record


def _held(record):
    """What the record holds in the ledger: award, reversals, re-scoring."""
    return sum(
        (e.points for e in LedgerEntry.objects.filter(source__in=services.EARNED_SOURCES, source_id=record.pk)),
        Decimal(0),
    )


def _ledger():
    return list(LedgerEntry.objects.order_by("id").values_list("id", "points", "kind"))


def _rule_form(effective_from, **over):
    data = {
        "effective_from": effective_from.isoformat(),
        "points_per_hour": "12",
        "rural_multiplier": "1.5",
        "special_group_multiplier": "1",
        "night_holiday_multiplier": "1",
        "daily_cap": "",
        "yearly_cap": "",
        "note": "提高热线值班积分",
    }
    data.update(over)
    return data


def _shown(response, msgid, **values):
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        text = gettext(msgid)
    return escape(text % values if values else text)


def _preview_rows(response):
    """(name, now, would be, change) of each row of the preview table."""
    section = re.search(r'<section class="card" id="rescore-result">(.*?)</section>', response.content.decode(), re.S)
    assert section, "no preview shown"
    rows = re.findall(
        r"<tr><td[^>]*>(.*?)</td><td[^>]*>.*?</td>\s*<td[^>]*>.*?</td><td[^>]*>(.*?)</td>\s*"
        r"<td[^>]*>(.*?)</td><td[^>]*><strong>(.*?)</strong></td></tr>",
        section.group(1),
        re.S,
    )
    return sorted(rows)


@pytest.mark.django_db
def test_city_staff_add_a_rule_version_and_a_duplicate_date_is_refused(world, client_for):
    client = client_for("city_staff")
    service_type = _hotline()
    page = client.get("/staff/rules/")
    assert page.status_code == 200 and f"/staff/rules/type/{service_type.pk}/new/" in page.content.decode()
    form = client.get(f"/staff/rules/type/{service_type.pk}/new/")
    assert form.status_code == 200

    day = timezone.localdate() - datetime.timedelta(days=10)
    response = client.post(f"/staff/rules/type/{service_type.pk}/new/", _rule_form(day, daily_cap="100"))
    assert response.status_code == 302
    assert response["Location"] == f"/staff/rules/rescore/?service_type={service_type.pk}&from_date={day.isoformat()}"
    version = PointsRule.objects.get(service_type=service_type, effective_from=day)
    assert version.points_per_hour == Decimal("12") and version.daily_cap == Decimal("100")
    assert version.created_by == world.city_staff
    assert AuditEntry.objects.filter(action="rule_version_add", object_id=str(version.pk)).exists()
    assert rules.rule_in_force(service_type.pk, day) == version

    again = client.post(f"/staff/rules/type/{service_type.pk}/new/", _rule_form(day, points_per_hour="20"))
    assert again.status_code == 200
    assert _shown(again, "A version from this date exists already; choose another date.") in again.content.decode()
    assert PointsRule.objects.filter(service_type=service_type, effective_from=day).get().points_per_hour == 12

    bad = client.post(
        f"/staff/rules/type/{service_type.pk}/new/",
        _rule_form(day + datetime.timedelta(days=1), rural_multiplier="0.5", points_per_hour="0"),
    )
    assert bad.status_code == 200 and PointsRule.objects.filter(service_type=service_type).count() == 2
    assert client.get("/staff/rules/type/999999/new/").status_code == 404


@pytest.mark.django_db
def test_preview_changes_nothing_and_confirming_posts_the_differences_once(
    world, rota, client_for, eager_celery, django_capture_on_commit_callbacks
):
    first = _approved(world, rota, days_ago=5)
    second = _approved(world, rota, days_ago=6)
    theirs = _approved(world, rota, days_ago=7, side="b")
    legal_aid = PointsRule.objects.get(service_type__code="legal_aid")  # another type: untouched
    assert [_held(r) for r in (first, second, theirs)] == [Decimal("30.00")] * 3
    client = client_for("city_staff")
    from_date = timezone.localdate() - datetime.timedelta(days=10)
    client.post(f"/staff/rules/type/{_hotline().pk}/new/", _rule_form(from_date))
    url = f"/staff/rules/rescore/?service_type={_hotline().pk}&from_date={from_date.isoformat()}"

    before, audits = _ledger(), AuditEntry.objects.count()
    preview = client.get(url)
    assert preview.status_code == 200
    assert _preview_rows(preview) == sorted(
        [
            (world.lawyer_contributor.legal_name, "30", "36", "+6"),
            (world.lawyer_contributor.legal_name, "30", "36", "+6"),
            (world.other_lawyer_contributor.legal_name, "30", "36", "+6"),
        ]
    )
    assert _ledger() == before and AuditEntry.objects.count() == audits  # a preview writes nothing
    summary = list(rescore.rescore_plan(service_type_id=_hotline().pk, from_date=from_date))
    assert sorted(c.record_id for c in summary) == sorted(r.pk for r in (first, second, theirs))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/staff/rules/rescore/", {"service_type": _hotline().pk, "from_date": from_date.isoformat()}
        )
    assert response.status_code == 302 and response["Location"] == url
    adjustments = LedgerEntry.objects.filter(kind="adjustment", source="rescore").order_by("source_id")
    assert sorted((e.source_id, e.points) for e in adjustments) == sorted(
        (r.pk, Decimal("6.00")) for r in (first, second, theirs)
    )
    new_rule = PointsRule.objects.get(service_type=_hotline(), effective_from=from_date)
    for entry in adjustments:
        assert entry.rule == new_rule and entry.actor == world.city_staff and entry.service_type == _hotline()
        assert entry.effective_date == ServiceRecord.objects.get(pk=entry.source_id).date
        with translation.override("en"):
            assert rules.explain(entry.kind, entry.breakdown) == (
                f"Re-scored under the rule from {from_date.isoformat()}: 30 → 36"
            )
    assert [_held(r) for r in (first, second, theirs)] == [Decimal("36.00")] * 3
    assert PointsRule.objects.get(pk=legal_aid.pk).points_per_hour == legal_aid.points_per_hour
    assert services.ledger_verify() == []

    # Confirming again (a double click, or the job retried) posts nothing.
    posted = _ledger()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/staff/rules/rescore/", {"service_type": _hotline().pk, "from_date": from_date.isoformat()})
    assert _ledger() == posted
    assert 'id="rescore-nothing"' in client.get(url).content.decode()
    assert services.ledger_verify() == []

    # The contributor's record page shows the adjustment under the award.
    page = client_for("lawyer").get(f"/my/records/{first.pk}/").content.decode()
    assert "30" in page and "36" in page


@pytest.mark.django_db
def test_rescoring_respects_the_daily_cap(world, rota):
    morning = _approved(world, rota, days_ago=4, start=datetime.time(8, 0))
    afternoon = _approved(world, rota, days_ago=4, start=datetime.time(14, 0))
    other_day = _approved(world, rota, days_ago=5)
    assert [_held(r) for r in (morning, afternoon, other_day)] == [Decimal("30.00")] * 3
    from_date = timezone.localdate() - datetime.timedelta(days=10)
    PointsRule.objects.create(
        service_type=_hotline(), effective_from=from_date, points_per_hour=Decimal("10"), daily_cap=Decimal("40")
    )

    changes = list(rescore.rescore_plan(service_type_id=_hotline().pk, from_date=from_date))
    assert [(c.record_id, c.current, c.target) for c in changes] == [(afternoon.pk, Decimal("30"), Decimal("10"))]
    assert rescore.rescore_apply(actor=world.city_staff, service_type_id=_hotline().pk, from_date=from_date) == 1
    assert (_held(morning), _held(afternoon), _held(other_day)) == (Decimal("30"), Decimal("10"), Decimal("30"))
    day_total = sum(e.points for e in LedgerEntry.objects.filter(effective_date=morning.date))
    assert day_total == Decimal("40.00")
    assert rescore.rescore_apply(actor=world.city_staff, service_type_id=_hotline().pk, from_date=from_date) == 0
    assert list(rescore.rescore_plan(service_type_id=_hotline().pk, from_date=from_date)) == []
    assert services.ledger_verify() == []

    # A new approval that day is capped by what the re-scored records hold.
    evening = _approved(world, rota, days_ago=4, start=datetime.time(17, 0), hours=1)
    assert _held(evening) == 0 and evening.capped_out
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_withdrawing_an_approval_after_rescoring_takes_back_award_and_adjustment(world, rota):
    record = _approved(world, rota, days_ago=5)
    from_date = timezone.localdate() - datetime.timedelta(days=10)
    PointsRule.objects.create(service_type=_hotline(), effective_from=from_date, points_per_hour=Decimal("12"))
    rescore.rescore_apply(actor=world.city_staff, service_type_id=_hotline().pk, from_date=from_date)
    assert _held(record) == Decimal("36.00")

    services.record_unapprove(actor=world.staff_a, scope=world.district_a, record=record, reason="签到有误")
    entries = list(LedgerEntry.objects.filter(source__in=services.EARNED_SOURCES, source_id=record.pk).order_by("id"))
    assert [(e.kind, e.points) for e in entries] == [
        ("award", Decimal("30.00")),
        ("adjustment", Decimal("6.00")),
        ("reversal", Decimal("-30.00")),
        ("reversal", Decimal("-6.00")),
    ]
    assert entries[2].reverses == entries[0] and entries[3].reverses == entries[1]
    assert _held(record) == 0
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.VERIFIED_ATTENDANCE
    assert services.ledger_verify() == []
    # Not approved: re-scoring leaves it alone; approved again, it earns the new rate directly.
    assert rescore.rescore_apply(actor=world.city_staff, service_type_id=_hotline().pk, from_date=from_date) == 0
    assert services.record_approve(actor=world.staff_a, scope=world.district_a, record=record).points == Decimal("36")
    assert _held(record) == Decimal("36.00")
    assert list(rescore.rescore_plan(service_type_id=_hotline().pk, from_date=from_date)) == []
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_rescoring_after_a_rule_goes_up_down_and_up_again(world, rota):
    record = _approved(world, rota, days_ago=5)
    base = timezone.localdate() - datetime.timedelta(days=20)
    for offset, rate in ((0, "12"), (1, "10"), (2, "12")):
        PointsRule.objects.create(
            service_type=_hotline(),
            effective_from=base + datetime.timedelta(days=offset),
            points_per_hour=Decimal(rate),
        )
        rescore.rescore_apply(actor=world.city_staff, service_type_id=_hotline().pk, from_date=base)
        assert _held(record) == Decimal(rate) * 3, f"after version {offset + 1} ({rate}/h)"
    assert list(rescore.rescore_plan(service_type_id=_hotline().pk, from_date=base)) == []


@pytest.mark.django_db
def test_district_staff_and_contributors_cannot_change_rules(world, rota, client_for):
    record = _approved(world, rota, days_ago=5)
    service_type = _hotline()
    versions, before = PointsRule.objects.count(), _ledger()
    from_date = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    for name in ("staff_a", "staff_b", "lawyer"):
        client = client_for(name)
        assert client.get("/staff/rules/").status_code == 403, name
        assert client.get(f"/staff/rules/type/{service_type.pk}/new/").status_code == 403, name
        assert (
            client.post(
                f"/staff/rules/type/{service_type.pk}/new/", _rule_form(datetime.date.fromisoformat(from_date))
            ).status_code
            == 403
        ), name
        assert client.get("/staff/rules/conduct/new/").status_code == 403, name
        conduct = {"event": "no_show", "effective_from": from_date, "fixed_points": "-100", "times_points": "0"}
        assert client.post("/staff/rules/conduct/new/", conduct).status_code == 403, name
        preview = f"/staff/rules/rescore/?service_type={service_type.pk}&from_date={from_date}"
        assert client.get(preview).status_code == 403, name
        assert (
            client.post("/staff/rules/rescore/", {"service_type": service_type.pk, "from_date": from_date}).status_code
            == 403
        ), name
    anonymous = client_for("anonymous").get("/staff/rules/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert PointsRule.objects.count() == versions and _ledger() == before
    assert _held(record) == Decimal("30.00")
