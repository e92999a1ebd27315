"""Staff exports: each dataset in XLSX and CSV (UTF-8 with BOM) with the import's headers and only the
rows of the staff member's area; formula neutralisation of every cell that starts with = + - @ tab or
CR; export → import round trips that change nothing; large exports as a Celery job with progress and
an email; jobs and downloads of other areas are a 404; a constant number of queries as rows grow."""

import csv
import datetime
import io
import re
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from core import jobs
from pointbook.models import LedgerEntry
from pointbook.standings.services import standings_refresh
from spreadsheets.exports import services as exports
from spreadsheets.imports.engine import import_apply, import_check
from spreadsheets.resources.people import ContributorResource, OrganisationResource, RegionResource, VenueResource
from spreadsheets.resources.points import HistoryResource
from spreadsheets.upload import sheet_read
from tests.factories import ContributorFactory, MembershipFactory, OrganisationFactory, VenueFactory
from tests.support.i18n import zh
from tests.support.ledger import post
from tests.support.worker import Worker, worker_env
from volunteers.models import AuditEntry, Contributor, ExportJob, ServiceRecord, ServiceType

pytestmark = pytest.mark.django_db

FORMATS = ("csv", "xlsx")
LAST_YEAR = timezone.localdate().year - 1
STARTS = ("=", "+", "-", "@", "\t", "\r")


# --- helpers -------------------------------------------------------------------------------------


def read(content, fmt):
    """(headers, rows) of an exported file, every cell as the file holds it (CSV: text)."""
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
        table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    else:
        book = load_workbook(io.BytesIO(content))
        table = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    return table[0], table[1:]


def export(client, dataset, fmt, year=None):
    """Start an export on the staff page and download it: (job, file bytes)."""
    response = client.post(
        reverse("staff_exports"), {"dataset": dataset, "format": fmt, "year": "" if year is None else year}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    job = ExportJob.objects.latest("pk")
    assert response["Location"] == reverse("staff_export", args=[job.pk])
    assert job.status == ExportJob.Status.DONE, job.error
    download = client.get(reverse("staff_export_file", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    return job, b"".join(download.streaming_content)


def round_trip(content, fmt, kind, scope):
    """The import's plan for an exported file, as the import page makes it."""
    sheet = sheet_read(SimpleUploadedFile(f"export.{fmt}", content))
    return import_check(kind, sheet, scope=scope)


def headers_zh(resource_class):
    with translation.override("zh-hans"):
        return resource_class().get_export_headers()


def text(value):
    """A cell as CSV holds it."""
    if value is None:
        return ""
    return str(value)


def hotline():
    return ServiceType.objects.get(code="hotline_12348")


def site_record(contributor, when, *, hours="2.00", region=None, status=ServiceRecord.Status.APPROVED, **fields):
    start = timezone.make_aware(datetime.datetime.combine(when, datetime.time(9)))
    return ServiceRecord.objects.create(
        contributor=contributor,
        service_type=hotline(),
        region=region or contributor.region,
        date=when,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=float(hours)),
        hours=Decimal(hours),
        status=status,
        **fields,
    )


# --- datasets, headers, rows and scope ------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_contributors_have_the_import_columns_and_only_the_area_s_people(world, client_for, fmt):
    job, content = export(client_for("staff_a"), "contributors", fmt)
    headers, rows = read(content, fmt)
    assert headers == headers_zh(ContributorResource)
    lawyer = world.lawyer_contributor
    by_name = {row[0]: row for row in rows}
    assert set(by_name) == {"李明", "赵强"}  # district A and its township; not 王芳 / 孙丽 of district B
    assert by_name["李明"] == [
        "李明",
        zh("Lawyer"),
        lawyer.licence_number,
        world.firm_a.licence_number,
        lawyer.phone,
        "lawyer@example.cn",
        "410402",
    ]
    assert by_name["赵强"][3] in ("", None)  # a pending request is not a membership
    assert job.rows == 2 and job.region == world.district_a and job.requested_by == world.staff_a
    assert AuditEntry.objects.filter(action="export_start", object_id=str(job.pk)).exists()


def test_the_organisation_licence_is_the_current_active_membership_s(world, client_for):
    moved = world.lawyer_contributor
    world.lawyer_membership.status = "ended"
    world.lawyer_membership.save()
    firm_c = OrganisationFactory(region=world.township_a)
    MembershipFactory(contributor=moved, organisation=firm_c)
    _job, content = export(client_for("staff_a"), "contributors", "csv")
    [row] = [r for r in read(content, "csv")[1] if r[0] == "李明"]
    assert row[3] == firm_c.licence_number


@pytest.mark.parametrize("fmt", FORMATS)
def test_organisations_regions_and_venues_of_the_area(world, client_for, fmt):
    client = client_for("staff_a")
    _job, content = export(client, "organisations", fmt)
    headers, rows = read(content, fmt)
    assert headers == headers_zh(OrganisationResource)
    firm = world.firm_a
    assert [[text(c) for c in row] for row in rows] == [
        [firm.name, zh("Law firm"), firm.licence_number, "410402", firm.address, firm.phone, zh("Yes")]
    ]

    _job, content = export(client, "regions", fmt)
    headers, rows = read(content, fmt)
    assert headers == headers_zh(RegionResource)
    assert [[text(c) for c in row] for row in rows] == [
        ["410402", "新华区", "410400", zh("District / county")],
        ["410402001", "中兴路街道", "410402", zh("Township / street")],
        ["410402001001", "光明社区", "410402001", zh("Village / community")],
    ]

    _job, content = export(client, "venues", fmt)
    headers, rows = read(content, fmt)
    assert headers == headers_zh(VenueResource)
    assert [[text(c) for c in row] for row in rows] == [
        [
            "新华区公共法律服务中心",
            zh("Public legal service centre"),
            "410402",
            world.venue_a.address,
            zh("No"),
            zh("Yes"),
        ]
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_records_have_the_history_columns_and_a_status(world, client_for, fmt):
    lawyer = world.lawyer_contributor
    on_site = site_record(
        lawyer,
        datetime.date(LAST_YEAR, 3, 8),
        hours="2.50",
        venue=world.venue_a,
        people_served=3,
        special_groups=["elderly", "women"],
        description="咨询婚姻家庭问题",
    )
    imported = site_record(lawyer, datetime.date(LAST_YEAR, 4, 1), import_ref="2019-0007")
    volunteer = ContributorFactory(kind=Contributor.Kind.VOLUNTEER, region=world.township_a, legal_name="周敏")
    unlicensed = site_record(volunteer, datetime.date(LAST_YEAR, 5, 2), status=ServiceRecord.Status.SUBMITTED)
    site_record(world.other_lawyer_contributor, datetime.date(LAST_YEAR, 3, 9))  # district B
    # Worked in district B by a district-A lawyer: district B's record.
    site_record(lawyer, datetime.date(LAST_YEAR, 3, 10), region=world.district_b)

    _job, content = export(client_for("staff_a"), "records", fmt)
    headers, rows = read(content, fmt)
    assert headers == headers_zh(HistoryResource) + [zh("Status")]
    rows = [[text(c) for c in row] for row in rows]
    assert rows[0] == [
        f"record:{on_site.pk}",
        lawyer.licence_number,
        "李明",
        "12348热线值班",
        "410402",
        "新华区公共法律服务中心",
        f"{LAST_YEAR}-03-08" + (" 00:00:00" if fmt == "xlsx" else ""),
        "2.50" if fmt == "csv" else "2.5",
        "3",
        "老年人、妇女" if zh("The elderly") == "老年人" else rows[0][9],
        "咨询婚姻家庭问题",
        zh("Approved"),
    ]
    assert rows[1][0] == "2019-0007" and rows[1][1] == lawyer.licence_number
    assert rows[2][:3] == [f"record:{unlicensed.pk}", volunteer.user.email, "周敏"]
    assert rows[2][-1] == zh("Submitted, waiting for review")
    assert len(rows) == 3 and imported.pk


def test_service_records_of_one_year(world, client_for):
    site_record(world.lawyer_contributor, datetime.date(LAST_YEAR, 3, 8))
    site_record(world.lawyer_contributor, datetime.date(LAST_YEAR - 1, 3, 8))
    job, content = export(client_for("staff_a"), "records", "csv", year=LAST_YEAR)
    assert job.year == LAST_YEAR and [r[6] for r in read(content, "csv")[1]] == [f"{LAST_YEAR}-03-08"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_ledger_entries_of_the_area_s_contributors(world, client_for, fmt):
    day = datetime.date(LAST_YEAR, 6, 1)
    award = post(world.lawyer_contributor, day, "3.00", "30.00", service_type=hotline())
    post(world.other_lawyer_contributor, day, "2.00", "20.00")  # district B
    volunteer = ContributorFactory(kind=Contributor.Kind.VOLUNTEER, region=world.village_a, legal_name="周敏")
    penalty = post(volunteer, day, None, "-5.00", kind=LedgerEntry.Kind.PENALTY, source=LedgerEntry.Source.NO_SHOW)

    job, content = export(client_for("staff_a"), "ledger", fmt, year=LAST_YEAR)
    headers, rows = read(content, fmt)
    assert headers == [zh(h) for h in ("Date", "Licence number or email")] + [_pname()] + [
        zh(h)
        for h in ("Service type", "Kind", "Source", "Points", "Hours", "Explanation", "Idempotency key", "Created at")
    ]
    assert len(rows) == 2 and job.rows == 2
    first, second = rows
    created = timezone.localtime(award.created_at).replace(tzinfo=None)
    if fmt == "csv":
        assert first == [
            day.isoformat(),
            world.lawyer_contributor.licence_number,
            "李明",
            "12348热线值班",
            zh("Award"),
            zh("Service record"),
            "30.00",
            "3.00",
            award.explanation,
            award.idempotency_key,
            created.strftime("%Y-%m-%d %H:%M:%S"),
        ]
        assert second[1] == volunteer.user.email and second[6] == "-5.00" and second[7] == ""  # a number, not text
    else:
        assert first[:8] == [
            datetime.datetime.combine(day, datetime.time()),
            world.lawyer_contributor.licence_number,
            "李明",
            "12348热线值班",
            zh("Award"),
            zh("Service record"),
            30,
            3,
        ]
        assert first[10].replace(microsecond=0) == created.replace(microsecond=0)
        assert second[4:7] == [zh("Penalty"), zh("No-show"), -5]
    assert penalty.pk


def _pname():
    from django.utils.translation import pgettext

    with translation.override("zh-hans"):
        return pgettext("person", "Name")


@pytest.mark.parametrize("fmt", FORMATS)
def test_standings_of_a_year_for_the_area(world, client_for, fmt):
    # Today: inside the memberships the world fixture starts a year ago, so the firms are ranked too.
    day = timezone.localdate()
    post(world.lawyer_contributor, day, "3.00", "30.00", service_type=hotline())
    post(world.other_lawyer_contributor, day, "5.00", "50.00", service_type=hotline())
    standings_refresh(day.year)
    job, content = export(client_for("staff_a"), "standings", fmt, year=day.year)
    headers, rows = read(content, fmt)
    assert headers == [zh("Board"), zh("Rank"), zh("Name"), zh("Licence number"), zh("Points"), zh("Hours")]
    points, hours = ("30.00", "3.00") if fmt == "csv" else ("30", "3")
    licence = world.lawyer_contributor.licence_number
    assert [[text(c) for c in row] for row in rows] == [
        [zh("Overall"), "2", "李明", licence, points, hours],  # the city-wide rank: 王芳 of district B is first
        [zh("Organisations"), "2", world.firm_a.name, world.firm_a.licence_number, points, hours],
        ["新华区", "1", "李明", licence, points, hours],
        [zh("Lawyer"), "2", "李明", licence, points, hours],
        ["12348热线值班", "2", "李明", licence, points, hours],
    ]
    assert job.year == day.year and job.rows == 5


def test_standings_need_a_year_and_years_are_bounded(world, client_for):
    client = client_for("staff_a")
    for year in ("", "1999", str(timezone.localdate().year + 1)):
        response = client.post(reverse("staff_exports"), {"dataset": "standings", "format": "csv", "year": year})
        assert response.status_code == 200 and 'class="errorlist"' in response.content.decode()
    assert not ExportJob.objects.exists()


# --- formula neutralisation ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_cell_that_a_spreadsheet_would_run_is_neutralised(world, client_for, fmt):
    for n, start in enumerate(STARTS):
        OrganisationFactory(
            region=world.district_a,
            name=f'{start}HYPERLINK("http://x.cn","点")',
            address=f"{start}1+1",
            phone=f"{start}cmd|' /C calc'!A0",
            licence_number=f"9999{n:013d}",
        )
    site_record(world.lawyer_contributor, datetime.date(LAST_YEAR, 3, 8), description="=1+2")
    _job, content = export(client_for("staff_a"), "organisations", fmt)
    _headers, rows = read(content, fmt)
    names = {row[0] for row in rows}
    for start in STARTS:
        if fmt == "xlsx" and start == "\r":
            start = "\n"  # XML reads a carriage return as a line feed; the cell still starts with the quote
        row = next(r for r in rows if r[0] == f'\'{start}HYPERLINK("http://x.cn","点")')
        assert row[4] == f"'{start}1+1" and row[5] == f"'{start}cmd|' /C calc'!A0"
    assert not any(str(name).startswith(STARTS) for name in names)
    if fmt == "xlsx":  # stored as text: no cell of the sheet is a formula
        book = load_workbook(io.BytesIO(content))
        assert all(cell.data_type != "f" for row in book.worksheets[0].iter_rows() for cell in row)
    _job, content = export(client_for("staff_a"), "records", fmt)
    assert read(content, fmt)[1][0][10] == "'=1+2"


# --- round trips ---------------------------------------------------------------------------------


@pytest.fixture
def roster(world):
    """The area's people and firms with what a real roster holds (formula-looking text too)."""
    firm = OrganisationFactory(
        region=world.township_a,
        name="=河南某律师事务所",
        address="+86 人民路1号",
        phone="0375-1234567",
        good_standing=False,
    )
    for n in range(3):
        person = ContributorFactory(region=world.township_a, legal_name=f"-测试{n}")
        MembershipFactory(contributor=person, organisation=firm)
    ContributorFactory(kind=Contributor.Kind.MEDIATOR, region=world.village_a, legal_name="@调解员")
    VenueFactory(region=world.village_a, name="光明社区法律服务室", kind="village_room", is_rural=True)
    return firm


@pytest.mark.parametrize("language", ("zh-hans", "en"))
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ("contributors", "organisations", "regions", "venues"))
def test_export_then_import_changes_nothing(world, roster, staff_a, fmt, kind, language):
    job = exports.export_start(actor=staff_a, scope=world.district_a, dataset=kind, fmt=fmt, language=language)
    content = job.file.open("rb").read()
    plan = round_trip(content, fmt, kind, world.district_a)
    assert plan.problems == [] and plan.ignored_columns == []
    assert (plan.new, plan.changed, plan.unchanged) == (0, 0, job.rows) and job.rows > 0


HISTORY = """来源编号,执业证号或邮箱,姓名,服务类型,区划代码,服务场所,日期,时长,服务人数,特殊群体,服务内容
h-1,{licence},李明,12348热线值班,410402,新华区公共法律服务中心,{year}-03-08,2.5,3,老年人、妇女,=咨询
h-2,{email},周敏,consultation,410402001,,{year}-04-01,1,,,
"""


@pytest.mark.parametrize("fmt", FORMATS)
def test_imported_history_exported_and_imported_again_changes_nothing(world, staff_a, fmt):
    volunteer = ContributorFactory(kind=Contributor.Kind.VOLUNTEER, region=world.township_a, legal_name="周敏")
    with translation.override("zh-hans"):
        header = ",".join(HistoryResource().get_export_headers())
    source = HISTORY.split("\n", 1)[1].format(
        licence=world.lawyer_contributor.licence_number, email=volunteer.user.email, year=LAST_YEAR
    )
    sheet = sheet_read(SimpleUploadedFile("history.csv", (header + "\n" + source).encode()))
    plan = import_check("history", sheet, scope=world.district_a)
    assert plan.problems == [] and plan.new == 2
    import_apply(plan, actor=staff_a, now=timezone.now())

    job = exports.export_start(actor=staff_a, scope=world.district_a, dataset="records", fmt=fmt)
    plan = round_trip(job.file.open("rb").read(), fmt, "history", world.district_a)
    assert plan.problems == []
    assert (plan.new, plan.changed, plan.unchanged) == (0, 0, 2)


@pytest.mark.parametrize("fmt", FORMATS)
def test_site_records_exported_and_imported_again_change_nothing(world, staff_a, fmt):
    volunteer = ContributorFactory(kind=Contributor.Kind.VOLUNTEER, region=world.township_a, legal_name="周敏")
    site_record(
        world.lawyer_contributor,
        datetime.date(LAST_YEAR, 3, 8),
        venue=world.venue_a,
        people_served=2,
        special_groups=["elderly", "women"],
        description="=1+1",
    )
    site_record(world.lawyer_contributor, timezone.localdate(), hours="1.25")  # this year's too
    site_record(volunteer, datetime.date(LAST_YEAR, 5, 2), region=world.village_a, status=ServiceRecord.Status.REJECTED)
    job = exports.export_start(actor=staff_a, scope=world.district_a, dataset="records", fmt=fmt)
    plan = round_trip(job.file.open("rb").read(), fmt, "history", world.district_a)
    assert plan.problems == [] and plan.ignored_columns == [zh("Status")]
    assert (plan.new, plan.changed, plan.unchanged) == (0, 0, 3)


def test_staff_cannot_import_their_own_verified_service_and_nothing_of_the_file_is_written(world):
    """A district staff member who is also a lawyer of the district: their own row is refused with a
    reason, the rest of the file waits with it (one bad row writes nothing)."""
    from volunteers.models import StaffProfile

    lawyer = world.lawyer_contributor
    StaffProfile.objects.create(user=lawyer.user, region=world.district_a)
    volunteer = ContributorFactory(kind=Contributor.Kind.VOLUNTEER, region=world.township_a, legal_name="周敏")
    with translation.override("zh-hans"):
        header = ",".join(HistoryResource().get_export_headers())
        source = HISTORY.split("\n", 1)[1].format(
            licence=lawyer.licence_number, email=volunteer.user.email, year=LAST_YEAR
        )
        sheet = sheet_read(SimpleUploadedFile("history.csv", (header + "\n" + source).encode()))
        plan = import_check("history", sheet, scope=world.district_a, actor=lawyer.user)
        assert [(p.row, p.message) for p in plan.problems] == [
            (2, zh("This is your own service: another member of staff has to import it."))
        ]
    with pytest.raises(ValidationError):
        import_apply(plan, actor=lawyer.user, now=timezone.now())
    assert not ServiceRecord.objects.exists() and not LedgerEntry.objects.exists()
    # Another member of staff imports the same file.
    assert import_check("history", sheet, scope=world.district_a, actor=world.staff_a).problems == []


def test_a_record_of_the_area_by_someone_from_elsewhere_round_trips(world, staff_a):
    site_record(world.other_lawyer_contributor, datetime.date(LAST_YEAR, 3, 8), region=world.district_a)
    job = exports.export_start(actor=staff_a, scope=world.district_a, dataset="records", fmt="csv")
    assert job.rows == 1
    plan = round_trip(job.file.open("rb").read(), "csv", "history", world.district_a)
    assert plan.problems == [] and (plan.new, plan.changed, plan.unchanged) == (0, 0, 1)


# --- jobs, scope, pages --------------------------------------------------------------------------


def test_the_export_page_lists_the_area_s_exports_and_the_nav_links_it(world, client_for, staff_b):
    exports.export_start(actor=staff_b, scope=world.district_b, dataset="organisations", fmt="csv")
    client = client_for("staff_a")
    job, _content = export(client, "organisations", "xlsx")
    page = client.get(reverse("staff_exports")).content.decode()
    assert f'href="{reverse("staff_exports")}"' in page and 'name="dataset"' in page
    assert f'data-job="{job.pk}"' in page and page.count("data-job=") == 1  # not district B's export
    assert reverse("staff_export_file", args=[job.pk]) in page
    detail = client.get(reverse("staff_export", args=[job.pk])).content.decode()
    assert reverse("staff_export_file", args=[job.pk]) in detail and reverse("staff_job", args=[job.pk]) not in detail


def test_another_area_s_export_is_a_404_and_non_staff_are_refused(world, client_for):
    job, _content = export(client_for("staff_a"), "contributors", "csv")
    other = client_for("staff_b")
    for url in (
        reverse("staff_export", args=[job.pk]),
        reverse("staff_job", args=[job.pk]),
        reverse("staff_export_file", args=[job.pk]),
    ):
        assert other.get(url).status_code == 404
        assert client_for("city_staff").get(url).status_code == 200
        assert client_for("lawyer").get(url).status_code == 403
    assert client_for("anonymous").get(reverse("staff_exports")).status_code == 302


def test_a_job_not_done_has_no_download(world, staff_a, client_for, settings, django_capture_on_commit_callbacks):
    settings.PB_EXPORT_INLINE_ROWS = 0
    with django_capture_on_commit_callbacks(execute=False):
        job = exports.export_start(actor=staff_a, scope=world.district_a, dataset="organisations", fmt="csv")
    assert job.status == ExportJob.Status.QUEUED
    assert client_for("staff_a").get(reverse("staff_export_file", args=[job.pk])).status_code == 404


def test_a_large_export_runs_as_a_job_with_progress_and_an_email(
    world, client_for, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.PB_EXPORT_INLINE_ROWS = 2
    day = datetime.date(LAST_YEAR, 6, 1)
    for n in range(5):
        post(world.lawyer_contributor, day, "1.00", f"{n + 1}.00")
    world.staff_a.language = "en"
    world.staff_a.save()
    client = client_for("staff_a")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("staff_exports"), {"dataset": "ledger", "format": "xlsx", "year": ""})
    job = ExportJob.objects.get()
    assert response["Location"] == reverse("staff_export", args=[job.pk])
    assert (job.status, job.rows) == (ExportJob.Status.QUEUED, 5)
    page = client.get(response["Location"]).content.decode()
    poll = reverse("staff_job", args=[job.pk])
    assert poll in page and 'id="export-progress"' in page
    assert client.get(poll).json() == {
        "status": "queued",
        "progress": 0,
        "done": False,
        "attempts": 0,
        "retrying": False,
    }
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        [run] = queued
        run()  # the commit: the task runs in place (eager), and emails when done
    job.refresh_from_db()
    assert (job.status, job.progress, job.rows) == (ExportJob.Status.DONE, 100, 5)
    assert client.get(poll).json()["done"] is True
    page = client.get(response["Location"]).content.decode()
    assert reverse("staff_export_file", args=[job.pk]) in page and poll not in page
    _headers, rows = read(b"".join(client.get(reverse("staff_export_file", args=[job.pk])).streaming_content), "xlsx")
    assert sorted(row[6] for row in rows) == [1, 2, 3, 4, 5]
    [message] = mail.outbox
    assert message.to == ["staff.a@example.cn"] and message.subject.startswith("Export ready")
    assert reverse("staff_export", args=[job.pk]) in message.body


def test_a_second_delivery_of_the_job_does_nothing(world, staff_a, settings, django_capture_on_commit_callbacks):
    settings.PB_EXPORT_INLINE_ROWS = 0
    with django_capture_on_commit_callbacks(execute=False):
        job = exports.export_start(actor=staff_a, scope=world.district_a, dataset="contributors", fmt="csv")
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.export_run(job.pk) == ExportJob.Status.DONE
    job.refresh_from_db()
    first = job.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert exports.export_run(job.pk) is None
    job.refresh_from_db()
    assert job.file.name == first and len(mail.outbox) == 1


def test_a_job_whose_worker_died_is_taken_over_after_the_lease(
    world, staff_a, settings, django_capture_on_commit_callbacks
):
    settings.PB_EXPORT_INLINE_ROWS = 0
    with django_capture_on_commit_callbacks(execute=False):
        job = exports.export_start(actor=staff_a, scope=world.district_a, dataset="contributors", fmt="csv")
    ExportJob.objects.filter(pk=job.pk).update(
        status="running", attempts=1, heartbeat_at=timezone.now() - datetime.timedelta(seconds=30)
    )
    assert exports.export_run(job.pk, notify=False) is None  # still someone else's
    ExportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - jobs.job_lease() - datetime.timedelta(minutes=1)
    )
    assert exports.export_run(job.pk, notify=False) == ExportJob.Status.DONE


def test_a_failed_export_says_so(world, staff_a, client_for, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "csv_write", broken)
    job = exports.export_start(actor=staff_a, scope=world.district_a, dataset="contributors", fmt="csv")
    assert job.status == ExportJob.Status.FAILED and job.error and not job.file
    page = client_for("staff_a").get(reverse("staff_export", args=[job.pk])).content.decode()
    assert 'id="export-error"' in page
    assert client_for("staff_a").get(reverse("staff_export_file", args=[job.pk])).status_code == 404


# --- queries -------------------------------------------------------------------------------------


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "dataset", ("contributors", "organisations", "regions", "venues", "records", "ledger", "standings")
)
def test_an_export_takes_the_same_queries_as_rows_grow(world, client_for, dataset):
    client = client_for("city_staff")
    form = {"dataset": dataset, "format": "xlsx", "year": LAST_YEAR}

    def grow(n):
        day = datetime.date(LAST_YEAR, 6, 1)
        for _ in range(n):
            firm = OrganisationFactory(region=world.township_a)
            person = ContributorFactory(region=world.village_a)
            MembershipFactory(contributor=person, organisation=firm)
            VenueFactory(region=world.village_a)
            site_record(person, day, venue=world.venue_a, region=world.district_a)
            post(person, day, "1.00", "10.00", service_type=hotline())
        if dataset == "standings":
            standings_refresh(LAST_YEAR)

    grow(2)
    client.post(reverse("staff_exports"), form)
    small = _queries(lambda: client.post(reverse("staff_exports"), form))
    grow(20)
    large = _queries(lambda: client.post(reverse("staff_exports"), form))
    assert large == small
    assert ExportJob.objects.filter(status="done").count() == 3


# --- a real worker -------------------------------------------------------------------------------

SUCCEEDED = re.compile(r"Task tasks\.exports\.export_run\[[0-9a-f-]+\] succeeded")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_writes_a_large_export_end_to_end(world, client_for, tmp_path, settings):
    """Staff start an export too large for the request; a Celery worker in its own process writes it into
    private storage and emails the staff member; the page shows it ready."""
    queue = f"test-exports-{uuid.uuid4().hex[:8]}"
    settings.PB_JOB_QUEUE = queue
    settings.PB_EXPORT_INLINE_ROWS = 1
    client = client_for("staff_a")
    response = client.post(reverse("staff_exports"), {"dataset": "contributors", "format": "csv", "year": ""})
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.QUEUED and response["Location"] == reverse("staff_export", args=[job.pk])

    (tmp_path / "mail").mkdir()
    env = worker_env(mail_dir=tmp_path / "mail", tmp_dir=tmp_path / "tmp", PB_EXPORT_INLINE_ROWS="1")
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
        "--include=tasks.exports",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    ]
    with open(tmp_path / "worker.log", "ab") as out:
        process = subprocess.Popen(
            command,
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    Worker(process, tmp_path / "worker.log").run_until(SUCCEEDED, queue=queue)

    job.refresh_from_db()
    assert (job.status, job.progress, job.rows) == (ExportJob.Status.DONE, 100, 2)
    [private] = (tmp_path / "tmp").glob("pb-test-private-*")
    _headers, rows = read((private / job.file.name).read_bytes(), "csv")
    assert {row[0] for row in rows} == {"李明", "赵强"}
    page = client.get(reverse("staff_export", args=[job.pk])).content.decode()
    assert reverse("staff_export_file", args=[job.pk]) in page
    [eml] = list((tmp_path / "mail").glob("*.eml"))
    assert "staff.a@example.cn" in eml.read_text(errors="replace")


def test_an_xlsx_longer_than_a_sheet_goes_on_in_the_next(world, staff_a, monkeypatch):
    """Excel holds 1,048,576 rows in a sheet: a million ledger entries and more continue on a second."""
    monkeypatch.setattr(exports, "XLSX_SHEET_ROWS", 2)
    for n in range(5):
        OrganisationFactory(region=world.district_a, name=f"律所{n}")
    job = exports.export_start(
        actor=staff_a, scope=world.district_a, dataset="organisations", fmt="xlsx", language="en"
    )
    book = load_workbook(io.BytesIO(job.file.open("rb").read()))
    assert book.sheetnames == ["Organisations", "Organisations (2)", "Organisations (3)"]
    sheets = [[row for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]
    assert [len(rows) for rows in sheets] == [3, 3, 3]  # firm A and five more, each sheet with the header
    assert all(rows[0] == sheets[0][0] for rows in sheets) and job.rows == 6
