"""An hours certificate on a phone, end to end.

City staff set the city's hours-certificate settings (a non-image "seal" is refused with a message,
then the seal PNG is kept). The lawyer asks for a certificate of last year, typing her identity document
with the request; another person, district A's staff, signs it off. The lawyer downloads the PDF: it names
her, her masked ID number, the hours, the bureau and its officers, and its QR code carries the
verification address, which says the certificate is valid. Staff revoke it with a reason: the same address
then says revoked, with the reason, and the lawyer's page marks it revoked. The lawyer's page is also
read in English.

Each person uses their own browser context at 390×844; every page is checked for server errors,
<html lang="zh-hans"> and horizontal overflow, and photographed into test-artifacts/e2e/hours-*.png
(the PDF's page too, when PyMuPDF is installed).
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

from demo.hours_certificates import seal_png
from pointbook.models import HoursCertificate, HoursCertificateConfig
from tests.e2e.phones import Phone, Shots
from tests.support.ledger import post
from volunteers.models import ServiceType

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LAST_YEAR = timezone.localdate().year - 1
ID_NUMBER = "11010519491231002X"
MASKED = "1101**********002X"
REVOKE_REASON = "经复查，部分服务时长登记不实。"


def tr(msgid, lang="zh-hans", **params):
    with translation.override(lang):
        text = gettext(msgid)
    return text % params if params else text


def test_a_lawyer_gets_an_hours_certificate_signed_off_downloads_it_and_its_qr_verifies_until_revoked(
    live_server, chromium, artifacts_dir, world, home_page, tmp_path
):
    import zxingcpp
    from pypdf import PdfReader

    w = world
    w.staff_a.last_name, w.staff_a.first_name = "周", "婷"
    w.staff_a.save()
    hotline = ServiceType.objects.get(code="hotline_12348")
    duty = ServiceType.objects.get(code="duty_lawyer")
    post(w.lawyer_contributor, datetime.date(LAST_YEAR, 3, 5), 3, 30, service_type=hotline)
    post(w.lawyer_contributor, datetime.date(LAST_YEAR, 9, 9), Decimal("4.5"), 45, service_type=duty)
    shots = Shots(artifacts_dir, "hours")

    # === City staff set the settings: a bad seal is refused, the real one kept. =======================
    city = Phone.open(chromium, live_server.url, shots, "city")
    city.log_in(w.city_staff.email)
    city.go("/staff/hours-certificates/settings/")
    city.check("settings-empty")
    form = city.page.locator("#hours-settings")
    form.locator("input[name=bureau_name]").fill("平顶山市司法局")
    form.locator("input[name=person_in_charge]").fill("张建国")
    form.locator("input[name=handling_officer]").fill("刘敏")
    form.locator("input[name=contact]").fill("0375-12348")
    form.locator("input[name=seal]").set_input_files(
        files=[{"name": "公章.png", "mimeType": "image/png", "buffer": b"this is not an image"}]
    )
    city.submit(form.locator("button[type=submit]"))
    city.check("settings-bad-seal")
    expect(form.locator(".errorlist")).to_contain_text(
        tr("%(name)s is not a PNG or JPEG image (checked from its content, not its name).", name="公章.png")
    )
    assert not HoursCertificateConfig.objects.exists()
    form.locator("input[name=seal]").set_input_files(
        files=[{"name": "公章.png", "mimeType": "image/png", "buffer": seal_png("平顶山市司法局")}]
    )
    city.submit(form.locator("button[type=submit]"))
    city.check("settings-saved")
    expect(city.messages).to_contain_text(tr("Settings saved for %(region)s.", region=w.city.name))
    expect(city.page.locator("#seal-preview img")).to_be_visible()
    assert city.page.evaluate("document.querySelector('#seal-preview img').naturalWidth") == 400

    # === The lawyer asks for last year, typing her ID with the request. ===============================
    her = Phone.open(chromium, live_server.url, shots, "lawyer")
    her.log_in(w.lawyer.email)
    her.nav("/my/hours-certificates/")
    her.check("ask")
    ask = her.page.locator("#hours-request")
    ask.locator("select[name=year]").select_option(str(LAST_YEAR))
    ask.locator("select[name=id_type]").select_option("resident_id")
    ask.locator("input[name=id_number]").fill("110105194912310021")  # a wrong check digit first
    her.submit(ask.locator("button[type=submit]"))
    her.check("ask-wrong-id")
    expect(ask.locator(".errorlist")).to_contain_text(
        tr("This identity card number is not valid: check each digit again.")
    )
    assert not HoursCertificate.objects.exists()
    ask.locator("input[name=id_number]").fill(ID_NUMBER.lower())
    her.submit(ask.locator("button[type=submit]"))
    her.check("asked")
    expect(her.messages).to_contain_text(tr("Request sent. Bureau staff will sign it off; it then appears below."))
    expect(her.page.locator("#id-on-file")).to_contain_text(MASKED)
    expect(her.page.locator("main")).not_to_contain_text(ID_NUMBER)
    row = her.page.locator("#hours-certificates tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(tr("Waiting for sign-off"))

    # === District A's staff sign it off. =============================================================
    desk = Phone.open(chromium, live_server.url, shots, "staff")
    desk.log_in(w.staff_a.email)
    desk.go("/staff/hours-certificates/")
    desk.check("queue")
    waiting = desk.page.locator("#hours-pending tbody tr")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("李明")
    desk.submit(waiting.get_by_role("button", name=tr("Sign off and issue")))
    desk.check("issued")
    issued = HoursCertificate.objects.select_related("certificate").get()
    certificate = issued.certificate
    expect(desk.messages).to_contain_text(tr("Certificate %(number)s issued.", number=certificate.number))
    assert certificate.hours == Decimal("7.50") and issued.handling_officer == "周婷"

    # === The lawyer downloads it: what it says, and where its QR code leads. ==========================
    her.go("/my/hours-certificates/")
    her.check("issued")
    with her.page.expect_download() as downloaded:
        row.get_by_role("link", name=tr("Download (PDF)")).click()
    pdf_path = artifacts_dir / "hours-certificate.pdf"
    downloaded.value.save_as(pdf_path)
    body = pdf_path.read_bytes()
    assert body.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1
    text = re.sub(r"\s+", "", reader.pages[0].extract_text())
    for expected in (
        "志愿服务记录证明",
        certificate.number,
        "李明",
        MASKED,
        "7.50",
        "平顶山市司法局",
        "张建国",
        "周婷",
        "0375-12348",
        f"{LAST_YEAR}-01-01至{LAST_YEAR}-12-31",
    ):
        assert expected in text, (expected, text)
    assert ID_NUMBER not in text
    decoded = [
        result.text for image in reader.pages[0].images for result in zxingcpp.read_barcodes(image.image.convert("RGB"))
    ]
    assert len(decoded) == 1, decoded
    verify_address = decoded[0]
    assert urlsplit(verify_address).path == f"/verify/{certificate.code}/", verify_address
    try:
        import pymupdf
    except ImportError:
        pass
    else:
        pymupdf.open(pdf_path)[0].get_pixmap(dpi=80).save(str(artifacts_dir / "hours-certificate-page.png"))

    checker = Phone.open(chromium, live_server.url, shots, "scan")
    checker.go(urlsplit(verify_address).path)
    checker.check("verify-valid")
    expect(checker.page.locator("#verify-genuine")).to_be_visible()
    expect(checker.page.locator("#verify-number")).to_have_text(certificate.number)
    facts = checker.page.locator("#hours-facts")
    expect(facts).to_contain_text("李明")
    expect(facts).to_contain_text(MASKED)
    expect(checker.page.locator("#verify-hours")).to_have_text("7.50")
    expect(checker.page.locator("main")).not_to_contain_text(ID_NUMBER)
    expect(checker.page.locator("main")).not_to_contain_text(w.lawyer_contributor.phone)

    # === Staff revoke it with a reason: the QR's address says so. ====================================
    desk.go("/staff/hours-certificates/")
    decided = desk.page.locator("#hours-decided tbody tr").filter(has_text=certificate.number)
    revoke = decided.locator(f"form[action='/staff/certificates/{certificate.pk}/revoke/']")
    revoke.locator("input[name=reason]").fill(REVOKE_REASON)
    desk.check("revoking")
    desk.submit(revoke.locator("button[type=submit]"))
    desk.check("revoked")
    expect(desk.messages).to_contain_text(tr("Certificate %(number)s revoked.", number=certificate.number))
    expect(decided.locator(".badge")).to_have_text(tr("Revoked"))

    checker.go(urlsplit(verify_address).path)
    checker.check("verify-revoked")
    expect(checker.page.locator("#verify-revoked")).to_contain_text(REVOKE_REASON)
    expect(checker.page.locator("#verify-genuine")).to_have_count(0)

    her.go("/my/hours-certificates/")
    her.check("revoked")
    expect(row.locator(".badge")).to_have_text(tr("Revoked"))
    expect(row.get_by_role("link", name=tr("Download (PDF)"))).to_have_count(0)

    # === The same page in English. ===================================================================
    her.submit(her.page.locator("form.lang-switch button[value=en]"))
    her.page.screenshot(path=shots.path("lawyer-english"), full_page=True)
    expect(her.page.locator("html")).to_have_attribute("lang", "en")
    expect(her.page.locator("h1")).to_have_text("Hours certificates")
    expect(row).to_contain_text("Revoked")
    assert her.page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not her.server_errors
