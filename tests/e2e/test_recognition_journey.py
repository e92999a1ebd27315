"""Recognition on a phone.

1. The annual commendation, end to end: city staff create an award (top 2 per district), draft the
   nominees from the standings, take one off with a reason, add one by licence number with a reason
   and put the list on public notice. An anonymous visitor finds the notice under "Notices" and lodges
   an objection against a nominee. Once the notice period is over, staff uphold the objection and
   approve: certificates are issued and the honour roll page is published (a Celery job, run eagerly
   here in the live server's thread). A certificate's QR code leads to the verification page, which
   says "genuine"; after staff revoke the certificate it says "revoked" and the honour roll drops the
   person.
2. Standings: a lawyer reads on My points where she stands in each board she is on, opens the
   standings, finds her own row highlighted and switches to her district's board.
3. A firm admin opens the firm's public-service record from the organisation page, downloads the
   XLSX record, issues the PDF statement and downloads it; both open and name the firm.

Each person uses their own browser context (their own session) at 390×844 in headless Chromium;
every page is checked for server errors, <html lang="zh-hans"> and horizontal overflow, and
photographed into test-artifacts/e2e/recognition-*.png.
"""

import datetime
import io
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from cms.models import HonourRollPage
from pointbook.commendations import services as commendations
from pointbook.models import AwardCategory, Certificate, LedgerEntry, Nomination, Objection
from pointbook.standings.services import standings_refresh
from tests.e2e.phones import Phone, Shots
from tests.factories import ContributorFactory
from tests.support.ledger import post
from volunteers.models import ServiceType

# serialized_rollback: the home page (cms 0002) and the service catalogue are migration data, which
# any earlier transactional test would have flushed.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

YEAR = timezone.localdate().year
AWARD_ZH = "优秀公益法律服务者"
AWARD_EN = "Outstanding pro-bono legal service"
THIRD_LICENCE = "14104201910888888"
REMOVE_REASON = "本年度已获市级表彰，不重复推荐。"
ADD_REASON = "长期在光明社区义务值守，群众反映好。"
OBJECTION = "该律师今年曾因服务态度问题被当事人投诉，请核实。"
UPHOLD_ANSWER = "经核实投诉属实，取消其推荐资格。"
REVOKE_REASON = "经复查，部分服务时长登记不实。"


def tr(msgid, lang="zh-hans", **params):
    """What the site shows for `msgid` in `lang`, from the same catalogues the live server uses."""
    with translation.override(lang):
        text = gettext(msgid)
    return text % params if params else text


def earn(person, points, *, service_type, day=None):
    """Verified work in the ledger (10 points an hour)."""
    return post(
        person,
        day or datetime.date(YEAR, 3, 1),
        Decimal(points) / 10,
        points,
        service_type=service_type,
        kind=LedgerEntry.Kind.ADJUSTMENT,
        source=LedgerEntry.Source.APPEAL,
        text="公益服务",
    )


@pytest.fixture
def standings_world(world, home_page):
    """Verified contributors with this year's points, and the standings computed from them.

    District A 新华区: 李明 (lawyer, 80), 赵强 (60, listed by family name only), 周敏 (40).
    District B 卫东区: 王芳 (other lawyer, 70), 孙丽 (50)."""
    w = world
    consultation = ServiceType.objects.get(code="consultation")
    hotline = ServiceType.objects.get(code="hotline_12348")
    w.third_a = ContributorFactory(legal_name="周敏", region=w.village_a, licence_number=THIRD_LICENCE)
    w.applicant_a.public_listing = False
    for person in (w.lawyer_contributor, w.applicant_a, w.third_a, w.other_lawyer_contributor, w.applicant_b):
        person.verified_at = timezone.now()
        person.save()
    for person, points, service_type in (
        (w.lawyer_contributor, 50, consultation),
        (w.lawyer_contributor, 30, hotline),
        (w.applicant_a, 60, consultation),
        (w.third_a, 40, hotline),
        (w.other_lawyer_contributor, 70, consultation),
        (w.applicant_b, 50, consultation),
    ):
        earn(person, points, service_type=service_type)
    standings_refresh(YEAR)
    return w


def cell_texts(locator):
    return [text.strip() for text in locator.all_inner_texts()]


def qr_matches(image, url):
    """Whether the QR code in `image` (as the PDF holds it) carries exactly `url`: the image's modules,
    read at their centres, are those of the QR code of `url`. (A decoder proper — zbar, zxing — is not
    installed here; reading the modules back and comparing them is the offline equivalent.)"""
    import qrcode

    code = qrcode.QRCode(box_size=8, border=2)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()  # with the border
    size = len(matrix)
    grey = image.convert("L")
    step = grey.width / size
    read = [
        [grey.getpixel((int((x + 0.5) * step), int((y + 0.5) * step))) < 128 for x in range(size)] for y in range(size)
    ]
    return read == matrix


def pdf_of(download):
    from pypdf import PdfReader

    with open(download.path(), "rb") as handle:
        body = handle.read()
    assert body.startswith(b"%PDF-"), body[:20]
    return PdfReader(io.BytesIO(body))


# --- 1. The commendation, draft to revocation ----------------------------------------------------------------


def test_staff_put_an_award_on_notice_the_public_objects_staff_approve_and_a_certificate_verifies_until_revoked(
    live_server, chromium, artifacts_dir, standings_world, eager_celery
):
    w = standings_world
    shots = Shots(artifacts_dir, "recognition")
    desk = Phone.open(chromium, live_server.url, shots, "staff")
    page = desk.page

    # === City staff create the award with the form. ==============================================
    desk.log_in(w.city_staff.email)
    desk.nav("/staff/")
    # The staff overview has no tile for commendations (nor the staff menu): reached through the menu
    # of a staff page that has it.
    desk.submit(page.locator("main a.tile[href='/staff/records/']"))
    desk.submit(page.locator("nav.subnav a[href='/staff/commendations/']"))
    desk.check("commendations-empty")
    expect(page.locator("#categories")).to_have_count(0)
    form = page.locator("#category-form")
    expect(form.locator("#id_region")).to_have_value(str(w.city.pk))
    form.locator("#id_year").fill(str(YEAR))
    form.locator("#id_name_zh").fill(AWARD_ZH)
    form.locator("#id_name_en").fill(AWARD_EN)
    form.locator("#id_basis").select_option(AwardCategory.Basis.TOP_PER_DISTRICT)
    # First without N: refused with the reason, nothing created.
    desk.submit(form.locator("button[type=submit]"))
    desk.check("category-form-error")
    expect(page.locator("#category-form .errorlist")).to_contain_text(tr("Say how many are nominated."))
    assert not AwardCategory.objects.exists()
    page.locator("#category-form #id_top_n").fill("2")
    expect(page.locator("#category-form #id_profile_verified")).to_be_checked()
    expect(page.locator("#category-form #id_notice_working_days")).to_have_value("5")
    desk.submit(page.locator("#category-form button[type=submit]"))
    category = AwardCategory.objects.get()
    assert page.url == f"{live_server.url}/staff/commendations/{category.pk}/"
    assert (category.region, category.year, category.basis, category.top_n, category.status) == (
        w.city,
        YEAR,
        AwardCategory.Basis.TOP_PER_DISTRICT,
        2,
        AwardCategory.Status.DRAFT,
    )
    desk.check("award-created")
    expect(desk.messages).to_contain_text(tr("Award created. Draft its nominees from the standings."))
    expect(page.locator("h1")).to_contain_text(AWARD_ZH)
    expect(page.locator("#publish-notice")).to_have_count(0)  # nobody on the list yet

    # === Draft from the standings: the top two of each district. ================================
    desk.submit(page.locator("#draft"))
    desk.check("drafted")
    expect(desk.messages).to_contain_text(tr("%(n)s nominees drafted from the standings.", n=4))
    nominees = page.locator("#nominees tbody tr")
    expect(nominees).to_have_count(4)
    assert [cell.split("\n")[0] for cell in cell_texts(nominees.locator("td:first-child"))] == [
        "李明",
        "赵强",
        "王芳",
        "孙丽",
    ]
    expect(nominees.filter(has_text="李明")).to_contain_text("新华区")
    expect(nominees.filter(has_text="王芳")).to_contain_text("卫东区")

    # Take 孙丽 off the list, with the reason.
    sun = Nomination.objects.get(category=category, contributor=w.applicant_b)
    row = page.locator(f"#nominees tr[data-nomination='{sun.pk}']")
    row.locator("input[name=reason]").fill(REMOVE_REASON)
    desk.submit(row.locator("button[type=submit]"))
    desk.check("removed")
    expect(desk.messages).to_contain_text(tr("Removed from the list; the reason is kept."))
    expect(nominees).to_have_count(3)
    expect(page.locator("#removed")).to_contain_text("孙丽")
    expect(page.locator("#removed")).to_contain_text(REMOVE_REASON)

    # Add 周敏 (third in district A) by her practice licence number, with the reason.
    add = page.locator("form#add-nominee")
    add.locator("input[name=who]").fill(THIRD_LICENCE)
    add.locator("textarea[name=reason]").fill(ADD_REASON)
    desk.submit(add.locator("button[type=submit]"))
    desk.check("added")
    expect(desk.messages).to_contain_text(tr("Added to the list."))
    expect(nominees).to_have_count(4)
    expect(nominees.filter(has_text="周敏")).to_contain_text(ADD_REASON)
    added = Nomination.objects.get(category=category, contributor=w.third_a)
    assert (added.status, added.drafted, added.reason, added.changed_by) == (
        Nomination.Status.NOMINATED,
        False,
        ADD_REASON,
        w.city_staff,
    )

    # === Put the list on public notice. ===========================================================
    desk.submit(page.locator("#publish-notice"))
    desk.check("on-notice")
    category.refresh_from_db()
    today = timezone.localdate()
    # The day it is posted does not count: five working days from the next one.
    assert category.status == AwardCategory.Status.NOTICE and category.notice_starts_on > today
    assert (category.notice_starts_on, category.notice_ends_on) == commendations.notice_period(today, 5)
    expect(desk.messages).to_contain_text(tr("On public notice until %(day)s.", day=category.notice_ends_on))
    expect(page.locator("#approve")).to_have_count(0)  # not before the notice ends
    expect(page.locator("#nominees input[name=reason]")).to_have_count(0)  # the list is fixed now

    # === An anonymous visitor finds the notice and objects to a nominee. ===========================
    visitor = Phone.open(chromium, live_server.url, shots, "visitor")
    visitor.go("/")
    visitor.nav("/notices/")
    visitor.check("notices")
    expect(visitor.page.locator("header.site form[action='/accounts/logout/']")).to_have_count(0)
    link = visitor.page.locator(f"#notices a[href='/notices/{category.pk}/']")
    expect(link).to_contain_text(AWARD_ZH)
    visitor.submit(link)
    visitor.check("notice")
    expect(visitor.page.locator("#notice-period")).to_contain_text(category.notice_starts_on.isoformat())
    expect(visitor.page.locator("#notice-period")).to_contain_text(category.notice_ends_on.isoformat())
    public = visitor.page.locator("#notice-nominees tbody tr")
    expect(public).to_have_count(4)
    # 赵强 chose not to be listed by name: the public sees the family name only.
    names = [cell.strip() for cell in cell_texts(public.locator("td:first-child"))]
    assert sorted(names) == sorted(["李明", "赵**", "王芳", "周敏"]), names
    expect(visitor.page.locator("main")).not_to_contain_text("赵强")
    expect(visitor.page.locator("main")).not_to_contain_text("孙丽")
    zhao = Nomination.objects.get(category=category, contributor=w.applicant_a)
    # Each row has its own "object" link; it names the nominee above the form.
    visitor.submit(public.filter(has_text="赵**").locator("a.object-link"))
    visitor.check("objection-about")
    expect(visitor.page.locator("#objection-about")).to_contain_text("赵**")
    objection_form = visitor.page.locator("#objection-form")
    objection_form.locator("#id_body").fill(OBJECTION)
    visitor.submit(objection_form.locator("button[type=submit]"))
    visitor.check("objection-sent")
    expect(visitor.messages).to_contain_text(
        tr("Your objection has been received. Bureau staff will look into it before the award is approved.")
    )
    objection = Objection.objects.get()
    assert (objection.nomination, objection.body, objection.status) == (zhao, OBJECTION, Objection.Status.OPEN)

    # === Time passes. ================================================================================
    # The notice lasts at least five working days; a test cannot wait a week, so the notice period is
    # moved into the past in the database, as if it had been published two weeks ago.
    AwardCategory.objects.filter(pk=category.pk).update(
        notice_starts_on=category.notice_starts_on - datetime.timedelta(days=14),
        notice_ends_on=category.notice_ends_on - datetime.timedelta(days=14),
    )
    category.refresh_from_db()
    assert category.notice_ends_on < today

    # The visitor's notice page now says it is over and takes no more objections.
    visitor.go(f"/notices/{category.pk}/")
    visitor.check("notice-closed")
    expect(visitor.page.locator("#notice-closed")).to_be_visible()
    expect(visitor.page.locator("#objection-form")).to_have_count(0)

    # === Staff: approving waits for the objection; they uphold it, then approve. =====================
    desk.go(f"/staff/commendations/{category.pk}/")
    desk.check("objection-open")
    card = page.locator(f".objection[data-objection='{objection.pk}']")
    expect(card).to_contain_text(OBJECTION)
    expect(card).to_contain_text("赵强")  # staff see the full name
    expect(page.locator("#approve")).to_have_count(0)  # not while an objection is open
    expect(page.locator("#objections-first")).to_be_visible()
    assert not Certificate.objects.exists()

    card.locator("input[name=decision][value=uphold]").check()
    card.locator("textarea[name=resolution]").fill(UPHOLD_ANSWER)
    desk.submit(card.locator("button[type=submit]"))
    desk.check("objection-upheld")
    expect(desk.messages).to_contain_text(tr("Objection resolved."))
    expect(page.locator(f".objection[data-objection='{objection.pk}']")).to_contain_text(UPHOLD_ANSWER)
    expect(nominees).to_have_count(3)
    expect(page.locator("#removed")).to_contain_text("赵强")
    expect(page.locator("#removed")).to_contain_text(UPHOLD_ANSWER)

    desk.submit(page.locator("#approve"))
    desk.check("approved")
    expect(desk.messages).to_contain_text(
        tr("Approved: %(n)s certificates issued; the honour roll is being published.", n=3)
    )
    category.refresh_from_db()
    assert category.status == AwardCategory.Status.APPROVED
    certificates = {c.holder_name: c for c in Certificate.objects.filter(nomination__category=category)}
    assert sorted(certificates) == sorted(["李明", "王芳", "周敏"])
    expect(page.locator("#approve")).to_have_count(0)

    # === The honour roll, from the award page. ======================================================
    roll_link = page.locator("#honour-roll-link")
    expect(roll_link).to_be_visible()
    roll_path = urlsplit(roll_link.get_attribute("href")).path
    assert roll_path == urlsplit(HonourRollPage.objects.get(category=category).url).path
    visitor.go(roll_path)
    visitor.check("honour-roll")
    expect(visitor.page.locator("h1")).to_contain_text(AWARD_ZH)
    honoured = visitor.page.locator("#honourees tbody tr")
    expect(honoured).to_have_count(3)
    assert sorted(cell_texts(honoured.locator("td:first-child"))) == sorted(["李明", "王芳", "周敏"])
    expect(visitor.page.locator("main")).not_to_contain_text("赵")

    # === Li Ming's certificate: the PDF's QR code leads to "genuine". ==================================
    li = certificates["李明"]
    row = nominees.filter(has_text="李明")
    number_link = row.locator(f"a[href='/staff/certificates/{li.pk}.pdf']")
    expect(number_link).to_have_text(li.number)
    with page.expect_download() as downloaded:
        number_link.click()
    reader = pdf_of(downloaded.value)
    text = "".join(page_.extract_text() for page_ in reader.pages)
    assert "李明" in text and li.number in text, text
    printed = re.search(r"https?://\S+?/verify/[\w-]+/", re.sub(r"\s+", "", text))
    assert printed, f"no verification address printed on the certificate: {text!r}"
    verify_address = printed.group(0)
    assert urlsplit(verify_address).path == f"/verify/{li.code}/", verify_address
    images = [image for page_ in reader.pages for image in page_.images]
    assert any(qr_matches(image.image, verify_address) for image in images), (
        "the certificate's QR code does not carry its verification address"
    )

    checker = Phone.open(chromium, live_server.url, shots, "scan")
    checker.go(urlsplit(verify_address).path)  # the printed host is the production site's
    checker.check("verify-genuine")
    expect(checker.page.locator("#verify-genuine")).to_be_visible()
    expect(checker.page.locator("#verify-revoked")).to_have_count(0)
    expect(checker.page.locator("#verify-number")).to_have_text(li.number)
    expect(checker.page.locator("main dl.facts")).to_contain_text("李明")
    # A code that was never issued is not genuine.
    checker.go(f"/verify/{li.code[:-2]}xx/")
    checker.check("verify-unknown")
    expect(checker.page.locator("#verify-unknown")).to_be_visible()

    # === Staff revoke it with a reason: the same QR link now says "revoked". ===========================
    revoke = row.locator(f"form[action='/staff/certificates/{li.pk}/revoke/']")
    revoke.locator("input[name=reason]").fill(REVOKE_REASON)
    desk.check("revoking")
    desk.submit(revoke.locator("button[type=submit]"))
    desk.check("revoked")
    expect(desk.messages).to_contain_text(tr("Certificate %(number)s revoked.", number=li.number))
    expect(nominees.filter(has_text="李明").locator(".badge")).to_have_text(tr("Revoked"))
    li.refresh_from_db()
    assert li.revoked_at is not None and li.revoke_reason == REVOKE_REASON and li.revoked_by == w.city_staff

    checker.go(urlsplit(verify_address).path)
    checker.check("verify-revoked")
    expect(checker.page.locator("#verify-revoked")).to_be_visible()
    expect(checker.page.locator("#verify-revoked")).to_contain_text(REVOKE_REASON)
    expect(checker.page.locator("#verify-genuine")).to_have_count(0)

    visitor.go(roll_path)
    visitor.check("honour-roll-after-revocation")
    expect(honoured).to_have_count(2)
    assert sorted(cell_texts(honoured.locator("td:first-child"))) == sorted(["王芳", "周敏"])
    expect(visitor.page.locator("main")).not_to_contain_text("李明")

    # She sees the commendation marked revoked on My points, with no certificate to download.
    her = Phone.open(chromium, live_server.url, shots, "lawyer")
    her.log_in(w.lawyer.email)
    her.nav("/my/points/")
    her.check("my-points-revoked")
    mine = her.page.locator("#my-certificates li")
    expect(mine).to_have_count(1)
    expect(mine.locator(".badge")).to_have_text(tr("Revoked"))
    expect(mine.locator("a")).to_have_count(0)


# --- 2. Standings ----------------------------------------------------------------------------------------------


def test_lawyer_sees_where_she_stands_and_her_own_row_highlighted_on_the_standings(
    live_server, chromium, artifacts_dir, standings_world
):
    w = standings_world
    shots = Shots(artifacts_dir, "recognition")
    shots.count = 60
    # 王芳 of district B: second overall (after 李明's 80), first of her district's two.
    her = Phone.open(chromium, live_server.url, shots, "standings")
    page = her.page
    her.log_in(w.other_lawyer.email)
    her.nav("/my/points/")
    her.check("my-points")
    ranks = page.locator("#my-ranks li")
    overall = ranks.nth(0)
    expect(overall).to_contain_text(tr("No. %(rank)s of %(n)s", rank=2, n=5))
    district = ranks.filter(has_text="卫东区")
    expect(district).to_have_count(1)
    expect(district).to_contain_text(tr("No. %(rank)s of %(n)s", rank=1, n=2))
    # All her points are consultations: first on that service's board (李明 has 50 of his 80 there).
    consultation = ServiceType.objects.get(code="consultation")
    expect(ranks.filter(has_text=str(consultation))).to_contain_text(tr("No. %(rank)s of %(n)s", rank=1, n=4))

    her.submit(page.locator("#my-ranks a[href='/standings/']"))
    her.check("standings-overall")
    rows = page.locator("#leaderboard tbody tr")
    expect(rows).to_have_count(5)
    mine = page.locator("#leaderboard tr.mine")
    expect(mine).to_have_count(1)
    expect(mine).to_have_attribute("aria-current", "true")
    expect(mine).to_contain_text("王芳")
    expect(mine.locator("td").first).to_have_text("2")
    assert rows.nth(1).get_attribute("class") == "mine"
    # Highlighted: her row's cells have a background the others lack.
    backgrounds = [
        rows.nth(i).locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor") for i in range(5)
    ]
    assert backgrounds[1] != backgrounds[0] and backgrounds[0] == backgrounds[2], backgrounds
    # Others who opted out of public lists show by family name only.
    expect(page.locator("#leaderboard")).to_contain_text("赵**")
    expect(page.locator("#leaderboard")).not_to_contain_text("赵强")

    page.locator("#board").select_option(f"district|{w.district_b.pk}")
    her.submit(page.locator("#board-picker button[type=submit]"))
    her.check("standings-district")
    expect(page.locator("#board")).to_have_value(f"district|{w.district_b.pk}")
    expect(page.locator("main h2")).to_have_text("卫东区")
    expect(rows).to_have_count(2)
    assert [t.split("\n")[0] for t in cell_texts(rows.locator("td:nth-child(2)"))][1] == "孙丽"
    expect(rows.nth(0)).to_have_class("mine")
    expect(rows.nth(0).locator("td").first).to_have_text("1")

    # The standings are for people who are logged in.
    stranger = Phone.open(chromium, live_server.url, shots, "standings-anonymous")
    stranger.go("/standings/")
    assert "/accounts/login/" in stranger.page.url


# --- 3. A firm's public-service record -----------------------------------------------------------------------


def test_firm_admin_downloads_the_public_service_record_as_xlsx_and_pdf(
    live_server, chromium, artifacts_dir, standings_world
):
    from openpyxl import load_workbook

    w = standings_world
    shots = Shots(artifacts_dir, "recognition")
    shots.count = 80
    admin = Phone.open(chromium, live_server.url, shots, "firm")
    page = admin.page
    admin.log_in(w.firm_admin.email)
    admin.nav("/org/")  # one organisation: straight to its page
    assert page.url == f"{live_server.url}/org/{w.firm_a.pk}/members/"
    admin.check("organisation")
    admin.submit(page.locator("#firm-record-link"))
    admin.check("record")
    assert page.url.startswith(f"{live_server.url}/org/{w.firm_a.pk}/record/")
    expect(page.locator("main")).to_contain_text(w.firm_a.name)
    expect(page.locator("#firm-points")).to_have_text("80")  # 李明, its one member, 80 points
    expect(page.locator("#firm-hours")).to_have_text("8")
    expect(page.locator("#firm-members-table")).to_contain_text("李明")

    with page.expect_download() as downloaded:
        page.locator("#download-xlsx").click()
    xlsx = downloaded.value
    assert xlsx.suggested_filename.endswith(".xlsx"), xlsx.suggested_filename
    with open(xlsx.path(), "rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    values = {
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    }
    assert w.firm_a.name in values and "李明" in values, values

    # No statement yet: the admin issues it (a POST), then downloads it.
    expect(page.locator("#download-pdf")).to_have_count(0)
    admin.submit(page.locator("#issue-statement"))
    admin.check("statement-issued")
    statement = Certificate.objects.get(kind=Certificate.Kind.STATEMENT, organisation=w.firm_a)
    expect(page.locator("#statement-current")).to_contain_text(statement.number)
    with page.expect_download() as downloaded:
        page.locator("#download-pdf").click()
    pdf = downloaded.value
    assert pdf.suggested_filename.endswith(".pdf"), pdf.suggested_filename
    text = "".join(p.extract_text() for p in pdf_of(pdf).pages)
    assert w.firm_a.name in text and "李明" in text, text
    assert Certificate.objects.filter(kind=Certificate.Kind.STATEMENT).count() == 1, "the download issued another"
    assert statement.number in text and statement.points == Decimal("80")

    # The statement's QR code leads to the verification page: genuine.
    admin.go(f"/verify/{statement.code}/")
    admin.check("statement-verified")
    expect(page.locator("#verify-genuine")).to_be_visible()
    expect(page.locator("main dl.facts")).to_contain_text(w.firm_a.name)

    # Another firm's record is not theirs to see.
    admin.go(f"/org/{w.firm_b.pk}/record/")
    expect(page.locator("main")).not_to_contain_text(w.firm_b.name)
    refused = page.context.request.get(f"{live_server.url}/org/{w.firm_b.pk}/record.xlsx")
    assert refused.status == 404, refused.status


# --- Bugs found on the way, fixed: an added nominee's district, the firm page's header ------------------------------------------------


def test_a_nominee_added_by_hand_shows_her_district_on_the_honour_roll(
    live_server, chromium, artifacts_dir, standings_world, eager_celery
):
    from pointbook.commendations import services as commendations

    w = standings_world
    category = commendations.category_create(
        actor=w.city_staff,
        region=w.city,
        year=YEAR,
        name_zh=AWARD_ZH,
        name_en=AWARD_EN,
        basis=AwardCategory.Basis.TOP_PER_DISTRICT,
        top_n=1,
    )
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    commendations.nomination_add(
        category_id=category.pk, actor=w.city_staff, reason=ADD_REASON, contributor=w.third_a
    )  # 周敏 of 光明社区, district A 新华区
    commendations.notice_publish(category_id=category.pk, actor=w.city_staff)
    # As if the five working days of the notice were over.
    AwardCategory.objects.filter(pk=category.pk).update(
        notice_ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    commendations.category_approve(category_id=category.pk, actor=w.city_staff)
    roll = HonourRollPage.objects.get(category=category)

    shots = Shots(artifacts_dir, "recognition")
    shots.count = 90
    visitor = Phone.open(chromium, live_server.url, shots, "bug-added-nominee")
    visitor.go(urlsplit(roll.url).path)
    visitor.check("honour-roll")
    row = visitor.page.locator("#honourees tbody tr").filter(has_text="周敏")
    expect(row.locator("td").nth(1)).to_have_text("新华区", timeout=2_000)


def test_the_site_header_keeps_its_height_on_the_firm_record_page(
    live_server, chromium, artifacts_dir, standings_world
):
    w = standings_world
    shots = Shots(artifacts_dir, "recognition")
    shots.count = 95
    admin = Phone.open(chromium, live_server.url, shots, "bug-firm-header")
    admin.log_in(w.firm_admin.email)
    header = admin.page.locator("header.site")
    logout = admin.page.locator("header.site form[action='/accounts/logout/']")
    admin.go(f"/org/{w.firm_a.pk}/members/")
    normal = header.bounding_box()["height"]
    admin.go(f"/org/{w.firm_a.pk}/record/")
    admin.check("record")
    box, out = header.bounding_box(), logout.bounding_box()
    assert box["height"] == normal, f"header {box['height']}px high here, {normal}px on the organisation page"
    assert out["y"] + out["height"] <= box["y"] + box["height"], "the logout button hangs below the header"
