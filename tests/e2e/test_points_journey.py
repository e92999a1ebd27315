"""Points on a phone: a lawyer logs a village legal clinic with its sign-in sheet as a PDF,
district staff look at the evidence and approve it, and she reads on My points how the points were
worked out (hours × rate × 1.5 for the rural venue × the special-group factor) and how far the next
star is. A second record is rejected with a reason; she amends and resubmits it and it is approved.
Then she shows the person she served a rating link and QR code; they rate five stars without an
account and the good-rating bonus appears on her points. On the way, a program renamed to .pdf is
refused as evidence with a clear message and creates nothing.

Each person uses their own browser context (their own session) at 390×844 in headless Chromium;
every page is checked for server errors, <html lang="zh-hans"> and horizontal overflow, and
photographed into test-artifacts/e2e/points-*.png.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from pointbook.ledger import services
from pointbook.models import ConductRule, LedgerEntry, PointsRule, PublicRating
from tests.e2e.conftest import PHONE
from tests.e2e.phones import Phone, Shots
from tests.factories import VenueFactory
from volunteers.models import EvidenceFile, ServiceRecord, ServiceType, SpecialGroup, Venue
from volunteers.records import services as records

# serialized_rollback: the service catalogue (volunteers 0002) and its default points rules
# (pointbook 0003) are migration data, which any earlier transactional test would have flushed.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CLINIC = "光明社区法律服务室"
FIRST_DESCRIPTION = "在光明社区开展法律咨询义诊，为12位老人解答赡养、继承和房屋租赁问题。"
SECOND_DESCRIPTION = "为光明社区村委会审查集体土地承包合同两份，提出修改意见。"
REJECT_REASON = "签到表上没有村委会盖章，请补充后重新提交。"
RATING_COMMENT = "律师很耐心，讲得清楚。"


def tr(msgid, lang="zh-hans", **params):
    """What the site shows for `msgid` in `lang`, from the same catalogues the live server uses."""
    with translation.override(lang):
        text = gettext(msgid)
    return text % params if params else text


def pdf_bytes(text="Sign-in sheet"):
    """A small but complete one-page PDF (header, objects, cross-reference table, trailer)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# A Windows program (the "MZ" header and DOS stub) that someone renamed to look like a PDF.
EXE_BYTES = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8"
    + b"\x00" * 43
    + b"\x80\x00\x00\x00"
    + b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21This program cannot be run in DOS mode.\r\r\n$"
    + b"\x00" * 200
)


def fill_log_form(page, *, service_type, day, hours, region, venue, description, people=1, groups=(), files=None):
    """The "Log pro-bono work" form, as she fills it on her phone."""
    page.locator("#id_service_type").select_option(str(service_type.pk))
    page.locator("#id_date").fill(day.isoformat())
    page.locator("#id_start_time").fill("09:00")
    page.locator("#id_hours").fill(hours)
    page.locator("#id_people_served").fill(str(people))
    for code in groups:
        page.locator(f"input[name=special_groups][value='{code}']").check()
    page.locator("#id_region").select_option(str(region.pk))
    page.locator("#id_venue").select_option(str(venue.pk))
    page.locator("#id_description").fill(description)
    if files is not None:
        page.locator("#id_files").set_input_files(files)


def award_text(hours, rate, points, *factors):
    """The explanation of an award as the site words it in Chinese: "3 h × 10 pts/h × 1.5 … = 54"."""
    labels = {"rural": "× %(times)s rural venue", "special_group": "× %(times)s special group served"}
    parts = [tr("%(hours)s h × %(rate)s pts/h", hours=hours, rate=rate)]
    parts += [tr(labels[name], times=times) for name, times in factors]
    return f"{' '.join(parts)} = {points}"


def status_label(status):
    with translation.override("zh-hans"):
        return str(ServiceRecord.Status(status).label)


def kind_label(kind):
    with translation.override("zh-hans"):
        return str(LedgerEntry.Kind(kind).label)


def test_lawyer_logs_village_clinic_staff_approve_she_sees_points_amends_a_rejection_and_gets_a_rating_bonus(
    live_server, chromium, artifacts_dir, world, settings
):
    today = timezone.localdate()
    adviser = ServiceType.objects.get(code="village_adviser")  # the catalogue's 村(居)法律顾问
    # The version in force: 10 points an hour, × 1.5 at a rural venue, × 1.2 serving a special group.
    PointsRule.objects.create(
        service_type=adviser,
        effective_from=today - datetime.timedelta(days=400),
        points_per_hour=Decimal("10"),
        rural_multiplier=Decimal("1.5"),
        special_group_multiplier=Decimal("1.2"),
        note="乡村加分",
    )
    ConductRule.objects.create(
        event=ConductRule.Event.GOOD_RATING,
        effective_from=today - datetime.timedelta(days=400),
        fixed_points=Decimal("5"),
        note="群众好评",
    )
    clinic = VenueFactory(name=CLINIC, kind=Venue.Kind.VILLAGE_ROOM, region=world.village_a, is_rural=True)
    lawyer = world.lawyer_contributor
    first_day = today - datetime.timedelta(days=3)
    second_day = today - datetime.timedelta(days=2)
    sheet = pdf_bytes("Guangming clinic sign-in sheet")

    shots = Shots(artifacts_dir, "points")
    her = Phone.open(chromium, live_server.url, shots, "lawyer")
    page = her.page

    # === 1. She logs the clinic. =================================================================
    her.log_in(world.lawyer.email)
    her.nav("/my/records/")
    her.check("my-records-empty")
    expect(page.locator("#records")).to_have_count(0)
    her.submit(page.locator("a#log-work"))
    assert page.url == f"{live_server.url}/my/records/new/"
    her.check("log-form")
    expect(page.locator("h1")).to_have_text(tr("Log pro-bono work"))

    # First she attaches the wrong file: a program renamed to .pdf. It is refused by its content.
    fill_log_form(
        page,
        service_type=adviser,
        day=first_day,
        hours="3",
        region=world.township_a,
        venue=clinic,
        description=FIRST_DESCRIPTION,
        people=12,
        groups=[SpecialGroup.ELDERLY],
        files={"name": "签到表.pdf", "mimeType": "application/pdf", "buffer": EXE_BYTES},
    )
    her.submit(page.locator("form#log-work button[type=submit]"))
    assert page.url == f"{live_server.url}/my/records/new/", "a refused file keeps her on the form"
    her.check("log-form-error")
    files_field = page.locator("form#log-work .field").filter(has=page.locator("#id_files"))
    expect(files_field.locator(".errorlist")).to_have_text(
        tr("%(name)s is not a PDF, JPEG or PNG file (checked from its content, not its name).", name="签到表.pdf")
    )
    assert not ServiceRecord.objects.exists() and not EvidenceFile.objects.exists(), "a refused upload saves nothing"
    # Nothing she typed is lost; only the file must be chosen again (browsers never refill those).
    expect(page.locator("#id_hours")).to_have_value("3")
    expect(page.locator("#id_description")).to_have_value(FIRST_DESCRIPTION)
    expect(page.locator("#id_venue")).to_have_value(str(clinic.pk))
    expect(page.locator(f"input[name=special_groups][value='{SpecialGroup.ELDERLY}']")).to_be_checked()

    page.locator("#id_files").set_input_files(
        {"name": "光明社区签到表.pdf", "mimeType": "application/pdf", "buffer": sheet}
    )
    her.submit(page.locator("form#log-work button[type=submit]"))
    first = ServiceRecord.objects.get()
    assert page.url == f"{live_server.url}/my/records/{first.pk}/"
    her.check("record-submitted")
    expect(her.messages).to_contain_text(tr("Logged. Bureau staff of the region will review it."))
    expect(page.locator("dl.facts .status")).to_have_text(status_label("submitted"))
    expect(page.locator("dl.facts")).to_contain_text(CLINIC)
    expect(page.locator("dl.facts")).to_contain_text(tr("The elderly"))
    expect(page.locator("#evidence")).to_contain_text("光明社区签到表.pdf")
    assert (
        first.status,
        first.hours,
        first.date,
        first.venue,
        first.region,
        first.special_groups,
        first.people_served,
    ) == ("submitted", Decimal("3"), first_day, clinic, world.township_a, [SpecialGroup.ELDERLY], 12)
    stored = first.evidence.get()
    assert stored.content_type == "application/pdf" and stored.file.read() == sheet

    # === 2. Staff of district A look at the evidence and approve. ================================
    desk = Phone.open(chromium, live_server.url, shots, "staff")
    desk.log_in(world.staff_a.email)
    desk.nav("/staff/")
    desk.submit(desk.page.locator("main a.tile[href='/staff/records/']"))
    desk.check("records-to-decide")
    row = desk.page.locator(f"tr[data-record='{first.pk}']")
    expect(row).to_contain_text("李明")
    expect(row).to_contain_text(adviser.name_zh)
    expect(row.locator("input[name=record]")).to_have_count(0)  # logged work is decided one at a time
    desk.submit(row.locator(f"a[href='/staff/records/{first.pk}/']").first)
    desk.check("record")
    expect(desk.page.locator("h1")).to_contain_text("李明")
    expect(desk.page.locator("dl.facts")).to_contain_text(FIRST_DESCRIPTION)
    evidence_link = desk.page.locator("#evidence a")
    expect(evidence_link).to_have_text("光明社区签到表.pdf")
    # The link opens in a new tab: what comes back is her PDF, privately.
    with desk.page.context.expect_event("response", predicate=lambda r: "/evidence/" in r.url) as opened:
        evidence_link.click()
    response = opened.value
    assert response.status == 200, response.status
    assert response.headers["content-type"] == "application/pdf", response.headers
    assert "no-store" in response.headers["cache-control"]
    fetched = desk.page.context.request.get(live_server.url + evidence_link.get_attribute("href"))
    assert fetched.status == 200 and fetched.body() == sheet
    for tab in desk.page.context.pages[1:]:
        tab.close()
    # Without her or staff's session the file is not there: the address leads to the login page.
    outsider = chromium.new_context()
    try:
        refused = outsider.request.get(live_server.url + evidence_link.get_attribute("href"), max_redirects=0)
        assert refused.status == 302 and "/accounts/login/" in refused.headers["location"], refused.status
    finally:
        outsider.close()

    desk.submit(desk.page.locator("form#approve button[type=submit]"))
    desk.check("approved")
    expect(desk.messages).to_contain_text(tr("Approved; the points are posted."))
    expect(desk.page.locator(f"tr[data-record='{first.pk}']")).to_have_count(0)
    first.refresh_from_db()
    assert first.status == "approved"
    award = LedgerEntry.objects.get(source="service_record", source_id=first.pk)
    assert (award.kind, award.points, award.hours) == ("award", Decimal("54.00"), Decimal("3.00"))

    # === 3. She reads how her points were worked out and how far the first star is. ==============
    her.nav("/my/points/")
    her.check("my-points")
    entries = page.locator("#entries tbody tr")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("+54")
    expect(entries.first).to_contain_text(kind_label("award"))
    # 3 h × 10 points an hour × 1.5 rural venue × 1.2 special group = 54
    expect(entries.first).to_contain_text(award_text("3", "10", "54", ("rural", "1.5"), ("special_group", "1.2")))
    summary = page.locator("#points-summary")
    expect(summary).to_contain_text(tr("points in all"))
    expect(summary.locator(".tile").nth(1).locator("strong")).to_have_text("54")
    expect(summary.locator(".tile").nth(2).locator("strong")).to_have_text("3")
    stars = page.locator("#stars")
    expect(stars.locator(".stars")).to_have_text("☆☆☆☆☆")
    expect(stars.locator("progress")).to_have_attribute("value", "3")
    expect(stars).to_contain_text(
        tr("%(left)s more verified hours to the next star (at %(at)s hours).", left="97", at="100")
    )

    # === 4. A second record is rejected; she amends and resubmits it; it is approved. ============
    her.nav("/my/records/")
    her.submit(page.locator("a#log-work"))
    fill_log_form(
        page,
        service_type=adviser,
        day=second_day,
        hours="2",
        region=world.township_a,
        venue=clinic,
        description=SECOND_DESCRIPTION,
        people=0,
        files={"name": "合同审查意见.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("Contract review")},
    )
    her.submit(page.locator("form#log-work button[type=submit]"))
    second = ServiceRecord.objects.exclude(pk=first.pk).get()
    assert page.url == f"{live_server.url}/my/records/{second.pk}/"

    desk.go("/staff/records/")
    desk.submit(desk.page.locator(f"tr[data-record='{second.pk}'] a[href='/staff/records/{second.pk}/']").first)
    desk.page.locator("#reject-reason").fill(REJECT_REASON)
    desk.check("record-rejecting")
    desk.submit(desk.page.locator("form#reject button[type=submit]"))
    desk.check("rejected")
    expect(desk.messages).to_contain_text(tr("Rejected; the contributor sees your reason."))
    second.refresh_from_db()
    assert (second.status, second.decision_reason) == ("rejected", REJECT_REASON)

    her.nav("/my/records/")
    her.check("my-records-rejected")
    expect(page.locator("#records tbody tr")).to_have_count(2)
    second_row = page.locator(f"#records tr[data-record='{second.pk}']")
    expect(second_row.locator(".status")).to_have_text(status_label("rejected"))
    expect(page.locator(f"#records tr[data-record='{first.pk}'] .status")).to_have_text(status_label("approved"))
    expect(page.locator(f"#records tr[data-record='{first.pk}']")).to_contain_text("54")
    her.submit(second_row.locator(f"a[href='/my/records/{second.pk}/']"))
    her.check("record-rejected")
    expect(page.locator("#decision-reason")).to_have_text(REJECT_REASON)
    expect(page.locator("#amend")).to_have_text(tr("Amend and resubmit"))
    her.submit(page.locator("#amend"))
    her.check("amend-form")
    expect(page.locator("#rejection")).to_contain_text(REJECT_REASON)
    expect(page.locator("#id_hours")).to_have_value("2.00")
    expect(page.locator("#evidence-kept")).to_contain_text("合同审查意见.pdf")
    expect(page.locator("#id_start_time")).to_have_value("09:00")
    # The form comes back without its date on a Chinese page (the bug test_amend_form_shows_the_record_date
    # below shows); she types it in again, which changes nothing once the bug is fixed.
    page.locator("#id_date").fill(second_day.isoformat())
    page.locator("#id_hours").fill("2.5")
    her.submit(page.locator("form#log-work button[type=submit]"))
    assert page.url == f"{live_server.url}/my/records/{second.pk}/"
    her.check("resubmitted")
    expect(her.messages).to_contain_text(tr("Saved and sent for review again."))
    expect(page.locator("dl.facts .status")).to_have_text(status_label("submitted"))
    second.refresh_from_db()
    assert (second.status, second.hours, second.evidence.count()) == ("submitted", Decimal("2.5"), 1)

    desk.go("/staff/records/")
    desk.check("records-to-decide-again")
    desk.submit(desk.page.locator(f"tr[data-record='{second.pk}'] a[href='/staff/records/{second.pk}/']").first)
    expect(desk.page.locator("dl.facts")).to_contain_text("2.5")
    desk.submit(desk.page.locator("form#approve button[type=submit]"))
    expect(desk.messages).to_contain_text(tr("Approved; the points are posted."))
    desk.check("nothing-waiting")
    expect(desk.page.locator("main")).to_contain_text(tr("Nothing is waiting."))

    her.nav("/my/points/")
    her.check("my-points-two")
    awards = entries.filter(has_text=kind_label("award"))
    expect(awards).to_have_count(2)
    # Newest first; no special group this time: 2.5 h × 10 × 1.5 rural = 37.5
    expect(entries.nth(0)).to_contain_text("+37.50")
    expect(entries.nth(0)).to_contain_text(award_text("2.5", "10", "37.5", ("rural", "1.5")))
    expect(entries.nth(1)).to_contain_text("+54")
    expect(summary.locator(".tile").nth(1).locator("strong")).to_have_text("91.50")
    expect(summary.locator(".tile").nth(2).locator("strong")).to_have_text("5.50")
    expect(stars).to_contain_text(
        tr("%(left)s more verified hours to the next star (at %(at)s hours).", left="94.50", at="100")
    )

    # === 5. A rating link for the clinic; the person served rates five stars; the bonus posts. =====
    her.nav("/my/records/")
    her.submit(page.locator(f"#records tr[data-record='{first.pk}'] a[href='/my/records/{first.pk}/']"))
    expect(page.locator("#record-entries")).to_contain_text("+54")
    expect(page.locator("#rating .qr svg")).to_have_count(0)
    her.submit(page.locator("#show-rating-link"))
    # The long link does not wrap and widens the page (test_rating_link_fits_on_a_phone below).
    her.check("rating-link")
    expect(page.locator("#rating .qr svg")).to_be_visible()
    rating_url = page.locator("#rating-url").inner_text().strip()
    rating = PublicRating.objects.get(record=first)
    assert rating_url == f"{live_server.url}/rate/{rating.token}/", rating_url
    qr_box = page.locator("#rating .qr svg").bounding_box()
    assert qr_box["width"] >= 100 and qr_box["x"] >= 0 and qr_box["x"] + qr_box["width"] <= PHONE["width"], qr_box

    # The person served rates on their own phone and network, not hers (a rating from her browser or
    # address would wait for staff: tests/pointbook/test_ratings.py). Behind the site's proxy, as deployed.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    visitor = Phone.open(chromium, live_server.url, shots, "visitor")
    visitor.page.set_extra_http_headers({"X-Forwarded-For": "203.0.113.9"})
    visitor.go(rating_url)
    visitor.check("rate")
    expect(visitor.page.locator("header.site form[action='/accounts/logout/']")).to_have_count(0)
    expect(visitor.page.locator("main .card").first).to_contain_text(adviser.name_zh)
    expect(visitor.page.locator("main .card").first).to_contain_text("李明")
    visitor.page.locator("#rate-form input[name=score][value='5']").check()
    visitor.page.locator("#rate-form textarea[name=comment]").fill(RATING_COMMENT)
    visitor.submit(visitor.page.locator("#rate-form button[type=submit]"))
    visitor.check("rated")
    expect(visitor.page.locator("#rate-thanks")).to_have_text(tr("Thank you. Your rating has been recorded."))
    rating.refresh_from_db()
    assert (rating.score, rating.comment) == (5, RATING_COMMENT)
    # The link works once.
    visitor.go(rating_url)
    expect(visitor.page.locator("#rate-done")).to_be_visible()
    expect(visitor.page.locator("#rate-form")).to_have_count(0)

    her.nav("/my/points/")
    her.check("my-points-bonus")
    expect(entries).to_have_count(3)
    bonus = entries.filter(has_text=kind_label("bonus"))
    expect(bonus).to_have_count(1)
    expect(bonus).to_contain_text("+5")
    expect(bonus).to_contain_text(f"{tr('Good public rating')} ({first_day.isoformat()}): 5 = 5")
    expect(summary.locator(".tile").nth(1).locator("strong")).to_have_text("96.50")
    expect(summary.locator(".tile").nth(2).locator("strong")).to_have_text("5.50")  # a bonus is no hours
    entry = LedgerEntry.objects.get(kind="bonus")
    assert (entry.contributor, entry.points, entry.source, entry.source_id) == (
        lawyer,
        Decimal("5.00"),
        "rating",
        rating.pk,
    )

    her.go(f"/my/records/{first.pk}/")
    her.check("record-rated")
    expect(page.locator("#rating")).to_contain_text(tr("Rated %(score)s of 5 by the person served.", score=5))
    expect(page.locator("#rating")).to_contain_text(RATING_COMMENT)


def test_amend_form_shows_the_record_date(live_server, chromium, artifacts_dir, world):
    """A rejected record's amend form opens with the record's date filled in, so "Save and send for
    review" works without retyping anything."""
    day = timezone.localdate() - datetime.timedelta(days=5)
    record = records.record_log(
        actor=world.lawyer,
        contributor=world.lawyer_contributor,
        service_type=ServiceType.objects.get(code="consultation"),
        date=day,
        start_time=datetime.time(14, 30),
        hours=Decimal("1.5"),
        people_served=3,
        region=world.district_a,
        venue=world.venue_a,
        description="社区法律咨询",
        files=[SimpleUploadedFile("咨询登记表.pdf", pdf_bytes(), "application/pdf")],
    )
    services.record_reject(actor=world.staff_a, scope=world.district_a, record=record, reason="请补充咨询登记表。")

    shots = Shots(artifacts_dir, "points")
    shots.count = 80  # after the journey's pictures
    her = Phone.open(chromium, live_server.url, shots, "amend")
    her.log_in(world.lawyer.email)
    her.go(f"/my/records/{record.pk}/edit/")
    her.check("form")
    expect(her.page.locator("#id_start_time")).to_have_value("14:30")
    expect(her.page.locator("#id_hours")).to_have_value("1.50")
    expect(her.page.locator("#id_date")).to_have_value(day.isoformat(), timeout=2_000)
    her.submit(her.page.locator("form#log-work button[type=submit]"))
    her.check("saved-unchanged")
    assert her.page.url == f"{live_server.url}/my/records/{record.pk}/"
    record.refresh_from_db()
    assert (record.status, record.date) == ("submitted", day)


def test_rating_link_fits_on_a_phone(live_server, chromium, artifacts_dir, world):
    """The rating link and QR code of an approved record fit a 390 px phone without sideways scrolling."""
    record = records.record_log(
        actor=world.lawyer,
        contributor=world.lawyer_contributor,
        service_type=ServiceType.objects.get(code="consultation"),
        date=timezone.localdate() - datetime.timedelta(days=1),
        start_time=datetime.time(9),
        hours=Decimal("2"),
        people_served=4,
        region=world.district_a,
        venue=world.venue_a,
        description="法律咨询",
        files=[SimpleUploadedFile("登记表.pdf", pdf_bytes(), "application/pdf")],
    )
    services.record_approve(actor=world.staff_a, scope=world.district_a, record=record)

    shots = Shots(artifacts_dir, "points")
    shots.count = 90
    her = Phone.open(chromium, live_server.url, shots, "rating-link")
    her.log_in(world.lawyer.email)
    her.go(f"/my/records/{record.pk}/")
    her.submit(her.page.locator("#show-rating-link"))
    expect(her.page.locator("#rating .qr svg")).to_be_visible()
    her.check("record")
