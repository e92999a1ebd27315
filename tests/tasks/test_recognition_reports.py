"""Recognition reports and monthly digests: the figures (sums of the ledger for the region's subtree,
nothing from other districts), the PDF and the spreadsheet, the Celery job (claimed once, failed
without files, emailed), the staff pages (scope, downloads), the operators' command, the monthly
schedule, and a real worker building one end to end.

Dates are in the previous calendar year, so every month of it is in the past."""

import datetime
import io
import re
import subprocess
import sys
import uuid
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from openpyxl import load_workbook
from pypdf import PdfReader

from core import jobs as jobs_module
from core.jobs import job_lease
from pointbook.ledger.rules import CENT
from pointbook.models import AwardCategory, LedgerEntry, Nomination, RecognitionReport, StandingsSnapshot
from pointbook.reports import build, charts, xlsx
from pointbook.reports import services as reports
from pointbook.reports.data import report_figures
from pointbook.spreadsheets import safe_cell
from pointbook.standings.as_of import as_of_text
from pointbook.standings.services import standings_refresh
from tasks import reports as jobs
from tests.factories import ContributorFactory, MembershipFactory, OrganisationFactory
from tests.support.i18n import zh
from tests.support.ledger import post
from tests.support.worker import Worker, worker_env
from volunteers.models import AuditEntry, Membership, ServiceRecord, ServiceType

YEAR = timezone.localdate().year - 1
ANNUAL, MONTHLY = RecognitionReport.Kind.ANNUAL, RecognitionReport.Kind.MONTHLY


def day(month, dom, year=YEAR):
    return datetime.date(year, month, dom)


def approved_record(contributor, when, service_type, hours, *, groups=(), people=0):
    start = timezone.make_aware(datetime.datetime.combine(when, datetime.time(9)))
    return ServiceRecord.objects.create(
        contributor=contributor,
        service_type=service_type,
        region=contributor.region,
        date=when,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=float(hours)),
        hours=Decimal(hours),
        status=ServiceRecord.Status.APPROVED,
        special_groups=list(groups),
        people_served=people,
        description="法律咨询",
    )


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def rows(sheet):
    """The data rows of a breakdown sheet (below the heading row)."""
    return [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]


def summary(book):
    """{label: value} of the summary sheet."""
    return {r[0]: r[1] for r in book.worksheets[0].iter_rows(values_only=True) if r and r[0]}


def cents(value):
    return Decimal(str(value)).quantize(CENT)


def ledger_totals(region, start, end):
    totals = LedgerEntry.objects.filter(
        contributor__region__path__startswith=region.path, effective_date__gte=start, effective_date__lt=end
    ).aggregate(points=Sum("points"), hours=Sum("hours"), n=Count("id"))
    return cents(totals["points"] or 0), cents(totals["hours"] or 0), totals["n"]


@pytest.fixture
def year_of(world):
    """A year of district A and district B:

    李明 (district A, firm A from 1 March): hotline 3 h / 30 pts on 10 Jan (before joining the firm),
        consultation 2 h / 24 pts on 5 Mar serving the elderly and minors (4 people), a −5 adjustment
        on 1 Apr, and 100 pts the year before (not counted);
    赵强 (a township of district A): consultation 5 h / 60 pts on 20 Jun serving migrant workers (7 people);
    王芳 (district B, firm B): hotline 10 h / 100 pts on 15 Mar — in the city's report, never in A's.
    """
    y = type("Year", (), {})()
    y.hotline = ServiceType.objects.get(code="hotline_12348")
    y.consult = ServiceType.objects.get(code="consultation")
    lawyer, applicant, other = world.lawyer_contributor, world.applicant_a, world.other_lawyer_contributor
    Membership.objects.filter(pk=world.lawyer_membership.pk).update(started_on=day(3, 1))
    Membership.objects.filter(pk=world.other_lawyer_membership.pk).update(started_on=day(1, 1, YEAR - 2))
    post(lawyer, day(1, 10), "3", "30", service_type=y.hotline)
    approved_record(lawyer, day(3, 5), y.consult, "2", groups=["elderly", "minors"], people=4)
    post(lawyer, day(3, 5), "2", "24", service_type=y.consult)
    post(lawyer, day(4, 1), None, "-5", kind=LedgerEntry.Kind.ADJUSTMENT)
    post(lawyer, day(6, 1, YEAR - 1), "10", "100", service_type=y.hotline)
    approved_record(applicant, day(6, 20), y.consult, "5", groups=["migrant_workers"], people=7)
    post(applicant, day(6, 20), "5", "60", service_type=y.consult)
    approved_record(other, day(3, 15), y.hotline, "10", groups=["elderly"], people=2)
    post(other, day(3, 15), "10", "100", service_type=y.hotline)
    return y


def render_xlsx(region, kind=ANNUAL, month=None, language="zh-hans"):
    content = build.report_render(
        region=region, kind=kind, year=YEAR, month=month, formats=("xlsx",), language=language
    )["xlsx"]
    return load_workbook(io.BytesIO(content))


# --- the figures ---------------------------------------------------------------------------------


def test_the_spreadsheet_figures_are_the_ledger_sums_of_the_district_and_nothing_else(world, year_of):
    book = render_xlsx(world.district_a)
    start, end = day(1, 1), day(1, 1, YEAR + 1)
    points, hours, n = ledger_totals(world.district_a, start, end)
    assert (points, hours, n) == (Decimal("109.00"), Decimal("10.00"), 4)  # 30 + 24 − 5 + 60; 王芳's 100 is B's

    totals = summary(book)
    assert cents(totals[zh("Points")]) == points and cents(totals[zh("Verified hours")]) == hours
    assert totals[zh("Ledger entries")] == n and totals[zh("Contributors with entries")] == 2
    assert totals[zh("Approved service records")] == 2 and totals[zh("People served")] == 11

    by_month = {r[0]: (cents(r[1]), cents(r[2])) for r in rows(book[zh("By month")])}
    assert len(by_month) == 12 and by_month[1] == (Decimal("30.00"), Decimal("3.00"))
    assert by_month[3] == (Decimal("24.00"), Decimal("2.00")) and by_month[12] == (0, 0)
    assert sum(p for p, _h in by_month.values()) == points

    by_type = {r[0]: cents(r[1]) for r in rows(book[zh("By service type")])}
    assert by_type["12348热线值班"] == Decimal("30.00") and sum(by_type.values()) == points

    by_district = rows(book[zh("By district")])
    assert [(r[0], r[1], r[2], cents(r[3])) for r in by_district] == [("新华区", "410402", 2, points)]

    by_kind = {r[0]: (r[1], cents(r[2])) for r in rows(book[zh("By contributor kind")])}
    assert sum(p for _n, p in by_kind.values()) == points

    groups = {r[0]: (r[1], r[2]) for r in rows(book[zh("Special groups served")])}
    assert (
        groups[zh("The elderly")] == (1, 4)
        and groups[zh("Minors")] == (1, 4)
        and groups[zh("Migrant workers")] == (1, 7)
    )
    assert groups[zh("Women")] == (0, 0)  # 王芳's elderly client is district B's

    top = rows(book[zh("Top contributors")])
    assert [(r[0], r[1], cents(r[4])) for r in top] == [(1, "赵强", Decimal("60.00")), (2, "李明", Decimal("49.00"))]

    # Firm A counts 李明's entries from the day he joined (1 March): 24 − 5, not the January 30.
    firms = rows(book[zh("Top organisations")])
    assert [(r[1], r[2], cents(r[3])) for r in firms] == [("河南新华律师事务所", 1, Decimal("19.00"))]

    text = repr([list(s.iter_rows(values_only=True)) for s in book.worksheets])
    assert "卫东区" not in text and "王芳" not in text and "河南卫东律师事务所" not in text


def test_the_spreadsheet_draws_its_charts_beside_the_tables(world, year_of):
    content = build.report_render(region=world.district_a, kind=ANNUAL, year=YEAR, formats=("xlsx",), language="en")[
        "xlsx"
    ]
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        charts = {
            name: package.read(name).decode() for name in package.namelist() if name.startswith("xl/charts/chart")
        }
    # By month (bars + hours line, legend below), by service type, by district; each reads its own sheet.
    assert len(charts) == 3
    text = " ".join(charts.values())
    for sheet in ("By month", "By service type", "By district"):
        assert f"'{sheet}'!" in text
    assert "<lineChart>" in text and '<legendPos val="b" />' in text


def test_the_city_report_rolls_each_contributor_up_to_their_district(world, year_of):
    book = render_xlsx(world.city, language="en")
    districts = {r[0]: (r[2], cents(r[3])) for r in rows(book["By district"])}
    # 赵强 lives in a township of 新华区: counted under the district.
    assert districts == {"新华区": (2, Decimal("109.00")), "卫东区": (1, Decimal("100.00"))}
    totals = summary(book)
    assert cents(totals["Points"]) == ledger_totals(world.city, day(1, 1), day(1, 1, YEAR + 1))[0] == Decimal("209.00")
    assert [r[1] for r in rows(book["Top contributors"])] == ["王芳", "赵强", "李明"]


def test_a_monthly_digest_counts_that_month_by_day(world, year_of):
    book = render_xlsx(world.district_a, kind=MONTHLY, month=3)
    assert (
        cents(summary(book)[zh("Points")])
        == ledger_totals(world.district_a, day(3, 1), day(4, 1))[0]
        == Decimal("24.00")
    )
    by_day = rows(book[zh("By day")])
    assert len(by_day) == 31 and (by_day[4][0], cents(by_day[4][1])) == (5, Decimal("24.00"))
    assert zh("Honourees") not in book.sheetnames  # honourees are the annual report's


def test_honourees_are_the_approved_awards_of_the_region_and_above(world, year_of, city_staff):
    def award(region, name, status, person, nomination_status=Nomination.Status.NOMINATED):
        category = AwardCategory.objects.create(
            region=region,
            year=YEAR,
            name_zh=name,
            name_en=f"{name} award",
            basis=AwardCategory.Basis.TOP_OVERALL,
            top_n=3,
            status=status,
        )
        Nomination.objects.create(
            category=category,
            contributor=person,
            status=nomination_status,
            points=Decimal("60"),
            hours=Decimal("5"),
            district=world.district_a,
            rank=1,
        )

    award(world.city, "全市优秀公益律师", AwardCategory.Status.APPROVED, world.applicant_a)
    # The city's award also honoured someone of district B: not in district A's report.
    Nomination.objects.create(
        category=AwardCategory.objects.get(name_zh="全市优秀公益律师"),
        contributor=world.applicant_b,
        points=Decimal("70"),
        hours=Decimal("6"),
        district=world.district_b,
        rank=1,
    )
    award(world.district_a, "新华区公益之星", AwardCategory.Status.APPROVED, world.lawyer_contributor)
    award(world.district_a, "草稿奖", AwardCategory.Status.DRAFT, world.lawyer_contributor)
    award(world.district_b, "卫东区公益之星", AwardCategory.Status.APPROVED, world.other_lawyer_contributor)
    award(world.district_a, "撤销提名", AwardCategory.Status.APPROVED, world.applicant_b, Nomination.Status.REMOVED)
    honourees = {(r[0], r[1]) for r in rows(render_xlsx(world.district_a)[zh("Honourees")])}
    assert honourees == {("全市优秀公益律师", "赵强"), ("新华区公益之星", "李明")}


def test_the_figures_take_the_same_few_queries_however_large_the_ledger(world, year_of):
    def count():
        snapshot = standings_refresh(YEAR)  # what a build does first; its queries are the standings'
        with CaptureQueriesContext(connection) as ctx:
            report_figures(world.city, kind=ANNUAL, year=YEAR, snapshot=snapshot)
        return len(ctx.captured_queries)

    small = count()
    people = [ContributorFactory(region=r) for r in (world.village_a, world.township_b, world.city) for _ in range(5)]
    for i, person in enumerate(people * 20):
        post(person, day(1 + i % 12, 1 + i % 28), "1", str(1 + i % 7), service_type=year_of.hotline)
    assert count() == small <= 14  # a dozen sums, the service requests' figures and the snapshot row


# --- one truth with the standings -------------------------------------------------------------------


def standings_rows(client, board=""):
    """[(rank, name, points)] of the /standings/ table of YEAR, as a visitor reads it, and its "as of"."""
    html = client.get(reverse("leaderboards"), {"year": YEAR, "board": board}).content.decode()
    table = html.split('id="leaderboard"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(
        r'<td data-label="[^"]*">(\d+)</td>\s*<td data-label="[^"]*">([^<(]+?)\s*(?:\([^)]*\))?</td>\s*'
        r'<td data-label="[^"]*">([\d.,-]+)</td>',
        table,
    )
    as_of = re.search(r'id="as-of"><strong>[^<]*?(\d{4}-\d\d-\d\d \d\d:\d\d \(UTC[^)]*\))', html)
    return [(int(rank), name.strip(), cents(points.replace(",", ""))) for rank, name, points in cells], (
        as_of.group(1) if as_of else None
    )


@pytest.mark.parametrize("where", ["city", "district_a"])
def test_after_a_build_the_report_and_the_standings_page_show_the_same_rank_points_and_as_of(
    world, year_of, client_for, clean_reports, where
):
    """The tester's evening: the standings were counted before 李明's last entry, so the page showed her
    behind while "My points" had her ahead. Building the report recounts them: afterwards the report's
    place and points for each person are the page's, and both say the same "as of"."""
    region = getattr(world, where)
    board = "" if where == "city" else f"district|{world.district_a.pk}"
    standings_refresh(YEAR)
    # Before she joined firm A (1 March): hers, not the firm's, so the firm stays second to firm B.
    post(world.lawyer_contributor, day(2, 20), "30", "300", service_type=year_of.consult)
    client = client_for("city_staff")
    before, _as_of = standings_rows(client, board)
    assert ("李明", Decimal("49.00")) in [(name, points) for _rank, name, points in before]  # not yet counted

    report = reports.report_request(region=region, kind=ANNUAL, year=YEAR, actor=world.city_staff)
    assert jobs.report_build_task.apply(args=[report.pk]).get() == RecognitionReport.Status.DONE
    report.refresh_from_db()

    page, page_as_of = standings_rows(client, board)
    book = load_workbook(report.xlsx.open("rb"))
    in_report = [(r[0], r[1], cents(r[4])) for r in rows(book[zh("Top contributors")])]
    assert page[0] == (1, "李明", Decimal("349.00")) == in_report[0]
    assert in_report == page  # every person's place and points
    # Organisations: their place on the organisations board (the only one), whichever region reports.
    firms = [(r[0], r[1], cents(r[3])) for r in rows(book[zh("Top organisations")])]
    firm_page, _ = standings_rows(client, "organisation|")
    assert (2, "河南新华律师事务所", Decimal("19.00")) in firms
    assert firms == [row for row in firm_page if row[1] in {f for _r, f, _p in firms}]

    counted = report.counted_at
    assert counted == StandingsSnapshot.objects.get(year=YEAR, is_current=True).computed_at
    as_of = as_of_text(counted)
    assert page_as_of == as_of == summary(book)[zh("Figures as of")]
    assert as_of in pdf_text(report.pdf.open("rb").read())
    report_page = client.get(reverse("staff_report", args=[report.pk])).content.decode()
    assert re.search(r'id="report-as-of">\s*' + re.escape(escape(as_of)), report_page)


def test_a_report_counts_only_what_its_standings_snapshot_counted(world, year_of):
    """An entry posted after the snapshot is in neither the standings nor the report made from it."""
    snapshot = standings_refresh(YEAR)
    post(world.lawyer_contributor, day(11, 20), "30", "300", service_type=year_of.consult)
    figures = report_figures(world.district_a, kind=ANNUAL, year=YEAR, snapshot=snapshot)
    assert figures.totals["points"] == Decimal("109.00") and figures.totals["entries"] == 4
    assert figures.top_contributors["points"].tolist() == [Decimal("60.00"), Decimal("49.00")]
    assert figures.as_of == snapshot.computed_at and figures.watermark == snapshot.watermark
    # A monthly digest counts up to its snapshot too.
    november = report_figures(world.district_a, kind=MONTHLY, year=YEAR, month=11, snapshot=snapshot)
    assert november.totals["points"] == 0 and november.top_contributors.empty


# --- the PDF and the charts ----------------------------------------------------------------------


def test_the_pdf_names_the_region_the_top_contributor_and_the_totals(world, year_of):
    content = build.report_render(region=world.district_a, kind=ANNUAL, year=YEAR, formats=("pdf",))["pdf"]
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "新华区" in text and "赵强" in text and "李明" in text
    assert "109.00" in text and "10.00" in text  # points and verified hours
    assert f"{YEAR}" in text and "王芳" not in text
    english = pdf_text(
        build.report_render(region=world.district_a, kind=ANNUAL, year=YEAR, formats=("pdf",), language="en")["pdf"]
    )
    assert f"Annual recognition report {YEAR}" in english and "新华区" in english


def test_the_charts_draw_chinese_with_the_shipped_font_not_empty_boxes(world, year_of):
    figures = report_figures(world.city, kind=ANNUAL, year=YEAR)
    with warnings.catch_warnings(record=True) as caught, translation.override("zh-hans"):
        warnings.simplefilter("always")
        images = charts.report_charts(figures)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == [] and all(png.startswith(b"\x89PNG") for png in images.values())
    # And the font really has the glyphs of the labels the charts carry.
    from matplotlib.ft2font import FT2Font

    face = FT2Font(str(charts.FONT_PATH))
    assert all(face.get_char_index(ord(ch)) for ch in "新华区卫东区积分按月核实时长老年人")


def test_names_that_look_like_formulas_are_text_in_the_spreadsheet(world, year_of):
    person = ContributorFactory(legal_name='=HYPERLINK("http://evil","点我")', region=world.district_a)
    post(person, day(5, 5), "1", "500", service_type=year_of.hotline)
    firm = OrganisationFactory(name="+cmd|' /C calc'!A0", region=world.district_a)
    MembershipFactory(contributor=person, organisation=firm, started_on=day(1, 1))
    book = render_xlsx(world.district_a)
    first = book[zh("Top contributors")]["B2"]
    assert first.data_type == "s" and first.value == '\'=HYPERLINK("http://evil","点我")'
    assert book[zh("Top organisations")]["B2"].value == "'+cmd|' /C calc'!A0"
    assert [safe_cell(v) for v in ("-1", "@SUM(A1)", "\tx", "\rx", "普通", Decimal("-5.00"), 3)] == [
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "普通",
        Decimal("-5.00"),
        3,
    ]


# --- the job -------------------------------------------------------------------------------------


def report_files():
    return sorted(p for p in (Path(settings.PRIVATE_MEDIA_ROOT) / "reports").rglob("*") if p.is_file())


@pytest.fixture
def clean_reports():
    for path in report_files():
        path.unlink()
    yield


def test_two_deliveries_of_the_job_build_the_report_once(world, year_of, staff_a, clean_reports):
    report = reports.report_request(region=world.district_a, kind=ANNUAL, year=YEAR, actor=staff_a)
    assert (report.status, report.progress) == (RecognitionReport.Status.QUEUED, 0)
    assert jobs.report_build_task.apply(args=[report.pk]).get() == RecognitionReport.Status.DONE
    assert jobs.report_build_task.apply(args=[report.pk]).get() is None  # the second delivery: nothing to do
    report.refresh_from_db()
    assert (report.status, report.progress, report.error) == (RecognitionReport.Status.DONE, 100, "")
    assert report.pdf.name.endswith(".pdf") and report.xlsx.name.endswith(".xlsx")
    assert len(report_files()) == 2
    assert AuditEntry.objects.filter(action="report.done", object_id=str(report.pk)).count() == 1
    assert len(mail.outbox) == 1
    assert cents(summary(load_workbook(report.xlsx.open("rb")))[zh("Points")]) == Decimal("109.00")


def test_a_build_that_stalled_past_the_lease_is_taken_over_and_a_live_one_is_not(world, year_of, clean_reports):
    report = RecognitionReport.objects.create(
        region=world.district_a,
        kind=ANNUAL,
        year=YEAR,
        status=RecognitionReport.Status.RUNNING,
        progress=35,
        attempts=1,
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=30),
    )
    assert build.report_build(report.pk) is None  # alive 30 s ago: another worker is on it
    report.refresh_from_db()
    assert (report.status, report.progress, report.pdf.name) == (RecognitionReport.Status.RUNNING, 35, "")
    RecognitionReport.objects.filter(pk=report.pk).update(
        heartbeat_at=timezone.now() - job_lease() - datetime.timedelta(seconds=1)
    )
    assert build.report_build(report.pk) == RecognitionReport.Status.DONE
    assert len(report_files()) == 2


def test_a_build_taken_over_while_it_runs_keeps_no_files(world, year_of, clean_reports, monkeypatch):
    report = RecognitionReport.objects.create(region=world.district_a, kind=ANNUAL, year=YEAR)
    real = xlsx.render

    def render_then_lose_the_claim(figures):
        # Another delivery takes the report over (as after a long stall) while this one renders.
        RecognitionReport.objects.filter(pk=report.pk).update(attempts=F("attempts") + 1, heartbeat_at=timezone.now())
        return real(figures)

    monkeypatch.setattr(xlsx, "render", render_then_lose_the_claim)
    assert build.report_build(report.pk) is None
    report.refresh_from_db()
    assert report.status == RecognitionReport.Status.RUNNING and not report.pdf and not report.xlsx
    assert report_files() == []


def test_a_failed_build_is_marked_failed_with_no_files_and_the_requester_is_told(
    world, year_of, staff_a, clean_reports, monkeypatch
):
    report = reports.report_request(region=world.district_a, kind=ANNUAL, year=YEAR, actor=staff_a)

    def broken(figures):
        raise RuntimeError("the spreadsheet writer broke")

    monkeypatch.setattr(xlsx, "render", broken)  # after the PDF was rendered
    assert build.report_build(report.pk) == RecognitionReport.Status.FAILED
    report.refresh_from_db()
    assert (
        report.status == RecognitionReport.Status.FAILED
        and report.error == "RuntimeError: the spreadsheet writer broke"
    )
    assert not report.pdf and not report.xlsx and report_files() == []
    assert build.report_build(report.pk) is None  # a redelivery does not try again
    [message] = mail.outbox
    with translation.override("zh-hans"):
        what = gettext("Annual recognition report %(year)s") % {"year": YEAR}
        expected = gettext("Failed: %(what)s, %(region)s") % {"what": what, "region": "新华区"}
    assert message.to == ["staff.a@example.cn"] and message.subject == expected


def test_the_email_goes_to_the_requester_in_their_language_with_the_page_link(world, year_of, staff_a, clean_reports):
    staff_a.language = "en"
    staff_a.save(update_fields=["language"])
    report = reports.report_request(region=world.district_a, kind=MONTHLY, year=YEAR, month=3, actor=staff_a)
    build.report_build(report.pk)
    [message] = mail.outbox
    assert message.to == ["staff.a@example.cn"]
    assert message.subject == f"Ready: Monthly digest {YEAR}-03, 新华区"
    assert settings.SITE_URL + f"/staff/reports/{report.pk}/" in message.body


def test_asking_twice_while_building_makes_one_report_and_bad_periods_are_refused(world, staff_a):
    first = reports.report_request(region=world.district_a, kind=ANNUAL, year=YEAR, actor=staff_a)
    assert reports.report_request(region=world.district_a, kind=ANNUAL, year=YEAR, actor=staff_a) == first
    today = timezone.localdate()
    nxt = today.replace(day=1) + datetime.timedelta(days=32)
    for kwargs in (
        {"kind": MONTHLY, "year": nxt.year, "month": nxt.month},
        {"kind": MONTHLY, "year": YEAR},
        {"kind": ANNUAL, "year": today.year + 1},
        {"kind": "weekly", "year": YEAR},
    ):
        with pytest.raises(Exception) as caught:
            reports.report_request(region=world.district_a, actor=staff_a, **kwargs)
        assert caught.type.__name__ == "ValidationError"
    assert RecognitionReport.objects.count() == 1


# --- the staff pages -----------------------------------------------------------------------------


@pytest.fixture
def built_a(world, year_of, staff_a, clean_reports):
    report = reports.report_request(region=world.district_a, kind=ANNUAL, year=YEAR, actor=staff_a)
    build.report_build(report.pk)
    mail.outbox.clear()
    report.refresh_from_db()
    return report


def test_staff_of_another_district_can_neither_see_nor_download_the_report(built_a, client_for):
    client = client_for("staff_b")
    assert f'data-report="{built_a.pk}"' not in client.get(reverse("staff_reports")).content.decode()
    for url in (
        reverse("staff_report", args=[built_a.pk]),
        reverse("staff_report_file", args=[built_a.pk, "pdf"]),
        reverse("staff_report_file", args=[built_a.pk, "xlsx"]),
    ):
        assert client.get(url).status_code == 404, url
    assert client_for("lawyer").get(reverse("staff_report_file", args=[built_a.pk, "pdf"])).status_code == 403


@pytest.mark.parametrize("user_name", ["staff_a", "city_staff"])
def test_staff_whose_area_holds_the_region_download_both_files(built_a, client_for, user_name):
    client = client_for(user_name)
    page = client.get(reverse("staff_reports") + f"?year={YEAR}").content.decode()
    assert f'data-report="{built_a.pk}"' in page
    pdf = client.get(reverse("staff_report_file", args=[built_a.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="recognition-report-410402-{YEAR}.pdf"'
    content = b"".join(pdf.streaming_content)
    assert "赵强" in pdf_text(content)
    sheet = client.get(reverse("staff_report_file", args=[built_a.pk, "xlsx"]))
    assert sheet["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))
    assert cents(summary(book)[zh("Points")]) == Decimal("109.00")
    assert client.get(reverse("staff_report_file", args=[built_a.pk, "csv"])).status_code == 404


def test_the_list_filters_by_year_and_region(built_a, world, client_for):
    other = RecognitionReport.objects.create(region=world.city, kind=ANNUAL, year=YEAR - 1)
    client = client_for("city_staff")
    page = client.get(reverse("staff_reports") + f"?year={YEAR}").content.decode()
    assert f'data-report="{built_a.pk}"' in page and f'data-report="{other.pk}"' not in page
    page = client.get(reverse("staff_reports") + f"?region={world.city.pk}").content.decode()
    assert f'data-report="{built_a.pk}"' not in page and f'data-report="{other.pk}"' in page


def test_staff_cannot_start_a_report_for_another_district(world, client_for, django_capture_on_commit_callbacks):
    form = {"kind": ANNUAL, "region": world.district_a.pk, "year": YEAR, "month": ""}
    with django_capture_on_commit_callbacks() as queued:
        response = client_for("staff_b").post(reverse("staff_reports"), form)
    assert response.status_code == 200
    assert escape(zh("Choose a region in your area: this one is outside it.")) in response.content.decode()
    assert not RecognitionReport.objects.exists() and queued == []
    # Forged past the form, the service refuses it too.
    with pytest.raises(Exception) as caught:
        reports.report_request(region=world.district_a, kind=ANNUAL, year=YEAR, actor=world.staff_b)
    assert caught.type.__name__ == "ValidationError" and not RecognitionReport.objects.exists()


def test_starting_a_report_queues_its_build_and_shows_its_progress(
    world, year_of, client_for, eager_celery, django_capture_on_commit_callbacks, clean_reports
):
    client = client_for("staff_a")
    form = {"kind": MONTHLY, "region": world.township_a.pk, "year": YEAR, "month": "6"}
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("staff_reports"), form)
    report = RecognitionReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("staff_report", args=[report.pk])
    assert (report.region, report.kind, report.year, report.month, report.requested_by) == (
        world.township_a,
        MONTHLY,
        YEAR,
        6,
        world.staff_a,
    )
    page = client.get(response["Location"]).content.decode()
    poll = reverse("staff_job", args=[report.pk])
    assert poll in page and 'id="report-progress"' in page
    assert client.get(poll).json() == {
        "status": "queued",
        "progress": 0,
        "done": False,
        "attempts": 0,
        "retrying": False,
    }
    [queue_build] = queued
    queue_build()  # the commit: the build task runs in place (eager)
    report.refresh_from_db()
    assert report.status == RecognitionReport.Status.DONE
    page = client.get(response["Location"]).content.decode()
    assert reverse("staff_report_file", args=[report.pk, "pdf"]) in page and poll not in page
    assert mail.outbox[0].to == ["staff.a@example.cn"]


def test_the_reports_page_takes_the_same_queries_with_many_reports(world, client_for):
    client = client_for("city_staff")

    def count():
        client.get(reverse("staff_reports"))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("staff_reports")).status_code == 200
        return len(ctx.captured_queries)

    RecognitionReport.objects.create(region=world.district_a, kind=ANNUAL, year=YEAR, requested_by=world.staff_a)
    small = count()
    for i in range(40):
        RecognitionReport.objects.create(
            region=(world.district_a, world.township_b, world.city)[i % 3],
            kind=MONTHLY,
            year=YEAR,
            month=1 + i % 12,
            requested_by=(world.staff_a, world.staff_b, None)[i % 3],
            status=RecognitionReport.Status.DONE,
        )
    assert count() == small


# --- the command for operators -------------------------------------------------------------------


def test_the_command_writes_the_pdf_and_the_spreadsheet(world, year_of, tmp_path):
    out = io.StringIO()
    call_command(
        "recognition_report",
        "--year",
        str(YEAR),
        "--region",
        "410402",
        "--format",
        "pdf",
        "--output",
        str(tmp_path / "a.pdf"),
        stdout=out,
    )
    assert "新华区" in pdf_text((tmp_path / "a.pdf").read_bytes()) and "a.pdf" in out.getvalue()
    call_command(
        "recognition_report",
        "--year",
        str(YEAR),
        "--month",
        "3",
        "--region",
        "410400",
        "--format",
        "xlsx",
        "--output",
        str(tmp_path / "city.xlsx"),
        "--language",
        "en",
        stdout=out,
    )
    book = load_workbook(tmp_path / "city.xlsx")
    assert cents(summary(book)["Points"]) == Decimal("124.00")  # March: 24 (李明) + 100 (王芳)
    assert not RecognitionReport.objects.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--region", "999999", "--format", "pdf"], "999999"),
        (["--region", "410402", "--format", "doc"], "invalid choice"),
        (["--region", "410402", "--format", "pdf", "--month", "13"], "--month"),
    ],
)
def test_the_command_refuses_bad_arguments_clearly(world, tmp_path, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("recognition_report", "--year", str(YEAR), "--output", str(tmp_path / "x"), *args)
    assert not (tmp_path / "x").exists()


# --- the monthly schedule ------------------------------------------------------------------------


def test_monthly_digests_are_queued_once_per_staffed_region_and_month(world, django_capture_on_commit_callbacks):
    jan = datetime.date(YEAR + 1, 1, 3)
    with django_capture_on_commit_callbacks() as queued:
        made = reports.monthly_digests_queue(today=jan)
    staffed = {world.city, world.district_a, world.district_b}
    assert {r.region for r in made} == staffed and len(made) == 3 and len(queued) == 3
    assert {(r.kind, r.year, r.month, r.requested_by) for r in made} == {(MONTHLY, YEAR, 12, None)}
    # Again the same month (the next day, or a second beat at once), even after one was built: nothing more.
    RecognitionReport.objects.filter(region=world.city).update(status=RecognitionReport.Status.DONE)
    assert reports.monthly_digests_queue(today=jan + datetime.timedelta(days=1)) == []
    assert jobs.monthly_digests.apply().get() in (0, 3)  # today's previous month may differ from December
    assert RecognitionReport.objects.filter(year=YEAR, month=12).count() == 3


def test_a_scheduled_digest_is_emailed_to_the_staff_of_its_region(world, year_of, clean_reports):
    [digest] = [r for r in reports.monthly_digests_queue(today=day(4, 2)) if r.region == world.district_a]
    assert build.report_build(digest.pk) == RecognitionReport.Status.DONE
    assert [m.to for m in mail.outbox] == [["staff.a@example.cn"]]


def test_lost_deliveries_are_queued_again_after_the_lease(world, monkeypatch):
    old = timezone.now() - job_lease() - datetime.timedelta(minutes=1)
    lost = RecognitionReport.objects.create(region=world.city, kind=ANNUAL, year=YEAR, created_at=old, queued_at=old)
    stalled = RecognitionReport.objects.create(
        region=world.city, kind=ANNUAL, year=YEAR - 1, status="running", queued_at=old, heartbeat_at=old
    )
    RecognitionReport.objects.create(region=world.city, kind=ANNUAL, year=YEAR - 2)  # just asked
    RecognitionReport.objects.create(region=world.city, kind=ANNUAL, year=YEAR - 3, status="done", queued_at=old)
    sent = []
    monkeypatch.setattr(jobs_module, "_dispatcher", lambda job_id, task: sent.append((job_id, task)))
    assert jobs_module.jobs_sweep() == 2
    assert sorted(sent) == [(lost.pk, "report"), (stalled.pk, "report")]
    assert jobs_module.jobs_sweep() == 0  # sent again only after another resend delay


# --- a real worker -------------------------------------------------------------------------------

SUCCEEDED = re.compile(r"Task tasks\.reports\.report_build_task\[[0-9a-f-]+\] succeeded")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_builds_the_report_staff_asked_for_end_to_end(world, year_of, client_for, tmp_path, settings):
    """Staff start a report on the page; a Celery worker in its own process takes the job from the
    broker, builds both files into private storage and emails the requester; staff download it."""
    queue = f"test-reports-{uuid.uuid4().hex[:8]}"
    settings.PB_JOB_QUEUE = queue
    client = client_for("staff_a")
    response = client.post(reverse("staff_reports"), {"kind": ANNUAL, "region": world.district_a.pk, "year": YEAR})
    assert response.status_code == 302
    report = RecognitionReport.objects.get()

    (tmp_path / "mail").mkdir()
    start_worker(
        worker_env(mail_dir=tmp_path / "mail", tmp_dir=tmp_path / "tmp"), queue=queue, log=tmp_path / "worker.log"
    ).run_until(SUCCEEDED, queue=queue)

    report.refresh_from_db()
    assert (report.status, report.progress) == (RecognitionReport.Status.DONE, 100), report.error
    # The worker's test settings keep private files in a folder of its own (production shares one).
    [private] = (tmp_path / "tmp").glob("pb-test-private-*")
    text = pdf_text((private / report.pdf.name).read_bytes())
    assert "新华区" in text and "赵强" in text and "109.00" in text
    book = load_workbook(private / report.xlsx.name)
    assert cents(summary(book)[zh("Points")]) == Decimal("109.00")
    page = client.get(reverse("staff_report", args=[report.pk])).content.decode()
    assert reverse("staff_report_file", args=[report.pk, "xlsx"]) in page
    [eml] = list((tmp_path / "mail").glob("*.eml"))
    assert "staff.a@example.cn" in eml.read_text(errors="replace")


def start_worker(env, *, queue, log):
    """tests.support.worker.Worker.start, and told to load the reports jobs (`--include`) in case
    tasks/apps.py does not import them; harmless when it does."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--include=tasks.reports",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    ]
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Worker(process, log)


def test_an_odd_year_in_the_report_list_address_is_not_an_error(world, client_for):
    response = client_for("staff_a").get(reverse("staff_reports"), {"year": "²"})
    assert response.status_code == 200
