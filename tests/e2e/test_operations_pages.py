"""What IT's warnings and the outage page look like on a phone: the staff overview's background work
with beat stopped and emails piling up, and the 503 page shown while the database is away."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from core.health import BEAT, WORKER, heartbeat_stamp
from core.models import Job
from tests.e2e.conftest import PHONE
from tests.e2e.phones import Phone, Shots

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_staff_see_that_beat_stopped_and_emails_wait_on_a_phone(chromium, live_server, artifacts_dir, world):
    heartbeat_stamp(BEAT, now=timezone.now() - timedelta(hours=3))
    heartbeat_stamp(WORKER, now=timezone.now() - timedelta(hours=3))
    old = timezone.now() - timedelta(hours=2)
    Job.objects.bulk_create(Job(task="signup_email", created_at=old, queued_at=old) for _ in range(12))

    shots = Shots(artifacts_dir, "operations")
    desk = Phone.open(chromium, live_server.url, shots, "staff-a")
    desk.log_in("staff.a@example.cn")
    desk.go("/staff/")
    expect(desk.page.locator("#beat-stopped")).to_be_visible()
    expect(desk.page.locator("#workers-stopped")).to_be_visible()
    expect(desk.page.locator("#emails-waiting")).to_contain_text("12")
    desk.page.locator("#background-work").scroll_into_view_if_needed()
    desk.check("overview-background-work")


def test_the_outage_page_reads_in_both_languages_on_a_phone(phone, live_server, artifacts_dir):
    html = (Path(settings.BASE_DIR) / "templates" / "503.html").read_text(encoding="utf-8")
    phone.set_content(html.replace('href="/static/', f'href="{live_server.url}/static/'))
    phone.wait_for_load_state("load")
    phone.screenshot(path=str(artifacts_dir / "operations-03-outage-503.png"), full_page=True)
    expect(phone.locator("h1")).to_have_text("暂停服务")
    expect(phone.locator("h2")).to_have_text("Service unavailable")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
