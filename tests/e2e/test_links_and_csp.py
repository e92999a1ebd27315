"""Links that lead somewhere and pages that run under the Content-Security-Policy, in headless Chromium.

1. The QR codes: a lawyer's award certificate and a firm's public-service statement (issued with the
   button, then downloaded) each carry a QR code; decoded, it is an address on the site the test
   serves (SITE_URL is the live server's address, as `make run` sets it from PORT), and opening it
   shows the document genuine.
2. The Content-Security-Policy: every page is served with it (this origin only, no inline script or
   style), and the main journeys run under it with no violation reported by the browser: home, an
   opportunity and signing up for a shift, login, My points, the language switch; a firm's record and
   its year switch; staff's records queue, a job page whose poller updates its progress, the Wagtail
   editor's dashboard and page editor.

One browser, one context per person, few page loads: this runs in CI's time budget.
"""

import datetime
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pointbook.commendations.certificates import certificate_issue
from pointbook.models import Certificate
from tests.factories import PASSWORD, ShiftFactory
from volunteers.models import ExportJob, Signup

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

YEAR = timezone.localdate().year

# Every violation the page reports, wherever it comes from (an element, a worker, a style), goes to
# the test through a binding the page cannot block.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportCspViolation(
    `${location.pathname}: ${e.effectiveDirective} refused ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`
  );
}, true);
"""


class Person:
    """One person's browser context (their own session), recording what the browser refused under the
    policy and any server error."""

    def __init__(self, browser, base_url):
        self.base_url = base_url
        self.context = browser.new_context(locale="zh-CN", accept_downloads=True)
        self.context.set_default_timeout(10_000)
        self.violations = []
        self.server_errors = []
        self.context.expose_function("reportCspViolation", lambda text: self.violations.append(text))
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("response", lambda r: r.status >= 500 and self.server_errors.append(f"{r.status} {r.url}"))

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append(f"{self.page.url}: {message.text}")

    def go(self, path):
        response = self.page.goto(path if path.startswith("http") else self.base_url + path)
        self.page.wait_for_load_state("load")
        return response

    def submit(self, button):
        with self.page.expect_navigation():
            button.click()
        self.page.wait_for_load_state("load")

    def log_in(self, email):
        self.go("/accounts/login/")
        self.page.locator("input[name=login]").fill(email)
        self.page.locator("input[name=password]").fill(PASSWORD)
        self.submit(self.page.locator("main button[type=submit]"))
        assert "/accounts/login/" not in self.page.url, f"still on the login page after logging in as {email}"

    def download(self, link):
        with self.page.expect_download() as downloaded:
            link.click()
        with open(downloaded.value.path(), "rb") as handle:
            return handle.read()

    def assert_clean(self):
        assert not self.server_errors, self.server_errors
        assert not self.violations, "refused under the Content-Security-Policy:\n" + "\n".join(self.violations)


def qr_address(pdf):
    """The address the PDF's QR code carries, decoded from the image embedded in the PDF."""
    import zxingcpp
    from pypdf import PdfReader

    found = [
        code.text
        for page in PdfReader(io.BytesIO(pdf)).pages
        for image in page.images
        for code in zxingcpp.read_barcodes(image.image)
        if code.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert len(found) == 1, found
    return found[0]


def test_qr_codes_lead_to_the_site_and_the_main_journeys_run_under_the_content_security_policy(
    live_server, chromium, world, rota
):
    w = world
    assert live_server.url.rsplit(":", 1)[1] != "8000", "the live server must not be on the default port"
    certificate = certificate_issue(
        kind=Certificate.Kind.AWARD,
        contributor=w.lawyer_contributor,
        holder_name=w.lawyer_contributor.legal_name,
        title_zh="优秀公益法律服务者",
        title_en="Outstanding pro-bono legal service",
        year=YEAR - 1,
        hours=60,
        points=600,
    )
    free = ShiftFactory(
        opportunity=rota.opportunity_a,
        venue=w.venue_a,
        starts_at=timezone.now().replace(microsecond=0) + datetime.timedelta(days=10),
    )
    job = ExportJob.objects.create(
        dataset="regions",
        format=ExportJob.Format.CSV,
        region=w.district_a,
        requested_by=w.staff_a,
        status=ExportJob.Status.RUNNING,
        progress=10,
    )

    # === The lawyer ===================================================================================
    lawyer = Person(chromium, live_server.url)
    page = lawyer.page
    home = lawyer.go("/")
    policy = home.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy, policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "http" not in policy, policy
    # The listener hears a refused inline script, so its silence below means something.
    page.evaluate("document.body.append(Object.assign(document.createElement('script'), {textContent: '1'}))")
    for _ in range(50):  # the report arrives through the binding, a moment later
        if lawyer.violations:
            break
        page.wait_for_timeout(50)
    assert any("script-src" in v for v in lawyer.violations), lawyer.violations
    page.wait_for_timeout(300)  # the console's copy of the report, too
    lawyer.violations.clear()

    lawyer.log_in(w.lawyer.email)
    lawyer.go(rota.opportunity_a.url)
    lawyer.page.locator(f"#shift-list [data-shift='{free.pk}'] input[name=shift]").check()
    lawyer.submit(page.locator("#signup-selected"))
    assert Signup.objects.filter(shift=free, contributor=w.lawyer_contributor).exists()
    lawyer.go("/my/points/")
    # The certificate's QR code: the live site's verification page, genuine.
    address = qr_address(
        lawyer.download(page.locator(f"#my-certificates a[href='/my/certificates/{certificate.pk}.pdf']"))
    )
    assert address == f"{live_server.url}/verify/{certificate.code}/", address
    lawyer.go(address)
    expect(page.locator("#verify-genuine")).to_be_visible()
    expect(page.locator("#verify-number")).to_have_text(certificate.number)

    # The language switch (a form) still works.
    lawyer.submit(page.locator("form.lang-switch button[value=en]"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    lawyer.assert_clean()

    # === The firm admin: the record, its year switch, the statement and its QR code ===================
    admin = Person(chromium, live_server.url)
    page = admin.page
    admin.log_in(w.firm_admin.email)
    admin.go(f"/org/{w.firm_a.pk}/record/")
    # The record's styles come from the stylesheet: four summary tiles a row on a wide screen.
    columns = page.locator("#firm-summary").evaluate("e => getComputedStyle(e).gridTemplateColumns.split(' ').length")
    assert columns == 4, columns
    with page.expect_navigation():
        page.locator("#year").select_option(str(YEAR - 1))  # the select submits its form (static JS)
    assert page.url.endswith(f"?year={YEAR - 1}"), page.url
    admin.go(f"/org/{w.firm_a.pk}/record/")
    expect(page.locator("#statement-none")).to_be_visible()
    admin.submit(page.locator("#issue-statement"))
    statement = Certificate.objects.get(kind=Certificate.Kind.STATEMENT, organisation=w.firm_a)
    address = qr_address(admin.download(page.locator("#download-pdf")))
    assert address == f"{live_server.url}/verify/{statement.code}/", address
    admin.go(address)
    expect(page.locator("#verify-genuine")).to_be_visible()
    expect(page.locator("main dl.facts")).to_contain_text(w.firm_a.name)
    admin.assert_clean()

    # === Staff: the records queue, a job's poller, the Wagtail editor ===================================
    staff = Person(chromium, live_server.url)
    page = staff.page
    staff.log_in(w.staff_a.email)
    staff.go(f"/staff/exports/{job.pk}/")
    expect(page.locator("#export-percent")).to_have_text("10%")
    ExportJob.objects.filter(pk=job.pk).update(progress=60)
    expect(page.locator("#export-percent")).to_have_text("60%")  # polled by static/js/site.js
    dashboard = staff.go("/cms-admin/")
    expect(page.locator("#wagtail-sidebar")).to_be_attached()
    # The editor's relaxation (inline script and style) is its own: the site's pages never get it.
    assert "'unsafe-inline'" in dashboard.headers["content-security-policy"]
    assert "'unsafe-inline'" not in staff.go("/staff/records/").headers["content-security-policy"]
    staff.go(f"/cms-admin/pages/{rota.opportunity_a.pk}/edit/")
    expect(page.locator("#id_title")).to_have_value(rota.opportunity_a.title)
    page.wait_for_load_state("networkidle")
    staff.assert_clean()
