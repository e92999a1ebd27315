"""My points and the staff queue of service records, through their pages.

Texts are compared in the language the page was answered in (Chinese first; a msgid not yet
translated is shown in English), so the tests hold before and after the translations are filled in.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape, strip_tags
from django.utils.translation import gettext, ngettext

from pointbook.ledger import services
from pointbook.models import LedgerEntry
from tests.factories import ContributorFactory, ShiftFactory, VenueFactory
from volunteers.models import AuditEntry, ServiceRecord, Signup
from volunteers.rota import services as rota_services

WAITING = ServiceRecord.Status.VERIFIED_ATTENDANCE


def _t(response, msgid, **values):
    """`msgid` as the page shows it: translated into the response's language, filled in, escaped."""
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        text = gettext(msgid)
    return escape(text % values if values else text)


def _messages(response):
    """The texts of the flash messages on a page."""
    box = re.search(r'<ul class="messages">(.*?)</ul>', response.content.decode(), re.S)
    return [m.strip() for m in re.findall(r"<li[^>]*>(.*?)</li>", box.group(1), re.S)] if box else []


def _summary(response):
    """{tile label: number shown} of My points' summary tiles."""
    body = response.content.decode()
    tiles = re.search(r'<div class="grid three" id="points-summary">(.*?)\n\s*</div>', body, re.S).group(1)
    return {
        label.strip(): number
        for number, label in re.findall(r'<div class="tile"><strong>([^<]*)</strong>([^<]*)</div>', tiles)
    }


def _entries(response):
    """My points' entry rows as (date, points, kind, why), top to bottom (the appeal link aside)."""
    table = re.search(r'<table class="stack" id="entries">.*?<tbody>(.*?)</tbody>', response.content.decode(), re.S)
    if table is None:
        return []
    return [
        tuple(strip_tags(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))[:4]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]


def _post(contributor, key, points, *, text=None, kind=LedgerEntry.Kind.BONUS, day=None, hours=None, per_hour=None):
    """One entry through `entry_post`: a bonus explained by `text`, or (with hours and per_hour) an
    award explained by its arithmetic."""
    if per_hour is not None:
        breakdown = {"hours": str(hours), "per_hour": str(per_hour), "factors": [], "cap": None, "points": str(points)}
    else:
        breakdown = {"text": text}
    return services.entry_post(
        contributor=contributor,
        points=points,
        hours=hours,
        kind=kind,
        source=LedgerEntry.Source.RESCORE,
        source_id=contributor.pk,
        idempotency_key=f"test-pages:{contributor.pk}:{key}",
        breakdown=breakdown,
        effective_date=day or timezone.localdate(),
    )


# --- My points -------------------------------------------------------------------------------------


def test_my_points_shows_the_years_and_lifetime_points_verified_hours_stars_and_why(world, client_for):
    lawyer = world.lawyer_contributor
    today = timezone.localdate()
    last_year = datetime.date(today.year - 1, 6, 1)
    _post(lawyer, "old", Decimal("1000"), kind=LedgerEntry.Kind.AWARD, day=last_year, hours=Decimal("100"), per_hour=10)
    _post(lawyer, "award", Decimal("500"), kind=LedgerEntry.Kind.AWARD, hours=Decimal("50"), per_hour=10)
    _post(lawyer, "bonus", Decimal("20"), text="年度优秀志愿者奖励")
    _post(lawyer, "penalty", Decimal("-5.5"), kind=LedgerEntry.Kind.PENALTY, text="无故缺席一次")

    response = client_for("lawyer").get("/my/points/")

    assert response.status_code == 200
    body = response.content.decode()
    assert _summary(response) == {
        _t(response, "points in %(year)s", year=today.year): "514.50",  # 500 + 20 − 5.50, this year only
        _t(response, "points in all"): "1514.50",
        _t(response, "verified hours in all"): "150",
    }
    # 150 verified hours: one star of five, a quarter of the way from 100 to 300.
    assert '<span class="stars"' in body and "★☆☆☆☆" in body
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        assert f'<strong id="star-words">{ngettext("%(n)s star", "%(n)s stars", 1) % {"n": 1}}</strong>' in body
    assert '<progress max="100" value="25">' in body
    assert _t(response, "%(left)s more verified hours to the next star (at %(at)s hours).", left="150", at=300) in body

    hours_rate = "%(hours)s h × %(rate)s pts/h"
    assert _entries(response) == [
        (today.isoformat(), "-5.50", _t(response, "Penalty"), "无故缺席一次"),
        (today.isoformat(), "+20", _t(response, "Bonus"), "年度优秀志愿者奖励"),
        (today.isoformat(), "+500", _t(response, "Award"), _t(response, hours_rate, hours="50", rate="10") + " = 500"),
        (
            last_year.isoformat(),
            "+1000",
            _t(response, "Award"),
            _t(response, hours_rate, hours="100", rate="10") + " = 1000",
        ),
    ]


def test_my_points_at_the_highest_star_and_with_nothing_yet(world, client_for):
    response = client_for("lawyer").get("/my/points/")
    assert response.status_code == 200
    assert "☆☆☆☆☆" in response.content.decode()
    assert _t(response, "No star yet") in response.content.decode()
    assert _entries(response) == []
    assert (
        _t(response, "No points yet. Approved service records appear here with how their points were worked out.")
        in response.content.decode()
    )

    _post(
        world.lawyer_contributor,
        "a lot",
        Decimal("16000"),
        kind=LedgerEntry.Kind.AWARD,
        hours=Decimal("1600"),
        per_hour=10,
    )
    body = client_for("lawyer").get("/my/points/").content.decode()
    assert "★★★★★" in body and "<progress" not in body
    assert _t(response, "The highest star level.") in body


def test_my_points_lists_entries_newest_first_thirty_a_page(world, client_for):
    for n in range(35):
        _post(world.lawyer_contributor, n, n + 1, text=f"第{n}条奖励")
    client = client_for("lawyer")

    first = client.get("/my/points/")
    second = client.get("/my/points/", {"page": 2})

    assert [row[3] for row in _entries(first)] == [f"第{n}条奖励" for n in range(34, 4, -1)]
    assert [row[3] for row in _entries(second)] == [f"第{n}条奖励" for n in range(4, -1, -1)]
    assert [row[1] for row in _entries(second)] == ["+5", "+4", "+3", "+2", "+1"]
    assert _t(first, "Page %(n)s of %(total)s (%(rows)s in all)", n=1, total=2, rows=35) in first.content.decode()
    assert 'href="?page=2"' in first.content.decode()
    # The summary counts every entry, not just the page: 1 + 2 + … + 35.
    assert _summary(second)[_t(second, "points in all")] == "630"


def test_a_contributor_sees_only_their_own_entries(world, client_for):
    _post(world.lawyer_contributor, "mine", 30, text="李明的奖励")
    _post(world.other_lawyer_contributor, "theirs", 70, text="王芳的奖励")
    _post(
        world.other_lawyer_contributor, "theirs too", 40, kind=LedgerEntry.Kind.AWARD, hours=Decimal("4"), per_hour=10
    )

    mine = client_for("lawyer").get("/my/points/")
    theirs = client_for("other_lawyer").get("/my/points/")

    assert [row[3] for row in _entries(mine)] == ["李明的奖励"]
    assert "王芳的奖励" not in mine.content.decode()
    assert _summary(mine)[_t(mine, "points in all")] == "30"
    assert _summary(mine)[_t(mine, "verified hours in all")] == "0"
    assert [row[3] for row in _entries(theirs)][1] == "王芳的奖励"
    assert "李明的奖励" not in theirs.content.decode()
    assert _summary(theirs)[_t(theirs, "points in all")] == "110"


def test_my_points_runs_as_many_queries_for_300_entries_as_for_3(world, client_for):
    client = client_for("lawyer")

    def queries():
        assert client.get("/my/points/").status_code == 200  # warm
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/my/points/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response

    for n in range(3):
        _post(world.lawyer_contributor, n, 1, kind=LedgerEntry.Kind.AWARD, hours=Decimal("0.1"), per_hour=10)
    few, small = queries()
    for n in range(3, 300):
        _post(world.lawyer_contributor, n, 1, kind=LedgerEntry.Kind.AWARD, hours=Decimal("0.1"), per_hour=10)
    many, big = queries()

    assert len(_entries(small)) == 3 and len(_entries(big)) == 30
    assert _summary(big)[_t(big, "points in all")] == "300"
    assert many == few, f"{few} queries for 3 entries, {many} for 300"


# --- The staff queue ---------------------------------------------------------------------------------


def _attended(world, venue, contributor, *, days_ago, marked_after_hours=4):
    """A service record of a 3-hour shift `days_ago` at `venue`, marked attended a few hours after
    it started (the record's created_at, which orders the queue)."""
    starts = timezone.now().replace(microsecond=0) - datetime.timedelta(days=days_ago)
    shift = ShiftFactory(venue=venue, starts_at=starts)
    signup = Signup.objects.create(shift=shift, contributor=contributor, status=Signup.Status.CONFIRMED, seat=1)
    return rota_services.attendance_mark(
        actor=world.city_staff,
        scope=world.city,
        signup=signup,
        attended=True,
        now=starts + datetime.timedelta(hours=marked_after_hours),
    )


@pytest.fixture
def queue(world):
    """Records waiting in district A (one at a township venue), one in district B, and one in A
    already approved; created in the order old_a, township_a, b, new_a."""
    township_venue = VenueFactory(region=world.township_a, name="中兴路街道法律服务站")
    q = type("Queue", (), {})()
    q.old_a = _attended(world, world.venue_a, world.lawyer_contributor, days_ago=6)
    q.township_a = _attended(world, township_venue, world.applicant_a, days_ago=5)
    q.b = _attended(world, world.venue_b, world.other_lawyer_contributor, days_ago=4)
    q.new_a = _attended(
        world, world.venue_a, ContributorFactory(region=world.district_a, legal_name="周敏"), days_ago=3
    )
    q.done_a = _attended(world, world.venue_a, world.lawyer_contributor, days_ago=8)
    services.record_approve(actor=world.staff_a, scope=world.district_a, record=q.done_a)
    return q


def _listed(response):
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'<tr data-record="(\d+)">', response.content.decode())]


@pytest.mark.parametrize(
    "user_name, expected",
    [
        ("staff_a", ["old_a", "township_a", "new_a"]),
        ("staff_b", ["b"]),
        ("city_staff", ["old_a", "township_a", "b", "new_a"]),
    ],
)
def test_the_queue_lists_records_waiting_in_the_staff_members_subtree_oldest_first(
    queue, client_for, user_name, expected
):
    response = client_for(user_name).get("/staff/records/")
    assert _listed(response) == [getattr(queue, name).pk for name in expected]
    body = response.content.decode()
    if "township_a" in expected:
        assert "赵强" in body and "中兴路街道法律服务站" in body
    else:
        assert "赵强" not in body


def test_bulk_approval_approves_the_ticked_records_and_says_so(world, queue, client_for):
    client = client_for("staff_a")
    # district B's record ticked with them (a forged form): not in staff A's queue, left alone.
    response = client.post(
        "/staff/records/", {"record": [queue.old_a.pk, queue.township_a.pk, queue.b.pk]}, follow=True
    )

    assert response.redirect_chain == [("/staff/records/", 302)]
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        said = ngettext(
            "%(count)s record approved; its points are posted.",
            "%(count)s records approved; their points are posted.",
            2,
        ) % {"count": 2}
    assert _messages(response) == [escape(said)]
    assert _listed(response) == [queue.new_a.pk]
    for record, person in ((queue.old_a, world.lawyer_contributor), (queue.township_a, world.applicant_a)):
        record.refresh_from_db()
        assert (record.status, record.decided_by) == (ServiceRecord.Status.APPROVED, world.staff_a)
        award = LedgerEntry.objects.get(source=LedgerEntry.Source.SERVICE_RECORD, source_id=record.pk)
        assert (award.contributor, award.kind, award.points, award.hours) == (
            person,
            LedgerEntry.Kind.AWARD,
            Decimal("30.00"),
            Decimal("3.00"),
        )  # 3 h of hotline at 10 a hour
    for record in (queue.b, queue.new_a):
        record.refresh_from_db()
        assert record.status == WAITING and record.decided_at is None
        assert not LedgerEntry.objects.filter(source_id=record.pk, source=LedgerEntry.Source.SERVICE_RECORD).exists()

    nothing = client.post("/staff/records/", {}, follow=True)
    assert _messages(nothing) == [_t(nothing, "Tick the records to approve.")]


def test_rejecting_needs_a_reason(world, queue, client_for):
    client = client_for("staff_a")
    url = f"/staff/records/{queue.old_a.pk}/reject/"
    audits = AuditEntry.objects.count()

    refused = client.post(url, {"reason": "   "}, follow=True)

    assert _messages(refused) == [_t(refused, "Give the contributor a reason.")]
    queue.old_a.refresh_from_db()
    assert (queue.old_a.status, queue.old_a.decided_at, queue.old_a.decision_reason) == (WAITING, None, "")
    assert AuditEntry.objects.count() == audits
    assert queue.old_a.pk in _listed(refused)

    rejected = client.post(url, {"reason": "签到表上没有本人签字"}, follow=True)

    assert _messages(rejected) == [_t(rejected, "Rejected; the contributor sees your reason.")]
    queue.old_a.refresh_from_db()
    assert (queue.old_a.status, queue.old_a.decided_by, queue.old_a.decision_reason) == (
        ServiceRecord.Status.REJECTED,
        world.staff_a,
        "签到表上没有本人签字",
    )
    assert not LedgerEntry.objects.filter(source_id=queue.old_a.pk, source=LedgerEntry.Source.SERVICE_RECORD).exists()
    assert queue.old_a.pk not in _listed(rejected)


def test_my_points_lists_entries_by_service_date_whenever_they_were_approved(world, client_for):
    """A record approved late (an old clinic, a history import) sits at its own date, not on top."""
    today = timezone.localdate()
    days = [today - datetime.timedelta(days=n) for n in (3, 40, 10)]
    for n, day in enumerate(days):
        _post(world.lawyer_contributor, f"late-{n}", 5, day=day, text=f"{day}的奖励")

    rows = _entries(client_for("lawyer").get("/my/points/"))

    assert [row[0] for row in rows] == [d.isoformat() for d in sorted(days, reverse=True)]


def test_withdrawing_an_approval_posts_a_reversal_and_my_points_nets_to_zero(world, rota, client_for):
    record = rota_services.attendance_mark(
        actor=world.staff_a, scope=world.district_a, signup=rota.past_signup_a, attended=True
    )
    staff = client_for("staff_a")
    approved = staff.post(f"/staff/records/{record.pk}/approve/", follow=True)
    assert _messages(approved) == [_t(approved, "Approved; the points are posted.")]
    award = LedgerEntry.objects.get(source=LedgerEntry.Source.SERVICE_RECORD, source_id=record.pk)

    # A reason is needed here too: without one nothing changes.
    refused = staff.post(f"/staff/records/{record.pk}/unapprove/", {"reason": ""}, follow=True)
    assert _messages(refused) == [_t(refused, "Say why the approval is withdrawn; the contributor sees it.")]
    assert LedgerEntry.objects.filter(contributor=world.lawyer_contributor).count() == 1

    withdrawn = staff.post(f"/staff/records/{record.pk}/unapprove/", {"reason": "服务记录不实"}, follow=True)

    assert _messages(withdrawn) == [_t(withdrawn, "Approval withdrawn; a reversal entry cancels its points.")]
    record.refresh_from_db()
    assert record.status == WAITING
    reversal = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REVERSAL)
    assert (reversal.reverses, reversal.contributor, reversal.points, reversal.hours) == (
        award,
        world.lawyer_contributor,
        -award.points,
        -award.hours,
    )
    assert record.pk in _listed(withdrawn)  # back in the queue, waiting for a decision

    page = client_for("lawyer").get("/my/points/")
    day = record.date.isoformat()
    assert _entries(page) == [
        (
            day,
            "-30",
            _t(page, "Reversal"),
            _t(page, "Reverses the entry of %(date)s: %(reason)s", date=day, reason="服务记录不实"),
        ),
        (day, "+30", _t(page, "Award"), _t(page, "%(hours)s h × %(rate)s pts/h", hours="3", rate="10") + " = 30"),
    ]
    summary = _summary(page)
    assert summary[_t(page, "points in all")] == "0"
    assert summary[_t(page, "verified hours in all")] == "0"
    assert summary[_t(page, "points in %(year)s", year=timezone.localdate().year)] == "0"
