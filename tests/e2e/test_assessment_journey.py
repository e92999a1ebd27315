"""The annual assessment report on a phone. A staff member of district A opens 年度考核报告 from the staff
area, asks first for next year (refused: it has not begun), then builds last year's report for her
district as XLSX. The build waits for a worker: the page shows it queued; once a worker has built it the
page updates itself, and she downloads the file, whose rows say what each lawyer's My points say for
that year. Then firm A's administrator builds the firm's version from the firm's page, as CSV.

Each person uses their own browser context at 390×844; every page is checked for server errors, its
language and horizontal overflow, and photographed into /tmp/pb-shots/assessment-*.png.
"""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from pointbook.ledger.selectors import points_summary
from spreadsheets.exports.services import export_run
from tests.e2e.phones import Phone, Shots
from tests.factories import ContributorFactory, MembershipFactory
from tests.pointbook.test_assessment import ZH_HEADERS, day, served, since_last_year
from volunteers.models import ExportJob, Membership

# serialized_rollback: the service catalogue and its points rules are migration data, which an
# earlier transactional test would have flushed.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SHOTS = Path("/tmp/pb-shots")
YEAR = timezone.localdate().year - 1


def test_staff_and_a_firm_admin_build_the_annual_assessment_report_on_a_phone(live_server, chromium, world, settings):
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = Shots(SHOTS, "assessment")
    li = world.lawyer_contributor
    Membership.objects.filter(pk=world.lawyer_membership.pk).update(started_on=day(1, 1, YEAR - 1))
    colleague = ContributorFactory(legal_name="陈静", region=world.township_a)
    MembershipFactory(contributor=colleague, organisation=world.firm_a, started_on=day(1, 1, YEAR - 1))
    since_last_year(li, colleague)
    for month in range(1, 6):
        served(li, day(month, 12), "10.5", staff=world.staff_a, region=world.district_a)
    served(colleague, day(4, 3), "6", staff=world.staff_a, region=world.district_a)
    settings.PB_EXPORT_INLINE_ROWS = 0  # every build waits for a worker, as a large one does

    # === Staff: the page, a year not begun, then last year's report. ===========================
    staff = Phone.open(chromium, live_server.url, shots, "staff")
    page = staff.page
    staff.log_in(world.staff_a.email)
    staff.go("/staff/people/")
    staff.submit(page.locator("main nav.subnav a[href='/staff/assessment/']"))
    staff.check("page")
    expect(page.locator("h1")).to_have_text("年度考核报告")
    expect(page.locator("#id_year")).to_have_value(str(YEAR))
    page.locator("#id_year").fill(str(YEAR + 2))
    staff.submit(page.locator("#assessment-request button[type=submit]"))
    expect(page.locator("#assessment-request")).to_contain_text(f"{YEAR + 2}年尚未开始")
    staff.check("future-year")
    assert not ExportJob.objects.exists()

    page.locator("#id_year").fill(str(YEAR))
    page.locator("#id_region").select_option(str(world.district_a.pk))
    staff.submit(page.locator("#assessment-request button[type=submit]"))
    job = ExportJob.objects.get()
    assert page.url == f"{live_server.url}/staff/assessment/{job.pk}/"
    expect(page.locator("#assessment-state")).to_have_text("排队中")
    expect(page.locator("#assessment-progress")).to_be_visible()
    staff.check("queued")

    # A worker builds it; the page sees the job done and shows the download.
    assert export_run(job.pk) == "done"
    expect(page.locator("#assessment-download a")).to_be_visible(timeout=20_000)
    expect(page.locator("#assessment-state")).to_have_text("已生成")
    staff.check("done")
    with page.expect_download() as downloading:
        page.locator("#assessment-download a").click()
    download = downloading.value
    assert download.suggested_filename.startswith(f"assessment-{world.district_a.code}-{YEAR}-")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0] == ZH_HEADERS
    rows = {row[0]: row for row in table[1:]}
    assert set(rows) == {li.licence_number, colleague.licence_number}
    for person in (li, colleague):
        mine = points_summary(person, year=YEAR)
        row = rows[person.licence_number]
        assert (row[1], row[3]) == (person.legal_name, world.firm_a.name)
        assert (Decimal(str(row[4])), Decimal(str(row[5]))) == (mine["year_hours"], mine["year_points"])
    assert rows[li.licence_number][6] == "是" and rows[colleague.licence_number][6] == "否"

    staff.go("/staff/assessment/")
    expect(page.locator(f"#assessment-builds tr[data-job='{job.pk}']")).to_contain_text("已生成")
    staff.check("list")

    # === The firm admin: the firm's version, from the firm's page. ==============================
    settings.PB_EXPORT_INLINE_ROWS = 5000  # a small one is written at once
    admin = Phone.open(chromium, live_server.url, shots, "firm-admin")
    page = admin.page
    admin.log_in(world.firm_admin.email)
    admin.go(f"/org/{world.firm_a.pk}/members/")
    admin.submit(page.locator("#firm-assessment-link"))
    admin.check("page")
    page.locator("#id_format_1").check()  # CSV
    admin.submit(page.locator("#assessment-request button[type=submit]"))
    firm_job = ExportJob.objects.latest("pk")
    assert (firm_job.organisation, firm_job.status) == (world.firm_a, "done")
    assert page.url == f"{live_server.url}/org/{world.firm_a.pk}/assessment/{firm_job.pk}/"
    admin.check("done")
    with page.expect_download() as downloading:
        page.locator("#assessment-download a").click()
    content = Path(downloading.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert table[0] == ZH_HEADERS
    assert sorted(row[1] for row in table[1:]) == sorted([li.legal_name, colleague.legal_name])
