"""The annual assessment report: each licensed practitioner's year (verified hours, earned points, the
50-hour guideline, commendations, upheld complaints) for a staff member's region or a firm admin's
organisation, as XLSX and CSV built by the export job; the figures agree with each person's My points;
spending never lowers them; each person is in one firm's report; denials; constant queries."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from pointbook.assessment.selectors import assessment_lines
from pointbook.commendations.certificates import certificate_issue, certificate_revoke
from pointbook.conduct.services import complaint_uphold
from pointbook.ledger.selectors import points_summary
from pointbook.ledger.services import entry_reverse, record_approve
from pointbook.models import Certificate, LedgerEntry
from spreadsheets.exports.services import export_run
from tests.factories import ContributorFactory, MembershipFactory, UserFactory
from volunteers.models import AuditEntry, Contributor, ExportJob, Membership, ServiceType
from volunteers.records.services import record_log

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
YEAR = THIS_YEAR - 1
ZH_HEADERS = [
    "执业证号",
    "姓名",
    "执业类别",
    "所属律所（机构）",
    "年度核实服务时长",
    "年度积分",
    "是否达到50小时",
    "表彰",
    "被核实投诉",
]
EN_HEADERS = [
    "Licence number",
    "Name",
    "Kind",
    "Firm",
    "Verified hours in the year",
    "Points earned in the year",
    "Met the 50-hour guideline",
    "Commendations",
    "Upheld complaints",
]


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def day(month, dom, year=YEAR):
    return datetime.date(year, month, dom)


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return SimpleUploadedFile("evidence.png", buffer.getvalue(), content_type="image/png")


def served(person, when, hours, *, staff, region):
    """The person logs the work the day after (with evidence), and staff of the region approve it: the
    real write path, award and all."""
    logged_at = timezone.make_aware(datetime.datetime.combine(when + datetime.timedelta(days=1), datetime.time(10)))
    record = record_log(
        actor=person.user,
        contributor=person,
        service_type=ServiceType.objects.get(code="consultation"),
        date=when,
        start_time=datetime.time(9),
        hours=hours,
        people_served=2,
        region=region,
        description="为社区居民解答劳动合同纠纷",
        files=[_png()],
        now=logged_at,
    )
    record_approve(actor=staff, scope=region, record=record, now=logged_at + datetime.timedelta(hours=2))
    return record


def since_last_year(*people):
    Contributor.objects.filter(pk__in=[p.pk for p in people]).update(
        created_at=timezone.make_aware(datetime.datetime(YEAR - 1, 6, 1))
    )


def read(content, fmt):
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
        table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    else:
        table = [list(r) for r in load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True)]
    return table[0], table[1:]


def build(client, fmt="xlsx", year=YEAR, region=None, organisation=None):
    """Build the report on its page (staff: for `region`; firm admin: for `organisation`) and download
    it: (job, headers, rows by licence number)."""
    if organisation is not None:
        response = client.post(reverse("firm_assessment", args=[organisation.pk]), {"year": year, "format": fmt})
    else:
        response = client.post(reverse("staff_assessment"), {"year": year, "format": fmt, "region": region.pk})
    assert response.status_code == 302, response.content.decode()[-3000:]
    job = ExportJob.objects.latest("pk")
    assert job.status == ExportJob.Status.DONE, job.error
    if organisation is not None:
        assert response["Location"] == reverse("firm_assessment_job", args=[organisation.pk, job.pk])
        download = client.get(reverse("firm_assessment_file", args=[organisation.pk, job.pk]))
    else:
        assert response["Location"] == reverse("staff_assessment_job", args=[job.pk])
        download = client.get(reverse("staff_export_file", args=[job.pk]))
    assert download.status_code == 200
    headers, rows = read(b"".join(download.streaming_content), fmt)
    return job, headers, {row[0]: row for row in rows}


@pytest.fixture
def year_of(world):
    """Last year in district A. 李明 (firm A all year): 56.25 h of approved work in five records, a complaint
    upheld, an award certificate (and a revoked one); work this year too, not in last year's report.
    陈静 moved from firm A to firm B on 1 July. 周伟 left firm A on 1 October and joined none. 吴刚 is
    in no firm, 6 h. A mediator and a volunteer served too, but hold no licence. 王芳 is in district B."""
    y = type("Year", (), {})()
    staff, region = world.staff_a, world.district_a
    y.li = world.lawyer_contributor
    Membership.objects.filter(pk=world.lawyer_membership.pk).update(started_on=day(1, 1, YEAR - 1))
    Membership.objects.filter(pk=world.other_lawyer_membership.pk).update(started_on=day(1, 1, YEAR - 1))
    y.chen = ContributorFactory(legal_name="陈静", region=world.township_a)
    MembershipFactory(
        contributor=y.chen,
        organisation=world.firm_a,
        status=Membership.Status.ENDED,
        started_on=day(1, 1, YEAR - 1),
        ended_on=day(7, 1),
    )
    MembershipFactory(
        contributor=y.chen, organisation=world.firm_b, status=Membership.Status.ACTIVE, started_on=day(7, 1)
    )
    y.zhou = ContributorFactory(legal_name="周伟", region=world.district_a, kind=Contributor.Kind.GRASSROOTS_WORKER)
    MembershipFactory(
        contributor=y.zhou,
        organisation=world.firm_a,
        status=Membership.Status.ENDED,
        started_on=day(1, 1, YEAR - 1),
        ended_on=day(10, 1),
    )
    y.wu = ContributorFactory(legal_name="吴刚", region=world.village_a)
    y.mediator = ContributorFactory(
        legal_name="郑调解", region=world.district_a, kind=Contributor.Kind.MEDIATOR, licence_number=None
    )
    y.volunteer = ContributorFactory(
        legal_name="钱志愿", region=world.district_a, kind=Contributor.Kind.VOLUNTEER, licence_number=None
    )
    y.wang = world.other_lawyer_contributor
    since_last_year(y.li, y.chen, y.zhou, y.wu, y.mediator, y.volunteer, y.wang)

    for month in (2, 3, 4, 5, 6):
        y.li_last = served(y.li, day(month, 10), "11.25", staff=staff, region=region)
    served(
        y.li,
        day(1, 5, THIS_YEAR) if timezone.localdate() > day(1, 6, THIS_YEAR) else day(1, 1, THIS_YEAR),
        "3",
        staff=staff,
        region=region,
    )
    complaint_uphold(
        actor=staff,
        scope=region,
        record=y.li_last,
        reason="服务态度差",
        now=timezone.make_aware(datetime.datetime(YEAR, 8, 1, 9)),
    )
    served(y.chen, day(3, 1), "10", staff=staff, region=region)
    served(y.chen, day(9, 1), "15", staff=staff, region=region)
    served(y.chen, day(9, 2), "15", staff=staff, region=region)
    served(y.zhou, day(5, 1), "8", staff=staff, region=region)
    served(y.wu, day(6, 1), "6", staff=staff, region=region)
    served(y.mediator, day(6, 2), "4", staff=staff, region=region)
    served(y.volunteer, day(6, 3), "4", staff=staff, region=region)
    served(y.wang, day(6, 4), "7", staff=world.staff_b, region=world.district_b)

    for title_zh, title_en in (("优秀公益律师", "Outstanding pro-bono lawyer"), ("服务之星", "Service star")):
        certificate_issue(
            kind=Certificate.Kind.AWARD,
            holder_name=y.li.legal_name,
            title_zh=f"{YEAR}年度{title_zh}",
            title_en=f"{title_en} {YEAR}",
            year=YEAR,
            hours=Decimal("56"),
            points=Decimal("500"),
            actor=world.city_staff,
            contributor=y.li,
        )
    revoked = Certificate.objects.filter(contributor=y.li).latest("pk")
    certificate_revoke(certificate_id=revoked.pk, actor=world.city_staff, reason="核查有误")
    return y


def test_each_row_says_what_the_persons_my_points_say_for_that_year(world, year_of, client_for):
    client = client_for("city_staff")
    job, headers, rows = build(client, region=world.city)
    assert headers == ZH_HEADERS
    people = (year_of.li, year_of.chen, year_of.zhou, year_of.wu, year_of.wang)
    assert set(rows) == {p.licence_number for p in people}  # licensed practitioners only
    assert job.rows == len(people)
    for person in people:
        mine = points_summary(person, year=YEAR)
        row = rows[person.licence_number]
        assert row[1] == person.legal_name
        assert Decimal(str(row[4])) == mine["year_hours"]
        assert Decimal(str(row[5])) == mine["year_points"]
        assert row[6] == ("是" if mine["year_hours"] >= 50 else "否")
    li = rows[year_of.li.licence_number]
    assert Decimal(str(li[4])) == Decimal("56.25")  # this year's 3 h are not last year's
    assert li[2:4] == ["律师", world.firm_a.name]
    assert li[6] == "是"
    assert li[7] == f"{YEAR}年度优秀公益律师"  # the revoked one is gone
    assert li[8] == 1
    assert rows[year_of.zhou.licence_number][2] == "基层法律服务工作者"
    assert [rows[p.licence_number][8] for p in people[1:]] == [0, 0, 0, 0]
    # The penalty of the upheld complaint is in the points, as in My points.
    assert Decimal(str(li[5])) < sum(
        e.points for e in LedgerEntry.objects.filter(contributor=year_of.li, kind="award", effective_date__year=YEAR)
    )


def test_each_person_is_in_the_report_of_their_firm_at_the_years_end_or_of_most_days(world, year_of, client_for):
    _job, _h, rows = build(client_for("staff_a"), region=world.district_a)
    assert set(rows) == {p.licence_number for p in (year_of.li, year_of.chen, year_of.zhou, year_of.wu)}
    assert rows[year_of.chen.licence_number][3] == world.firm_b.name  # moved on 1 July: firm B at year end
    assert Decimal(str(rows[year_of.chen.licence_number][4])) == Decimal("40.00")  # the whole year's
    assert rows[year_of.zhou.licence_number][3] == world.firm_a.name  # left on 1 October, joined none
    assert rows[year_of.wu.licence_number][3] is None  # never in a firm: an empty cell

    _job, headers, firm_a = build(client_for("firm_admin"), organisation=world.firm_a, fmt="csv")
    assert headers == ZH_HEADERS
    assert set(firm_a) == {year_of.li.licence_number, year_of.zhou.licence_number}
    li = firm_a[year_of.li.licence_number]
    assert (li[4], Decimal(li[5]), li[6]) == ("56.25", Decimal(str(rows[year_of.li.licence_number][5])), "是")
    assert firm_a[year_of.zhou.licence_number][4] == "8.00"


def test_the_firm_version_holds_only_the_firms_people(world, year_of, client_for):
    admin_b = UserFactory(email="admin.b@example.cn")
    world.firm_b.admins.add(admin_b)
    _job, _h, firm_b = build(logged_in(admin_b), organisation=world.firm_b)
    assert set(firm_b) == {year_of.chen.licence_number, year_of.wang.licence_number}


def test_spending_and_expiry_never_lower_the_figures(world, year_of):
    before = {line.contributor_id: (line.hours, line.points) for line in assessment_lines(YEAR, region=world.city)}
    # Entries of a kind that is not earned (as the rewards catalogue will post): the database takes them.
    spent = LedgerEntry.objects.create(
        contributor=year_of.li,
        points=Decimal("-100"),
        kind="spend",
        source="redemption",
        source_id=1,
        explanation="兑换",
        idempotency_key="test:spend:1",
        effective_date=day(12, 1),
    )
    entry_reverse(actor=world.city_staff, entry=spent, reason="退回")  # a refund is not earned either
    LedgerEntry.objects.create(
        contributor=year_of.chen,
        points=Decimal("-5"),
        kind="expiry",
        source="expiry",
        source_id=2,
        explanation="过期",
        idempotency_key="test:expire:1",
        effective_date=day(12, 31),
    )
    after = {line.contributor_id: (line.hours, line.points) for line in assessment_lines(YEAR, region=world.city)}
    assert after == before


def test_english_headers_for_a_staff_member_reading_english(world, year_of, client_for):
    client = client_for("staff_a")
    client.post(reverse("set_language"), {"language": "en"})
    _job, headers, rows = build(client, region=world.district_a, fmt="csv")
    assert headers == EN_HEADERS
    li = rows[year_of.li.licence_number]
    assert li[2] == "Lawyer" and li[6] == "Yes" and li[7] == f"Outstanding pro-bono lawyer {YEAR}"
    assert rows[year_of.wu.licence_number][6] == "No"


def test_cells_a_spreadsheet_would_run_as_a_formula_are_text(world, year_of, client_for):
    Contributor.objects.filter(pk=year_of.wu.pk).update(licence_number="=1+2")
    for fmt in ("csv", "xlsx"):
        _job, _h, rows = build(client_for("staff_a"), region=world.district_a, fmt=fmt)
        assert "'=1+2" in rows


def test_a_year_not_begun_or_without_figures_is_refused_with_a_message(world, year_of, client_for):
    client = client_for("staff_a")
    audits = AuditEntry.objects.count()
    for year, message in (
        (THIS_YEAR + 1, f"{THIS_YEAR + 1}年尚未开始"),
        (2005, "2005年没有可报告的内容"),
        ("二〇二五", "请用四位数字填写年份"),
    ):
        response = client.post(
            reverse("staff_assessment"), {"year": year, "format": "xlsx", "region": world.district_a.pk}
        )
        assert response.status_code == 200
        assert message in response.content.decode()
    # A firm with nobody who served that year.
    response = client_for("firm_admin").post(
        reverse("firm_assessment", args=[world.firm_a.pk]), {"year": 2005, "format": "csv"}
    )
    assert "2005年没有可报告的内容" in response.content.decode()
    assert not ExportJob.objects.exists() and AuditEntry.objects.count() == audits


def test_staff_choose_only_regions_of_their_area(world, year_of, client_for):
    response = client_for("staff_a").post(
        reverse("staff_assessment"), {"year": YEAR, "format": "xlsx", "region": world.district_b.pk}
    )
    assert response.status_code == 200
    assert "请选择您辖区内的区域" in response.content.decode()
    assert not ExportJob.objects.exists()
    page = client_for("staff_a").get(reverse("staff_assessment")).content.decode()
    assert world.township_a.name in page and world.district_b.name not in page


def test_builds_are_seen_only_inside_the_area_or_the_firm(world, year_of, client_for):
    job, _h, _rows = build(client_for("staff_a"), region=world.district_a)
    firm_job, _h, _rows = build(client_for("firm_admin"), organisation=world.firm_a)
    assert client_for("staff_b").get(reverse("staff_assessment_job", args=[job.pk])).status_code == 404
    assert client_for("staff_b").get(reverse("staff_export_file", args=[job.pk])).status_code == 404
    listed = client_for("staff_a").get(reverse("staff_assessment")).content.decode()
    assert f'data-job="{job.pk}"' in listed and f'data-job="{firm_job.pk}"' not in listed
    assert f'data-job="{job.pk}"' not in client_for("staff_b").get(reverse("staff_assessment")).content.decode()
    # Another firm's admin learns nothing; a lawyer of the firm is not its admin.
    admin_b = UserFactory(email="admin.b@example.cn")
    world.firm_b.admins.add(admin_b)
    for name in ("firm_assessment_job", "firm_assessment_file", "firm_assessment_progress"):
        assert logged_in(admin_b).get(reverse(name, args=[world.firm_a.pk, firm_job.pk])).status_code == 404
        assert logged_in(admin_b).get(reverse(name, args=[world.firm_b.pk, firm_job.pk])).status_code == 404
        assert client_for("lawyer").get(reverse(name, args=[world.firm_a.pk, firm_job.pk])).status_code == 403
        assert client_for("firm_admin").get(reverse(name, args=[world.firm_a.pk, job.pk])).status_code == 404


def test_a_large_report_is_built_by_the_job_with_progress_and_an_email(
    world, year_of, client_for, settings, django_capture_on_commit_callbacks
):
    settings.PB_EXPORT_INLINE_ROWS = 0
    client = client_for("firm_admin")
    response = client.post(reverse("firm_assessment", args=[world.firm_a.pk]), {"year": YEAR, "format": "xlsx"})
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("firm_assessment_job", args=[world.firm_a.pk, job.pk])
    assert (job.status, job.organisation, job.region, job.year) == ("queued", world.firm_a, world.district_a, YEAR)
    page = client.get(response["Location"]).content.decode()
    assert reverse("firm_assessment_progress", args=[world.firm_a.pk, job.pk]) in page
    state = client.get(reverse("firm_assessment_progress", args=[world.firm_a.pk, job.pk])).json()
    assert state["status"] == "queued" and not state["done"]

    with django_capture_on_commit_callbacks(execute=True):
        assert export_run(job.pk) == "done"
    assert export_run(job.pk) is None  # a second delivery finds it done
    job.refresh_from_db()
    assert job.rows == 2
    assert client.get(reverse("firm_assessment_progress", args=[world.firm_a.pk, job.pk])).json()["done"]
    (email,) = mail.outbox
    assert email.to == [world.firm_admin.email]
    assert reverse("firm_assessment_job", args=[world.firm_a.pk, job.pk]) in email.body
    assert world.firm_a.name in email.subject


def test_the_report_reads_a_fixed_number_of_queries_per_page_of_people(world, year_of):
    def queries(**kwargs):
        with CaptureQueriesContext(connection) as captured:
            lines = list(assessment_lines(YEAR, **kwargs))
        return len(captured), len(lines)

    few = queries(region=world.city)
    for _n in range(12):
        person = ContributorFactory(region=world.village_a)
        since_last_year(person)
        MembershipFactory(contributor=person, organisation=world.firm_a, started_on=day(1, 1, YEAR - 1))
    many = queries(region=world.city)
    assert many[1] == few[1] + 12 and many[0] == few[0]
    # Pages of people: five queries a page, however many people a page holds (a page that comes out
    # full is followed by one more look, which finds nobody).
    people = many[1]
    assert queries(region=world.city, chunk=5)[0] == 5 * (people // 5) + (5 if people % 5 else 1)


def test_the_pages_read_a_fixed_number_of_queries_as_builds_grow(
    world, year_of, client_for, django_assert_max_num_queries
):
    client = client_for("staff_a")
    build(client, region=world.district_a)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("staff_assessment")).status_code == 200
    for _ in range(5):
        build(client, region=world.district_a, fmt="csv")
    with CaptureQueriesContext(connection) as six:
        assert client.get(reverse("staff_assessment")).status_code == 200
    assert len(six) == len(one)


def test_staff_are_emailed_a_link_to_the_reports_page(
    world, year_of, client_for, settings, django_capture_on_commit_callbacks
):
    settings.PB_EXPORT_INLINE_ROWS = 0
    client_for("staff_a").post(
        reverse("staff_assessment"), {"year": YEAR, "format": "csv", "region": world.district_a.pk}
    )
    job = ExportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert export_run(job.pk) == "done"
    (email,) = mail.outbox
    assert email.to == [world.staff_a.email]
    assert reverse("staff_assessment_job", args=[job.pk]) in email.body


def test_the_demo_has_last_year_worth_reporting():
    """The small demo's report of last year: people above and below the guideline, commendations and
    upheld complaints; the demo firm admin's firm has both sides of the guideline."""
    from django.core.management import call_command

    from volunteers.models import Region, User

    call_command("seed_demo", scale="small")
    lines = list(assessment_lines(YEAR, region=Region.get_first_root_node()))
    assert any(line.guideline_met for line in lines) and not all(line.guideline_met for line in lines)
    assert any(line.commendations for line in lines) and any(line.complaints for line in lines)
    firm = User.objects.get(email="firm.admin@demo.cn").administered_organisations.get()
    met = {line.guideline_met for line in assessment_lines(YEAR, organisation=firm)}
    assert met == {True, False}
