"""A lawyer signs up on a phone, asks to join her firm, the firm's admin confirms her, and she sees it.

Everything happens in a real (headless) Chromium at 390×844, in Simplified Chinese, the site's
default, even though the browser asks for English: the language switch is the only way to English.
Each page is checked for <html lang>, horizontal overflow and its key strings, translated, and
photographed into test-artifacts/e2e/.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.utils import translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from volunteers.models import Contributor, Membership, Organisation, Region, ServiceType, User
from volunteers.people import services

# serialized_rollback: the home page (cms migration 0002) and the service catalogue (volunteers
# migration 0002) are migration data, which any earlier transactional test would have flushed.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ADMIN_EMAIL = "wang.jianguo@yingcheng-law.example.cn"
ADMIN_PASSWORD = "Yingcheng-Admin-2024"
NEW_EMAIL = "zhang.xiaoming@example.cn"
NEW_PASSWORD = "Lushi-Gongyi-8846"
NEW_NAME = "张晓明"
NEW_PHONE = "13800138000"
NEW_LICENCE = "14104201810654321"  # a lawyer's practice licence number: 17 digits
FIRM_NAME = "平顶山鹰城律师事务所"


def tr(msgid, lang="zh-hans", context=None, **params):
    """What the site should show for `msgid` (in `context`, if given) in `lang`, computed from the
    same catalogues the live server uses."""
    with translation.override(lang):
        text = pgettext(context, msgid) if context else gettext(msgid)
    return text % params if params else text


@pytest.fixture
def city():
    """A city → district → township tree, a law firm in the district and its administrator, who is
    also a practising lawyer. Made through the project's services, as staff would."""
    root = Region.add_root(code="410400", name="平顶山市", level=Region.Level.CITY)
    district = services.region_add_child(actor=None, scope=root, parent=root, code="410402", name="新华区")
    township = services.region_add_child(actor=None, scope=root, parent=district, code="410402001", name="中兴路街道")
    firm = services.organisation_save(
        actor=None,
        scope=root,
        name=FIRM_NAME,
        kind=Organisation.Kind.LAW_FIRM,
        region=district,
        licence_number="31410000123456789",
        address="新华区中兴路88号",
        phone="0375-2345678",
    )
    admin = User.objects.create_user(ADMIN_EMAIL, ADMIN_PASSWORD, first_name="建国", last_name="王")
    EmailAddress.objects.create(user=admin, email=ADMIN_EMAIL, verified=True, primary=True)
    services.organisation_admin_add(actor=None, organisation=firm, user=admin)
    services.profile_complete(
        user=admin,
        kind=Contributor.Kind.LAWYER,
        legal_name="王建国",
        phone="13912345678",
        region=district,
        licence_number="14104200010123456",
        specialities=ServiceType.objects.filter(code="legal_aid"),
    )
    return {"root": root, "district": district, "township": township, "firm": firm, "admin": admin}


class Journey:
    """The browser page plus the checks every page of the journey must pass."""

    def __init__(self, page, base_url, artifacts):
        self.page = page
        self.base_url = base_url
        self.artifacts = artifacts
        self.shots = 0
        self.untranslated = []  # msgids shown in English on a Chinese page
        self.server_errors = []
        page.on("response", lambda r: r.status >= 500 and self.server_errors.append(f"{r.status} {r.url}"))

    def go(self, path):
        self.page.goto(self.base_url + path)

    def see(self, msgid, lang="zh-hans", within=None, context=None, **params):
        """The translated string is on the page; on a Chinese page it must really be Chinese."""
        expected = tr(msgid, lang, context, **params)
        expect(within or self.page.locator("body")).to_contain_text(expected)
        if lang == "zh-hans" and expected == (msgid % params if params else msgid):
            if msgid not in self.untranslated:
                self.untranslated.append(msgid)
        return expected

    def check(self, name, *, lang="zh-hans", strings=()):
        """Photograph the page, then: right language, nothing wider than the phone, key strings."""
        page = self.page
        page.wait_for_load_state("load")
        self.shots += 1
        page.screenshot(path=str(self.artifacts / f"{self.shots:02d}-{name}.png"), full_page=True)
        assert not self.server_errors, f"{name}: server error(s) {self.server_errors}"
        expect(page.locator("html")).to_have_attribute("lang", lang)
        phone_width = page.viewport_size["width"]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= phone_width, (
            f"{name} ({page.url}) is {width}px wide on a {phone_width}px phone: something overflows"
        )
        for msgid in strings:
            # ("person", "Name") is a msgid with a context, {% trans "Name" context "person" %}.
            context, msgid = msgid if isinstance(msgid, tuple) else (None, msgid)
            self.see(msgid, lang, context=context)

    def button(self, msgid, within=None, **params):
        return (within or self.page).get_by_role("button", name=tr(msgid, **params), exact=True)

    def link(self, msgid, within=None):
        return (within or self.page).get_by_role("link", name=tr(msgid), exact=True)

    @property
    def header(self):
        return self.page.locator("header.site")

    def log_out(self):
        self.button("Log out", within=self.header).click()
        self.page.wait_for_url(self.base_url + "/")
        expect(self.link("Log in", within=self.header)).to_be_visible()

    def log_in(self, email, password):
        self.link("Log in", within=self.header).click()
        self.page.wait_for_url(re.compile(r"/accounts/login/"))
        self.check("login", strings=["Sign In"])
        self.page.locator("input[name=login]").fill(email)
        self.page.locator("input[name=password]").fill(password)
        with self.page.expect_navigation():
            self.button("Sign In", within=self.page.locator("main")).click()
        self.page.wait_for_load_state("load")
        assert not self.server_errors, f"logging in as {email}: server error(s) {self.server_errors}"
        assert "/accounts/login/" not in self.page.url, f"still on the login page after logging in as {email}"
        expect(self.button("Log out", within=self.header)).to_be_visible()


def test_lawyer_signs_up_and_is_confirmed_by_her_firm(live_server, phone, artifacts_dir, mailoutbox, city):
    firm = city["firm"]
    journey = Journey(phone, live_server.url, artifacts_dir)
    page = phone

    # --- A visitor on a phone opens the site: Chinese, although the browser asked for English.
    journey.go("/")
    journey.check("home-visitor", strings=["Public legal service pro-bono points", "Sign up", "Log in"])

    # --- Sign up with email and password.
    journey.link("Sign up", within=journey.header).click()
    page.wait_for_url(re.compile(r"/accounts/signup/$"))
    journey.check("signup", strings=["Sign Up"])
    page.locator("input[name=email]").fill(NEW_EMAIL)
    page.locator("input[name=password1]").fill(NEW_PASSWORD)
    page.locator("input[name=password2]").fill(NEW_PASSWORD)
    journey.button("Sign Up", within=page.locator("main")).click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    journey.check("verification-sent", strings=["Check your email"])
    journey.see(
        "We have emailed you a link. Open it to confirm your email address and finish signing up.",
        within=page.locator("main"),
    )

    # --- The verification email (locmem outbox: live_server runs in this process).
    assert len(mailoutbox) == 1, [m.subject for m in mailoutbox]
    message = mailoutbox[0]
    assert message.to == [NEW_EMAIL]
    assert message.subject == tr(
        "%(site_name)s: confirm your email address", site_name=tr("Public legal service pro-bono points")
    )
    links = re.findall(r"https?://\S+/accounts/confirm-email/[^/\s]+/", message.body)
    assert links, message.body
    page.goto(links[0])
    journey.check("confirm-email", strings=["Confirm your email address"])
    expect(page.locator("main")).to_contain_text(NEW_EMAIL)
    journey.button("Confirm", within=page.locator("main")).click()

    # --- Logged in, and sent to finish the profile before anything else.
    page.wait_for_url(re.compile(r"/profile/edit/"))
    journey.check(
        "profile-complete-empty",
        strings=[
            "Complete your profile",
            "Before you can sign up for service, tell us who you are and where you serve.",
            "I serve as",
            "Legal name",
            "Mobile phone",
            "Region where you mainly serve",
            "Specialities",
            "Practice licence number",
            "Ask to join an organisation",
            "The organisation's administrator will confirm that you belong to it.",
            "Save",
            "Log out",
        ],
    )
    assert EmailAddress.objects.get(email=NEW_EMAIL).verified

    page.locator("#id_kind").select_option(Contributor.Kind.LAWYER.value)
    page.locator("#id_legal_name").fill(NEW_NAME)
    page.locator("#id_phone").fill(NEW_PHONE)
    page.locator("#id_region").select_option(str(city["township"].pk))
    consultation = ServiceType.objects.get(code="consultation")
    page.get_by_label(consultation.name_zh, exact=True).check()
    page.locator("#id_licence_number").fill(NEW_LICENCE)
    page.locator("#id_organisation").select_option(str(firm.pk))
    journey.check("profile-complete-filled")
    journey.button("Save", within=page.locator("main")).click()

    # --- Saved; the request to join the firm waits for its administrator.
    journey.see("Your profile has been saved.", within=page.locator(".messages"))
    journey.see(
        "Your request to join %(org)s is waiting for confirmation.", within=page.locator(".messages"), org=FIRM_NAME
    )
    page.wait_for_url(re.compile(r"/profile/$"))
    journey.check(
        "profile-waiting",
        strings=[
            "My profile",
            ("person", "Name"),
            "I serve as",
            "Mobile phone",
            "Region",
            "Practice licence number",
            "Specialities",
            "Organisation",
            "Withdraw the request",
            "Membership history",
            "Waiting for confirmation",
        ],
    )
    main = page.locator("main")
    expect(main).to_contain_text(NEW_NAME)
    expect(main).to_contain_text(NEW_PHONE)
    expect(main).to_contain_text(NEW_LICENCE)
    expect(main).to_contain_text(city["township"].name)
    expect(main).to_contain_text(consultation.name_zh)
    journey.see("Your request to join %(org)s is waiting for the organisation's confirmation.", org=FIRM_NAME)
    journey.see("None", within=page.locator("#current-organisation"))
    contributor = Contributor.objects.get(user__email=NEW_EMAIL)
    assert contributor.licence_number == NEW_LICENCE
    assert contributor.memberships.get().status == Membership.Status.PENDING

    # --- The firm's administrator logs in and confirms her.
    journey.log_out()
    journey.check("home-logged-out", strings=["Sign up", "Log in"])
    journey.log_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    journey.check("home-admin", strings=["What you can do", "My organisation", "My profile", "Account"])
    journey.link("My organisation", within=journey.header).click()
    page.wait_for_url(re.compile(rf"/org/{firm.pk}/members/$"))
    pending = page.locator("#pending-requests")
    journey.check(
        "org-pending",
        strings=[
            "Requests to join",
            "Members",
            "Licence number",
            ("person", "Name"),
            "Kind",
            "Practice licence number",
            "Asked on",
            "Confirm",
            "Decline",
            "No members yet.",
        ],
    )
    expect(page.locator("h1")).to_have_text(FIRM_NAME)
    row = pending.locator("tbody tr").filter(has_text=NEW_NAME)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(NEW_EMAIL)
    expect(row).to_contain_text(NEW_LICENCE)
    journey.see("Lawyer", within=row)
    journey.button("Confirm", within=row).click()

    journey.see("%(name)s is now a member.", within=page.locator(".messages"), name=NEW_NAME)
    expect(page.locator("#pending-requests")).to_have_count(0)
    expect(page.locator("#members")).to_contain_text(NEW_NAME)
    journey.check("org-confirmed", strings=["No requests are waiting.", "Members", "Member from", "Remove"])
    assert contributor.memberships.get().status == Membership.Status.ACTIVE

    # --- She logs in again and sees her firm.
    journey.log_out()
    journey.log_in(NEW_EMAIL, NEW_PASSWORD)
    journey.check("home-member", strings=["What you can do", "My profile"])
    journey.link("My profile", within=journey.header).click()
    page.wait_for_url(re.compile(r"/profile/$"))
    current = page.locator("#current-organisation")
    expect(current).to_contain_text(FIRM_NAME)
    journey.check("profile-member", strings=["My profile", "Member", "Move to another organisation"])
    journey.see("Leave %(org)s", org=FIRM_NAME)

    # --- The language switch in the header: the same page, in English.
    with page.expect_navigation():
        page.locator("form.lang-switch").get_by_role("button", name="EN", exact=True).click()
    page.wait_for_url(re.compile(r"/profile/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My profile")
    journey.check("profile-member-en", lang="en", strings=["My profile", "Edit profile", "Log out"])
    expect(current).to_contain_text(FIRM_NAME)
    expect(page.locator("form.lang-switch button[aria-current=true]")).to_have_text("EN")

    # Every Chinese page above showed these strings, but still in English.
    assert not journey.untranslated, (
        f"{len(journey.untranslated)} string(s) shown untranslated on Chinese pages: {journey.untranslated}"
    )
