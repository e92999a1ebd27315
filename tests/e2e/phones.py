"""A person's phone in a browser journey (their own context at 390×844) and the journey's
numbered screenshots, shared by the journeys in this folder."""

from playwright.sync_api import expect

from tests.e2e.conftest import PHONE
from tests.factories import PASSWORD


class Shots:
    """Numbers a journey's screenshots across everyone's phones: <prefix>-01-…, <prefix>-02-…"""

    def __init__(self, artifacts, prefix):
        self.artifacts = artifacts
        self.prefix = prefix
        self.count = 0

    def path(self, name):
        self.count += 1
        return str(self.artifacts / f"{self.prefix}-{self.count:02d}-{name}.png")


class Phone:
    """One person's phone: their own browser context (cookies, session) at 390×844."""

    def __init__(self, page, base_url, shots, who):
        self.page = page
        self.base_url = base_url
        self.shots = shots
        self.who = who
        self.server_errors = []
        page.on("response", lambda r: r.status >= 500 and self.server_errors.append(f"{r.status} {r.url}"))
        self.dialogs = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.accept()))

    @classmethod
    def open(cls, browser, base_url, shots, who):
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=1, locale="en-US", is_mobile=True, has_touch=True
        )
        context.set_default_timeout(10_000)
        return cls(context.new_page(), base_url, shots, who)

    def go(self, path):
        self.page.goto(path if path.startswith("http") else self.base_url + path)

    def check(self, name):
        """Photograph the page, then: no server error, Chinese, nothing wider than the phone."""
        page = self.page
        page.wait_for_load_state("load")
        page.screenshot(path=self.shots.path(f"{self.who}-{name}"), full_page=True)
        assert not self.server_errors, f"{self.who} {name}: server error(s) {self.server_errors}"
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width <= PHONE["width"]:
            return
        raise AssertionError(
            f"{self.who} {name} ({page.url}) is {width}px wide on a {PHONE['width']}px phone: "
            f"{self.overflowing()} stick out"
        )

    def overflowing(self):
        """The elements whose right edge is past the phone's, as tag#id.class."""
        return self.page.evaluate(
            """([limit]) => Array.from(document.querySelectorAll("body *"))
            .filter(e => e.getBoundingClientRect().right > limit + 0.5)
            .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                 + (typeof e.className === "string" && e.className ? "." + e.className.split(" ").join(".") : ""))""",
            [PHONE["width"]],
        )

    def submit(self, button):
        """Press a button that posts a form (or follow a link) and wait for the page it leads to."""
        with self.page.expect_navigation():
            button.click()
        self.page.wait_for_load_state("load")

    def nav(self, href):
        """Follow a link of the site's header."""
        self.submit(self.page.locator(f"header.site a[href='{href}']"))

    @property
    def messages(self):
        return self.page.locator("main .messages")

    def log_in(self, email):
        self.go("/accounts/login/")
        self.check("login")
        self.page.locator("input[name=login]").fill(email)
        self.page.locator("input[name=password]").fill(PASSWORD)
        self.submit(self.page.locator("main button[type=submit]"))
        assert not self.server_errors, f"logging in as {email}: server error(s) {self.server_errors}"
        assert "/accounts/login/" not in self.page.url, f"still on the login page after logging in as {email}"
        expect(self.page.locator("header.site form[action='/accounts/logout/']")).to_have_count(1)
