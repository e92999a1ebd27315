"""The rota on a phone: a lawyer finds the 12348 hotline by filter, signs up for two shifts
of its series, sees them in My shifts and in her calendar feed and cancels one; the volunteer
waiting for that shift gets the offer by email and accepts it; staff mark attendance on a shift
that has started and the service record exists. A volunteer who is not qualified for the court's
duty-lawyer seat is told why and offered no sign-up button.

Each person uses their own browser context (their own session) at 390×844 in headless Chromium;
every page is checked for horizontal overflow and photographed into test-artifacts/e2e/rota-*.png.
Rota emails are sent by Celery tasks queued on commit: this test runs them eagerly, in the live
server's thread, so they land in the locmem outbox.
"""

import datetime
import urllib.request
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from icalendar import Calendar
from playwright.sync_api import expect

from tests.e2e.phones import Phone, Shots
from tests.factories import (
    ContributorFactory,
    RegionFactory,
    ShiftFactory,
    StaffProfileFactory,
    UserFactory,
    VenueFactory,
    opportunity_create,
)
from volunteers.models import Contributor, ServiceRecord, ServiceType, Signup
from volunteers.rota import services as rota

# serialized_rollback: the home page, the opportunity list page and the service catalogue are
# migration data, which any earlier transactional test would have flushed.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LAWYER_EMAIL = "li.ming@xinhua-law.example.cn"
VOLUNTEER_EMAIL = "chen.jing@example.cn"
STAFF_EMAIL = "zhou.hong@pds-sfj.example.cn"
HOTLINE_TITLE = "12348热线值班（新华区）"
DUTY_TITLE = "新华区法院值班律师"


def tr(msgid, lang="zh-hans", **params):
    """What the site shows for `msgid` in `lang`, from the same catalogues the live server uses."""
    with translation.override(lang):
        text = gettext(msgid)
    return text % params if params else text


def trn(singular, plural, count, lang="zh-hans", **params):
    with translation.override(lang):
        return ngettext(singular, plural, count) % {"count": count, **params}


def local(moment, fmt="%Y-%m-%d %H:%M"):
    return timezone.localtime(moment).strftime(fmt)


@pytest.fixture
def district(db):
    city = RegionFactory(code="410400", name="平顶山市")
    return RegionFactory(parent=city, code="410402", name="新华区")


@pytest.fixture
def venue(district):
    return VenueFactory(name="新华区公共法律服务中心", kind="centre", region=district, address="新华区建设路中段36号")


@pytest.fixture
def duty_lawyer_opportunity(venue):
    """The court's duty-lawyer seat: lawyers only, with an upcoming shift that has free places."""
    page = opportunity_create(
        venue=venue, service_type="duty_lawyer", eligible_kinds=["lawyer"], title=DUTY_TITLE, slug="court-duty-lawyer"
    )
    ShiftFactory(
        opportunity=page,
        venue=venue,
        service_type=ServiceType.objects.get(code="duty_lawyer"),
        eligible_kinds=["lawyer"],
        starts_at=timezone.now().replace(microsecond=0) + datetime.timedelta(days=6),
    )
    return page


def person(email, kind, legal_name, region):
    user = UserFactory(email=email)
    return ContributorFactory(user=user, kind=kind, legal_name=legal_name, region=region)


def test_lawyer_signs_up_for_two_hotline_shifts_cancels_one_the_waiting_volunteer_takes_it_and_staff_record_attendance(
    live_server, chromium, artifacts_dir, mailoutbox, eager_celery, district, venue, duty_lawyer_opportunity
):
    hotline_type = ServiceType.objects.get(code="hotline_12348")
    hotline = opportunity_create(venue=venue, service_type="hotline_12348", title=HOTLINE_TITLE, slug="hotline-12348")
    # A series: the hotline 09:00–12:00 on three days starting in three days' time, two places each.
    first_day = timezone.localdate() + datetime.timedelta(days=3)
    s1, s2, s3 = rota.shift_series_create(
        actor=None,
        scope=None,
        opportunity=hotline,
        service_type=hotline_type,
        eligible_kinds=[],
        venue=venue,
        first_day=first_day,
        last_day=first_day + datetime.timedelta(days=2),
        weekdays=list(range(7)),
        every_weeks=1,
        times=[(datetime.time(9), datetime.time(12))],
        capacity=2,
        min_staffing=1,
        signup_hours_before=12,
        cancel_hours_before=24,
    )
    assert s1.series == s2.series == s3.series

    lawyer = person(LAWYER_EMAIL, Contributor.Kind.LAWYER, "李明", district)
    volunteer = person(VOLUNTEER_EMAIL, Contributor.Kind.VOLUNTEER, "陈静", district)
    colleague = person("wang.fang@example.cn", Contributor.Kind.LAWYER, "王芳", district)
    mediator = person("zhao.qiang@example.cn", Contributor.Kind.MEDIATOR, "赵强", district)
    staff = StaffProfileFactory(user=UserFactory(email=STAFF_EMAIL), region=district).user
    # s2 has one place left; s3 is full.
    rota.signup_create(contributor=colleague, shift=s2)
    rota.signup_create(contributor=colleague, shift=s3)
    rota.signup_create(contributor=mediator, shift=s3)
    mailoutbox.clear()  # their confirmations

    shots = Shots(artifacts_dir, "rota")
    her = Phone.open(chromium, live_server.url, shots, "lawyer")
    page = her.page

    # --- The lawyer finds the hotline among the opportunities by filtering on its service type.
    her.log_in(LAWYER_EMAIL)
    her.go("/opportunities/")
    her.check("opportunities")
    tiles = page.locator("#opportunities a.tile")
    expect(tiles).to_have_count(2)
    page.locator("details.filters > summary").click()  # the filters fold away on a phone
    page.locator("#id_service_type").select_option(str(hotline_type.pk))
    her.submit(page.locator("#opportunity-filters .actions button[type=submit]"))
    assert f"service_type={hotline_type.pk}" in page.url
    her.check("opportunities-hotline")
    expect(tiles).to_have_count(1)
    expect(tiles.first).to_contain_text(HOTLINE_TITLE)
    expect(tiles.first).to_contain_text(hotline_type.name_zh)
    expect(page.locator("#opportunities")).not_to_contain_text(DUTY_TITLE)

    # --- The opportunity: three shifts of the series; the full one can only be queued for.
    with page.expect_navigation():
        tiles.first.click()
    her.check("hotline")
    expect(page.locator("h1")).to_have_text(HOTLINE_TITLE)
    opportunity_path = page.url.removeprefix(live_server.url)
    rows = {s.pk: page.locator(f"#shift-list [data-shift='{s.pk}']") for s in (s1, s2, s3)}
    for shift, row in zip((s1, s2, s3), rows.values(), strict=True):
        expect(row).to_contain_text(local(shift.starts_at, "%m-%d"))
        expect(row).to_contain_text("09:00–12:00")
    expect(rows[s1.pk].locator("input[name=shift]")).to_have_count(1)
    expect(rows[s2.pk].locator("input[name=shift]")).to_have_count(1)
    expect(rows[s3.pk].locator("input[name=shift]")).to_have_count(0)
    expect(rows[s3.pk].locator(f"button[formaction='/shifts/{s3.pk}/waitlist/']")).to_have_count(1)

    # --- She ticks the first two and signs up for both at once.
    rows[s1.pk].locator("input[name=shift]").check()
    rows[s2.pk].locator("input[name=shift]").check()
    her.submit(page.locator("#signup-selected"))
    assert page.url.removeprefix(live_server.url) == opportunity_path, "sign-up should come back to the opportunity"
    her.check("signed-up")
    expect(her.messages).to_contain_text(
        trn(
            "You are signed up for %(count)s shift. A confirmation email is on its way.",
            "You are signed up for %(count)s shifts. Confirmation emails are on their way.",
            2,
        )
    )
    for shift in (s1, s2):
        expect(rows[shift.pk].locator("input[name=shift]")).to_have_count(0)
        expect(rows[shift.pk]).to_contain_text(tr("You are signed up"))
    mine = {s.shift_id: s for s in Signup.objects.filter(contributor=lawyer, status=Signup.Status.CONFIRMED)}
    assert set(mine) == {s1.pk, s2.pk}
    confirmations = [m for m in mailoutbox if m.to == [LAWYER_EMAIL]]
    assert len(confirmations) == 2, [(m.to, m.subject) for m in mailoutbox]
    for message in confirmations:
        assert [a[0] for a in message.attachments] == ["shift.ics"], message.attachments

    # --- A volunteer finds s2 full now and joins its waiting list.
    vol = Phone.open(chromium, live_server.url, shots, "volunteer")
    vol.log_in(VOLUNTEER_EMAIL)
    vol.go(opportunity_path)
    vol_row = vol.page.locator(f"#shift-list [data-shift='{s2.pk}']")
    expect(vol_row.locator("input[name=shift]")).to_have_count(0)
    vol.check("hotline-s2-full")
    vol.submit(vol_row.locator(f"button[formaction='/shifts/{s2.pk}/waitlist/']"))
    vol.check("waiting")
    expect(vol.messages).to_contain_text(
        tr("You are on the waiting list. If a place comes free and you are first in line, we will email you an offer.")
    )
    expect(vol_row).to_contain_text(tr("You are on the waiting list"))
    queued = Signup.objects.get(contributor=volunteer, shift=s2)
    assert queued.status == Signup.Status.WAITING

    # --- My shifts lists her two shifts.
    with page.expect_navigation():
        page.locator("header.site a[href='/my/shifts/']").click()
    her.check("my-shifts")
    upcoming = page.locator("main table tr[data-signup]")
    expect(upcoming).to_have_count(2)
    for shift in (s1, s2):
        row = page.locator(f"tr[data-signup='{mine[shift.pk].pk}']")
        expect(row).to_contain_text(local(shift.starts_at, "%Y-%m-%d"))
        expect(row).to_contain_text("09:00")
        expect(row).to_contain_text(HOTLINE_TITLE)
        expect(row).to_contain_text(venue.name)

    # --- She creates her private calendar address; a calendar app fetching it (no cookies) gets both.
    expect(page.locator("#feed-url")).to_have_count(0)
    her.submit(page.locator("form[action='/my/calendar/reset/'] button[type=submit]"))
    her.check("calendar-address")
    expect(her.messages).to_contain_text(tr("Your private calendar address is ready. Add it to your phone's calendar."))
    feed_url = page.locator("#feed-url").inner_text().strip()
    lawyer.refresh_from_db()
    assert lawyer.calendar_token and feed_url == f"{live_server.url}/calendar/{lawyer.calendar_token}.ics", feed_url

    def feed_events():
        with urllib.request.urlopen(feed_url, timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/calendar"), response.headers["Content-Type"]
            return Calendar.from_ical(response.read()).walk("VEVENT")

    events = feed_events()
    assert len(events) == 2, [str(e.get("summary")) for e in events]
    assert sorted(e.decoded("dtstart") for e in events) == [s1.starts_at, s2.starts_at]
    assert sorted(e.decoded("dtend") for e in events) == [s1.ends_at, s2.ends_at]
    for event in events:
        assert HOTLINE_TITLE in str(event["summary"]), event["summary"]
        assert venue.name in str(event["location"]), event["location"]

    # --- She cancels s2 (in good time: free cancellation runs until 24 hours before).
    mailoutbox.clear()
    her.submit(page.locator(f"tr[data-signup='{mine[s2.pk].pk}'] button[type=submit]"))
    assert len(her.dialogs) == 1, "cancelling asks before giving the place away"
    her.check("cancelled")
    expect(her.messages).to_contain_text(tr("Cancelled."))
    expect(upcoming).to_have_count(1)
    expect(page.locator(f"tr[data-signup='{mine[s1.pk].pk}']")).to_have_count(1)
    mine[s2.pk].refresh_from_db()
    assert mine[s2.pk].status == Signup.Status.CANCELLED
    remaining = feed_events()  # the cancelled shift leaves her calendar
    assert [e.decoded("dtstart") for e in remaining] == [s1.starts_at]
    assert str(remaining[0]["uid"]).startswith(f"signup-{mine[s1.pk].pk}@"), remaining[0]["uid"]

    # --- The freed place is offered to the volunteer at once, by email.
    queued.refresh_from_db()
    assert queued.status == Signup.Status.OFFERED and queued.seat is not None
    assert queued.offer_expires_at > timezone.now()
    offers = [m for m in mailoutbox if m.to == [VOLUNTEER_EMAIL]]
    assert len(offers) == 1, [(m.to, m.subject) for m in mailoutbox]
    offer = offers[0]
    assert tr("A place is free for you: %(date)s", date=local(s2.starts_at)) in offer.subject, offer.subject
    assert HOTLINE_TITLE in offer.subject
    assert local(queued.offer_expires_at) in offer.body, offer.body
    assert any(m.to == [LAWYER_EMAIL] for m in mailoutbox), "the lawyer is told her cancellation went through"

    # --- The volunteer accepts the offer on My shifts.
    mailoutbox.clear()
    with vol.page.expect_navigation():
        vol.page.locator("header.site a[href='/my/shifts/']").click()
    vol.check("my-shifts-offer")
    offer_card = vol.page.locator(f"#offers ~ .offer[data-signup='{queued.pk}']")
    expect(offer_card).to_contain_text(HOTLINE_TITLE)
    expect(offer_card).to_contain_text(local(queued.offer_expires_at))
    vol.submit(offer_card.locator(f"form[action='/my/shifts/{queued.pk}/accept/'] button[type=submit]"))
    vol.check("offer-accepted")
    expect(vol.messages).to_contain_text(tr("The place is yours. A confirmation email is on its way."))
    expect(vol.page.locator(".offer")).to_have_count(0)
    expect(vol.page.locator(f"tr[data-signup='{queued.pk}']")).to_contain_text(HOTLINE_TITLE)
    queued.refresh_from_db()
    assert queued.status == Signup.Status.CONFIRMED
    assert [m.to for m in mailoutbox] == [[VOLUNTEER_EMAIL]], "the volunteer gets a confirmation"

    # --- Later: a hotline shift the lawyer holds has been running for an hour. Staff mark her attended.
    started = ShiftFactory(
        opportunity=hotline,
        venue=venue,
        service_type=hotline_type,
        starts_at=timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1),
    )
    on_duty = Signup.objects.create(shift=started, contributor=lawyer, status=Signup.Status.CONFIRMED, seat=1)
    desk = Phone.open(chromium, live_server.url, shots, "staff")
    desk.log_in(STAFF_EMAIL)
    desk.go(f"/staff/shifts/{started.pk}/roster/")
    desk.check("roster")
    roster_row = desk.page.locator(f"#roster tr[data-signup='{on_duty.pk}']")
    expect(roster_row).to_contain_text("李明")
    expect(roster_row.locator("input[name=attended][value=yes]")).to_be_checked()
    desk.submit(roster_row.locator("form.roster-form button[type=submit]"))
    desk.check("attendance-marked")
    expect(desk.messages).to_contain_text(tr("%(name)s: saved.", name="李明"))

    record = ServiceRecord.objects.get(signup=on_duty)
    assert record.status == ServiceRecord.Status.VERIFIED_ATTENDANCE
    assert record.contributor == lawyer
    assert record.service_type == hotline_type and record.venue == venue
    assert record.hours == Decimal("3.00")
    assert (record.started_at, record.ended_at) == (started.starts_at, started.ends_at)
    on_duty.refresh_from_db()
    assert on_duty.attendance == Signup.Attendance.ATTENDED and on_duty.attendance_marked_by == staff
    expect(roster_row).to_contain_text(tr("Verified by attendance"))
    expect(roster_row).to_contain_text("3.00")


def test_volunteer_is_told_why_she_cannot_take_a_duty_lawyer_shift(
    live_server, phone, artifacts_dir, district, duty_lawyer_opportunity
):
    person(VOLUNTEER_EMAIL, Contributor.Kind.VOLUNTEER, "陈静", district)
    shots = Shots(artifacts_dir, "rota")
    shots.count = 50  # after the main journey's pictures
    vol = Phone(phone, live_server.url, shots, "unqualified")
    vol.log_in(VOLUNTEER_EMAIL)

    # "I am qualified" leaves the lawyers-only opportunity out of the list.
    vol.go("/opportunities/")
    expect(phone.locator("#opportunities a.tile")).to_contain_text([DUTY_TITLE])
    phone.locator("details.filters > summary").click()
    phone.locator("#opportunity-filters input[name=qualified]").check()
    vol.submit(phone.locator("#opportunity-filters .actions button[type=submit]"))
    vol.check("opportunities-qualified")
    expect(phone.locator("#opportunities a.tile")).to_have_count(0)

    # Opened directly, it says who may take it and what she is, and offers no way to sign up.
    vol.go(duty_lawyer_opportunity.url)
    vol.check("duty-lawyer")
    notice = phone.locator("#not-qualified")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(tr("Lawyer"))
    expect(notice).to_contain_text(tr("Volunteer"))
    expect(phone.locator("#shift-list [data-shift]")).to_have_count(1)  # the shift is listed…
    expect(phone.locator("#shift-list input[name=shift]")).to_have_count(0)  # …but cannot be ticked
    expect(phone.locator("#shift-list button")).to_have_count(0)
    expect(phone.locator("#signup-selected")).to_have_count(0)
