"""Browser journeys: headless Debian Chromium driven by Playwright against pytest-django's live_server.

Playwright's sync API runs an asyncio event loop in the test thread, which makes Django refuse
ORM calls from that thread ("You cannot call this from an async context"). The tests arrange data
and read the mail outbox from that thread, so allow it — only while a browser is open.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


@pytest.fixture(autouse=True)
def _links_lead_to_the_live_server(request, settings):
    """QR codes, emails and feed links are built on SITE_URL: in a journey, the live server's address."""
    if "live_server" in request.fixturenames:
        settings.SITE_URL = request.getfixturevalue("live_server").url


@pytest.fixture
def artifacts_dir():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def chromium(monkeypatch):
    """A fresh headless Chromium for one test, closed afterwards whatever happens."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run browser journeys")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone(chromium):
    """A page in a 390×844 phone viewport. The browser asks for English (Accept-Language), which
    the site must ignore: it is Chinese first until the visitor uses the language switch."""
    context = chromium.new_context(
        viewport=PHONE, device_scale_factor=1, locale="en-US", is_mobile=True, has_touch=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
