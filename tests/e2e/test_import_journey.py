"""Importing a roster on a phone: a staff member of district A opens Import from the staff
area, downloads the Chinese XLSX template for contributors, fills in three lawyers of a firm and saves
the file as a GBK CSV (as Chinese Excel does). One mobile number is wrong: the preview names the row,
the column and the problem in Chinese and imports nothing. The corrected file shows what it adds; she
confirms and lands on the import's page. The same file again has nothing to change. A picture renamed
to .xlsx gets a clear message on the form. In English the page and the problems are English.

Then the history kind: last year's service records of a lawyer already on the site are imported, and
the lawyer sees their points on My points.

Each person uses their own browser context at 390×844 in headless Chromium; every page is checked for
server errors, its language and horizontal overflow, and photographed into /tmp/pb-shots/import-*.png.
"""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from openpyxl import load_workbook
from playwright.sync_api import expect

from pointbook.models import LedgerEntry
from tests.e2e.conftest import PHONE
from tests.e2e.phones import Phone, Shots
from volunteers.models import Contributor, ImportJob, Membership, ServiceRecord, ServiceType, User

# serialized_rollback: the service catalogue and its default points rules are migration data (the
# history journey needs them), which any earlier transactional test would have flushed.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path("/tmp/pb-shots")
FILES = Path(__file__).resolve().parents[1] / "volunteers" / "files"
LAST_YEAR = timezone.localdate().year - 1

# The contributors template's Chinese headers: "*" marks a column that must be filled in.
TEMPLATE_HEADERS = ["姓名*", "类型*", "执业证号", "所属机构执业许可证号", "手机号码*", "电子邮箱*", "区划代码*"]
PEOPLE = [  # name, licence number, mobile, email
    ("陈静", "14104202010000011", "13900000011", "chen.jing@example.cn"),
    ("刘洋", "14104202010000012", "13900000012", "liu.yang@example.cn"),
    ("黄磊", "14104202010000013", "13900000013", "huang.lei@example.cn"),
]
BAD_MOBILE = "1390000012"  # ten digits, on the second person's row: row 3 of the file


def tr(msgid, lang="zh-hans", context=None, **params):
    """What the site shows for `msgid` in `lang`, from the same catalogues the live server uses."""
    with translation.override(lang):
        text = pgettext(context, msgid) if context else gettext(msgid)
    return text % params if params else text


def zh(msgid, context=None, **params):
    """The Chinese text of `msgid`, which must really be translated (not shown in English on a Chinese page)."""
    text = tr(msgid, "zh-hans", context, **params)
    assert text != tr(msgid, "en", context, **params), f"untranslated on Chinese pages: {msgid!r}"
    return text


class Desk(Phone):
    """A phone whose pages may be Chinese or (after the language switch) English."""

    def check(self, name, lang="zh-hans"):
        page = self.page
        page.wait_for_load_state("load")
        page.screenshot(path=self.shots.path(f"{self.who}-{name}"), full_page=True)
        assert not self.server_errors, f"{self.who} {name}: server error(s) {self.server_errors}"
        expect(page.locator("html")).to_have_attribute("lang", lang)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (
            f"{self.who} {name} ({page.url}) is {width}px wide on a {PHONE['width']}px "
            f"phone: {self.overflowing()} stick out"
        )


def roster_csv(world, headers, *, bad_mobile=False):
    """The roster as Chinese Excel saves it as CSV: GBK, CRLF line ends."""
    lines = [",".join(headers)]
    for n, (name, licence, mobile, email) in enumerate(PEOPLE):
        if bad_mobile and n == 1:
            mobile = BAD_MOBILE
        lines.append(
            ",".join([name, "律师", licence, world.firm_a.licence_number, mobile, email, world.district_a.code])
        )
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def choose(page, kind, name, data, mime="text/csv"):
    page.locator("#import-upload #id_kind").select_option(kind)
    page.locator("#import-upload #id_file").set_input_files({"name": name, "mimeType": mime, "buffer": data})


def nothing_imported(before):
    assert Contributor.objects.count() == before["people"], "a refused file created contributors"
    assert Membership.objects.count() == before["memberships"]
    assert not ImportJob.objects.exists()
    assert not User.objects.filter(email__in=[p[3] for p in PEOPLE]).exists()


def test_staff_import_a_gbk_roster_on_a_phone(live_server, chromium, world):
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = Shots(SHOTS, "import")
    desk = Desk.open(chromium, live_server.url, shots, "staff")
    page = desk.page
    before = {"people": Contributor.objects.count(), "memberships": Membership.objects.count()}

    # === 1. Import from the staff area; the Chinese XLSX template for contributors. ==============
    desk.log_in(world.staff_a.email)
    desk.nav("/staff/")
    # The staff area's first page has no Import tile (test_staff_area_first_page_offers_import below):
    # she goes through People, whose page has the staff nav.
    desk.submit(page.locator("main a.tile[href='/staff/people/']"))
    desk.submit(page.locator("main nav.subnav a[href='/staff/imports/']"))
    assert page.url == f"{live_server.url}/staff/imports/"
    desk.check("page")
    expect(page.locator("h1")).to_have_text(zh("Import from a spreadsheet"))
    expect(page.locator("#import-upload label[for=id_kind]")).to_contain_text(zh("What the file holds"))
    row = page.locator("#import-kinds tr[data-kind=contributors]")
    expect(row).to_contain_text(zh("Contributors (roster)"))
    with page.expect_download() as downloading:
        row.get_by_role("link", name="XLSX（中文）").click()
    download = downloading.value
    assert download.suggested_filename == "contributors-zh-hans.xlsx"
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    headers = [cell.value for cell in next(workbook.worksheets[0].iter_rows(min_row=1, max_row=1))]
    assert headers == TEMPLATE_HEADERS, headers
    assert {"姓名*", "执业证号", "手机号码*"} <= set(headers)
    assert not ImportJob.objects.exists(), "a template download changes nothing"

    # === 2. The filled-in template, saved as GBK CSV, with one bad mobile number. =================
    choose(page, "contributors", "花名册.csv", roster_csv(world, headers, bad_mobile=True))
    desk.submit(page.locator("#import-upload button[type=submit]"))
    desk.check("preview-problems")
    expect(page.locator("h1")).to_have_text(zh("Check the import"))
    expect(page.locator("#import-summary")).to_contain_text("花名册.csv")
    expect(page.locator("#count-rows")).to_have_text("3")
    expect(page.locator("#count-problems")).to_have_text("1")
    refused = page.locator("#import-refused")
    expect(refused).to_contain_text("未导入任何数据")
    expect(refused).to_have_text(zh("Nothing was imported. Correct these rows in your file and upload it again."))
    problems = page.locator("#import-problems tbody tr")
    expect(problems).to_have_count(1)
    cells = problems.first.locator("td")
    expect(cells.nth(0)).to_have_text("3")
    expect(cells.nth(1)).to_have_text("手机号码")
    expect(cells.nth(2)).to_contain_text(zh("Enter an 11-digit mainland mobile number, e.g. 13800138000."))
    expect(cells.nth(2)).to_contain_text("11位中国大陆手机号码")
    expect(cells.nth(2)).to_contain_text("（单元格内容为“1390000012”。）")  # the cell as written, to find it
    expect(page.locator("#import-confirm")).to_have_count(0)
    nothing_imported(before)

    # === 3. The corrected file, from the form under the problems: counts, then confirm. ===========
    expect(page.locator("#import-upload h2")).to_have_text(zh("Upload the corrected file"))
    expect(page.locator("#import-upload #id_kind")).to_have_value("contributors")
    page.locator("#import-upload #id_file").set_input_files(
        {"name": "花名册.csv", "mimeType": "text/csv", "buffer": roster_csv(world, headers)}
    )
    desk.submit(page.locator("#import-upload button[type=submit]"))
    desk.check("preview-ok")
    expect(page.locator("#count-new")).to_have_text("3")
    expect(page.locator("#count-changed")).to_have_text("0")
    expect(page.locator("#count-unchanged")).to_have_text("0")
    summary = page.locator("#import-summary dl.facts")
    expect(summary).to_contain_text(zh("New"))
    expect(summary).to_contain_text("新增")
    # What the import will do, row by row: three new people.
    expect(page.locator("main h2").first).to_have_text(zh("What changes"))
    samples = page.locator("#import-samples tbody tr")
    expect(samples).to_have_count(3)
    for n, (name, licence, _mobile, _email) in enumerate(PEOPLE):
        expect(samples.nth(n).locator("td").nth(0)).to_have_text(str(n + 2))
        expect(samples.nth(n)).to_contain_text(name)
        expect(samples.nth(n)).to_contain_text(licence)
        expect(samples.nth(n).locator(".badge")).to_have_text(zh("New"))
    expect(page.locator("#import-samples thead")).to_contain_text(zh("Record"))
    expect(page.locator("#import-confirm")).to_contain_text(
        zh("Importing adds %(new)s and changes %(changed)s. It is saved all together, or not at all.", new=3, changed=0)
    )
    nothing_imported(before)  # the preview has no side effects

    desk.submit(page.locator("#import-confirm button[type=submit]"))
    job = ImportJob.objects.get()
    assert page.url == f"{live_server.url}/staff/imports/{job.pk}/"
    desk.check("job")
    expect(page.locator("h1")).to_have_text("花名册.csv")
    expect(page.locator("#import-done")).to_contain_text("已导入：新增3条，修改0条。")
    expect(page.locator("#import-state")).to_have_text(_status_label(job))
    expect(page.locator("#count-new")).to_have_text("3")
    expect(page.locator("#count-changed")).to_have_text("0")
    assert (job.status, job.rows, job.created, job.changed, job.region) == ("done", 3, 3, 0, world.district_a)
    people = {
        c.legal_name: c
        for c in Contributor.objects.filter(licence_number__in=[p[1] for p in PEOPLE]).select_related("user", "region")
    }
    assert set(people) == {p[0] for p in PEOPLE}
    for name, licence, mobile, email in PEOPLE:
        person = people[name]
        assert (person.kind, person.licence_number, person.phone, person.user.email, person.region) == (
            "lawyer",
            licence,
            mobile,
            email,
            world.district_a,
        )
        membership = Membership.objects.get(contributor=person)
        assert (membership.organisation, membership.status) == (world.firm_a, Membership.Status.ACTIVE)

    # The import is listed on the import page.
    desk.submit(page.locator("main a[href='/staff/imports/']").first)
    listed = page.locator(f"#import-jobs tr[data-job='{job.pk}']")
    expect(listed).to_contain_text("花名册.csv")
    expect(listed).to_contain_text(_status_label(job))

    # === 4. The same file again: nothing to change, nothing to confirm. ===========================
    choose(page, "contributors", "花名册.csv", roster_csv(world, headers))
    desk.submit(page.locator("#import-upload button[type=submit]"))
    desk.check("preview-unchanged")
    expect(page.locator("#import-nothing")).to_have_text(zh("Nothing to change: every row is already as in the file."))
    expect(page.locator("#import-nothing")).to_contain_text("无需修改")
    expect(page.locator("#count-unchanged")).to_have_text("3")
    expect(page.locator("#count-new")).to_have_text("0")
    expect(page.locator("#import-confirm")).to_have_count(0)
    expect(page.get_by_role("button", name=zh("Import"), exact=True)).to_have_count(0)
    assert ImportJob.objects.count() == 1

    # === 5. A picture renamed to .xlsx: a clear message on the form, no error page. ===============
    desk.go("/staff/imports/")
    png = (FILES / "renamed_png.xlsx").read_bytes()
    choose(
        page,
        "contributors",
        "花名册.xlsx",
        png,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    desk.submit(page.locator("#import-upload button[type=submit]"))
    desk.check("renamed-png")
    assert page.url == f"{live_server.url}/staff/imports/"
    expect(page.locator("h1")).to_have_text(zh("Import from a spreadsheet"))
    file_field = page.locator("#import-upload .field").filter(has=page.locator("#id_file"))
    expect(file_field.locator(".errorlist")).to_have_text(
        zh(
            "%(name)s is not an XLSX file. Save the spreadsheet as an Excel workbook (.xlsx) or as CSV and upload that.",
            name="花名册.xlsx",
        )
    )
    expect(page.locator("#import-upload #id_kind")).to_have_value("contributors")
    assert ImportJob.objects.count() == 1
    assert Contributor.objects.count() == before["people"] + 3

    # === 6. In English: the page and a problem message. ===========================================
    with page.expect_navigation():
        page.locator("form.lang-switch").get_by_role("button", name="EN", exact=True).click()
    page.wait_for_load_state("load")
    assert page.url == f"{live_server.url}/staff/imports/"
    desk.check("page-en", lang="en")
    expect(page.locator("h1")).to_have_text("Import from a spreadsheet")
    expect(page.locator("#import-upload h2")).to_have_text("Upload a file")
    expect(page.locator("#import-kinds tr[data-kind=contributors]")).to_contain_text("Contributors (roster)")
    expect(page.locator("#import-upload button[type=submit]")).to_have_text("Check the file")
    expect(page.locator(f"#import-jobs tr[data-job='{job.pk}']")).to_contain_text(_status_label(job, "en"))

    fresh = [("周敏", "14104202010000021", "1390000021", "zhou.min@example.cn")]
    text = (
        ",".join(TEMPLATE_HEADERS)
        + "\r\n"
        + ",".join(
            [
                fresh[0][0],
                "律师",
                fresh[0][1],
                world.firm_a.licence_number,
                fresh[0][2],
                fresh[0][3],
                world.district_a.code,
            ]
        )
        + "\r\n"
    )
    choose(page, "contributors", "roster-en.csv", text.encode("gbk"))
    desk.submit(page.locator("#import-upload button[type=submit]"))
    desk.check("preview-problems-en", lang="en")
    expect(page.locator("h1")).to_have_text("Check the import")
    expect(page.locator("#import-refused")).to_have_text(
        "Nothing was imported. Correct these rows in your file and upload it again."
    )
    cells = page.locator("#import-problems tbody tr").first.locator("td")
    expect(cells.nth(0)).to_have_text("2")
    expect(cells.nth(1)).to_have_text("Mobile phone")
    expect(cells.nth(2)).to_have_text(
        "Enter an 11-digit mainland mobile number, e.g. 13800138000. (The cell holds “1390000021”.)"
    )
    assert not Contributor.objects.filter(licence_number=fresh[0][1]).exists()


@pytest.mark.django_db  # no browser: a plain test database is enough
def test_staff_area_first_page_offers_import(client_for):
    page = client_for("staff_a").get("/staff/").content.decode()
    assert 'href="/staff/imports/"' in page and 'href="/staff/exports/"' in page


def _status_label(job, lang="zh-hans"):
    with translation.override(lang):
        return str(job.get_status_display())


# --- History: service records of earlier years ----------------------------------------------------

HISTORY_HEADERS_ZH = [
    "来源编号",
    "执业证号或电子邮箱",
    "服务类型",
    "区划代码",
    "服务场所",
    "日期",
    "时长（小时）",
    "服务人数",
    "服务的特殊群体",
    "服务内容",
]


def history_csv(world):
    lawyer = world.lawyer_contributor
    hotline = ServiceType.objects.get(code="hotline_12348")
    consultation = ServiceType.objects.get(code="consultation")
    rows = [
        [
            f"XH-{LAST_YEAR}-001",
            lawyer.licence_number,
            hotline.name_zh,
            world.district_a.code,
            world.venue_a.name,
            f"{LAST_YEAR}-03-08",
            "3",
            "5",
            "",
            "12348热线值班",
        ],
        [
            f"XH-{LAST_YEAR}-002",
            lawyer.licence_number,
            consultation.name_zh,
            world.district_a.code,
            "",
            f"{LAST_YEAR}/9/20",
            "2",
            "",
            "",
            "社区法律咨询",
        ],
    ]
    text = "\r\n".join(",".join(r) for r in [HISTORY_HEADERS_ZH, *rows]) + "\r\n"
    return ("\ufeff" + text).encode("utf-8")


def test_staff_import_last_years_records_and_the_lawyer_sees_the_points(live_server, chromium, world):
    """3 h on the hotline at 10 points an hour and 2 h of consultation at 8: 30 + 16 points, dated last year."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = Shots(SHOTS, "import")
    shots.count = 50  # after the roster journey's pictures
    lawyer = world.lawyer_contributor
    desk = Desk.open(chromium, live_server.url, shots, "history-staff")
    page = desk.page
    desk.log_in(world.staff_a.email)
    desk.go("/staff/imports/")
    row = page.locator("#import-kinds tr[data-kind=history]")
    expect(row).to_contain_text(zh("Service records of earlier years"))
    expect(row).to_contain_text("往年服务记录")
    with page.expect_download() as downloading:
        row.get_by_role("link", name="CSV", exact=True).click()
    template = downloading.value
    with open(template.path(), encoding="utf-8-sig") as handle:
        first_line = handle.readline().strip()
    assert [h.rstrip("*") for h in first_line.split(",")][:2] == ["来源编号", "执业证号或电子邮箱"], first_line

    choose(page, "history", "往年记录.csv", history_csv(world))
    desk.submit(page.locator("#import-upload button[type=submit]"))
    desk.check("history-preview")
    expect(page.locator("#count-new")).to_have_text("2")
    assert not ServiceRecord.objects.filter(import_ref__startswith="XH-").exists()
    assert not LedgerEntry.objects.filter(contributor=lawyer).exists()

    desk.submit(page.locator("#import-confirm button[type=submit]"))
    job = ImportJob.objects.get()
    assert page.url == f"{live_server.url}/staff/imports/{job.pk}/"
    desk.check("history-job")
    expect(page.locator("#import-done")).to_contain_text("已导入：新增2条")
    expect(page.locator("#count-new")).to_have_text("2")
    records = ServiceRecord.objects.filter(import_ref__startswith="XH-")
    assert sorted(records.values_list("status", flat=True)) == ["approved", "approved"]
    points = sorted(LedgerEntry.objects.filter(contributor=lawyer).values_list("points", flat=True))
    assert points == [Decimal("16.00"), Decimal("30.00")], points

    her = Desk.open(chromium, live_server.url, shots, "history-lawyer")
    her.log_in(world.lawyer.email)
    her.nav("/my/points/")
    her.check("my-points")
    entries = her.page.locator("#entries tbody tr")
    expect(entries).to_have_count(2)
    march = entries.filter(has_text=f"{LAST_YEAR}-03-08")
    expect(march).to_contain_text("+30")
    expect(march).to_contain_text(zh("%(hours)s h × %(rate)s pts/h", hours="3", rate="10"))
    september = entries.filter(has_text=f"{LAST_YEAR}-09-20")
    expect(september).to_contain_text("+16")
    summary = her.page.locator("#points-summary")
    expect(summary.locator(".tile").nth(0).locator("strong")).to_have_text("0")  # nothing this year
    expect(summary.locator(".tile").nth(1).locator("strong")).to_have_text("46")
    expect(summary.locator(".tile").nth(2).locator("strong")).to_have_text("5")
    assert datetime.date(LAST_YEAR, 3, 8) in set(records.values_list("date", flat=True))
