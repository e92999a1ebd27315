"""A hotline shift changes hands on phones: lawyer 李明 cannot make her 12348 hotline shift and
hands it over to her colleague 王芳 by name; 王芳 opens the link in the email, accepts, and the
shift is on her My shifts; on 李明's it is gone from the upcoming list and shows as handed over.
Both get an email with the calendar update. The hotline asks for a year in practice and no upheld
complaint in three years, shown on the opportunity.

Each person uses their own browser context at 390×844 in headless Chromium; every page is checked
for horizontal overflow and photographed into test-artifacts/e2e/handover-*.png. The emails are
sent by Celery tasks run eagerly in the live server's thread.
"""

import datetime
import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from icalendar import Calendar
from playwright.sync_api import expect

from tests.e2e.phones import Phone, Shots
from tests.factories import (
    ContributorFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    ShiftFactory,
    UserFactory,
    VenueFactory,
    opportunity_create,
)
from volunteers.models import Handover, Signup
from volunteers.rota import services as rota

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

GIVER_EMAIL = "li.ming@xinhua-law.example.cn"
TAKER_EMAIL = "wang.fang@xinhua-law.example.cn"
HOTLINE_TITLE = "12348热线值班（新华区）"


def tr(msgid, **params):
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return text % params if params else text


def test_a_lawyer_hands_her_hotline_shift_to_a_colleague_who_accepts_from_the_email_link(
    live_server, chromium, artifacts_dir, mailoutbox, eager_celery
):
    city = RegionFactory(code="410400", name="平顶山市")
    district = RegionFactory(parent=city, code="410402", name="新华区")
    venue = VenueFactory(name="12348热线平台", kind="hotline_seat", region=district, address="新华区建设路中段36号")
    firm = OrganisationFactory(name="河南新华律师事务所", region=district)
    hotline = opportunity_create(venue=venue, service_type="hotline_12348", title=HOTLINE_TITLE, slug="hotline-12348")
    hotline.min_years_in_practice, hotline.no_complaint_years = 1, 3
    hotline.save_revision().publish()
    shift = ShiftFactory(
        opportunity=hotline,
        venue=venue,
        capacity=1,
        min_years_in_practice=1,
        no_complaint_years=3,
        starts_at=timezone.now().replace(microsecond=0, second=0, minute=0) + datetime.timedelta(days=4),
    )
    years_ago = timezone.localdate() - datetime.timedelta(days=5 * 365)
    giver = ContributorFactory(
        user=UserFactory(email=GIVER_EMAIL), legal_name="李明", region=district, licensed_on=years_ago
    )
    taker = ContributorFactory(
        user=UserFactory(email=TAKER_EMAIL), legal_name="王芳", region=district, licensed_on=years_ago
    )
    for person in (giver, taker):
        MembershipFactory(contributor=person, organisation=firm)
    held = rota.signup_create(contributor=giver, shift=shift)
    mailoutbox.clear()

    shots = Shots(artifacts_dir, "handover")
    her = Phone.open(chromium, live_server.url, shots, "giver")
    page = her.page

    # --- The opportunity names its further requirements.
    her.log_in(GIVER_EMAIL)
    her.go(hotline.url)
    her.check("hotline")
    requirements = page.locator("#further-requirements")
    expect(requirements).to_contain_text("1")
    expect(requirements).to_contain_text("3")

    # --- On My shifts she chooses to hand her shift over and names her colleague.
    her.go("/my/shifts/")
    her.check("my-shifts")
    row = page.locator(f"tr[data-signup='{held.pk}']")
    her.submit(row.locator(f"a[href='/my/shifts/{held.pk}/handover/']"))
    her.check("handover-form")
    expect(page.locator("h1")).to_have_text(tr("Hand over a shift"))
    page.locator("input[name=audience][value=colleague]").check()
    page.locator("input[name=colleague_email]").fill(TAKER_EMAIL)
    her.submit(page.locator("#handover-form button[type=submit]"))
    her.check("offered")
    assert page.url == f"{live_server.url}/my/shifts/"
    expect(her.messages).to_contain_text(
        tr(
            "Offered. The place stays yours, and so does the duty to serve, until someone accepts; we will email you when they do."
        )
    )
    expect(row).to_contain_text(tr("Offered to %(name)s", name="王芳"))
    expect(row.locator("form[action$='/withdraw/'] button")).to_have_count(1)
    handover = Handover.objects.get(signup=held)
    assert handover.status == Handover.Status.OFFERED

    # --- 王芳 gets the email with the link to the offer.
    (offer_mail,) = [m for m in mailoutbox if m.to == [TAKER_EMAIL]]
    link = re.search(r"https?://\S+/handovers/\d+/", offer_mail.body).group(0)
    assert link == f"{live_server.url}/handovers/{handover.pk}/"
    mailoutbox.clear()

    him = Phone.open(chromium, live_server.url, shots, "taker")
    him.log_in(TAKER_EMAIL)
    him.go(link)
    him.check("offer")
    expect(him.page.locator("#handover")).to_contain_text("李明")
    expect(him.page.locator("#handover")).to_contain_text(HOTLINE_TITLE)
    him.submit(him.page.locator("#accept-handover"))
    him.check("accepted")
    assert him.page.url == f"{live_server.url}/my/shifts/"
    expect(him.messages).to_contain_text(tr("The shift is yours. A confirmation email is on its way."))
    taken = Signup.objects.get(shift=shift, contributor=taker)
    assert taken.status == Signup.Status.CONFIRMED and taken.seat == 1
    expect(him.page.locator(f"tr[data-signup='{taken.pk}']")).to_contain_text(HOTLINE_TITLE)

    # --- The link again: the offer is closed, and says so.
    him.go(link)
    him.check("offer-after")
    expect(him.page.locator("#handover-state")).to_have_text(tr("You accepted this shift: it is on My shifts."))

    # --- 李明's My shifts: no longer upcoming, listed as handed over (not cancelled).
    her.go("/my/shifts/")
    her.check("handed-over")
    expect(page.locator(f"tr[data-signup='{held.pk}']")).to_have_count(0)
    expect(page.locator("#past ~ .table-wrap")).to_contain_text(tr("Handed over"))
    held.refresh_from_db()
    assert held.status == Signup.Status.HANDED_OVER and held.seat is None

    # --- Both got an email; her calendar update cancels her event, his confirms his.
    by_person = {m.to[0]: m for m in mailoutbox}
    assert set(by_person) == {GIVER_EMAIL, TAKER_EMAIL}, [(m.to, m.subject) for m in mailoutbox]
    (giver_event,) = Calendar.from_ical(by_person[GIVER_EMAIL].attachments[0][1]).walk("VEVENT")
    assert str(giver_event["STATUS"]) == "CANCELLED"
    (taker_event,) = Calendar.from_ical(by_person[TAKER_EMAIL].attachments[0][1]).walk("VEVENT")
    assert str(taker_event["STATUS"]) == "CONFIRMED" and taker_event.decoded("dtstart") == shift.starts_at


def test_the_firm_admin_consents_to_a_members_hotline_sign_up_on_a_phone(
    live_server, chromium, artifacts_dir, mailoutbox, eager_celery
):
    """The hotline needs the firm's consent: 李明's sign-up waits, holding its seat, until the firm's
    administrator consents from the queue on the organisation's page."""
    district = RegionFactory(parent=RegionFactory(code="410400", name="平顶山市"), code="410402", name="新华区")
    venue = VenueFactory(name="12348热线平台", kind="hotline_seat", region=district)
    firm = OrganisationFactory(name="河南新华律师事务所", region=district)
    admin = UserFactory(email="wang.jianguo@xinhua-law.example.cn")
    firm.admins.add(admin)
    hotline = opportunity_create(venue=venue, service_type="hotline_12348", title=HOTLINE_TITLE, slug="hotline-12348")
    shift = ShiftFactory(opportunity=hotline, venue=venue, capacity=1, firm_consent=True)
    giver = ContributorFactory(user=UserFactory(email=GIVER_EMAIL), legal_name="李明", region=district)
    MembershipFactory(contributor=giver, organisation=firm)
    signup = rota.signup_create(contributor=giver, shift=shift)
    assert signup.status == Signup.Status.PENDING_CONSENT

    shots = Shots(artifacts_dir, "consent")
    her = Phone.open(chromium, live_server.url, shots, "lawyer")
    her.log_in(GIVER_EMAIL)
    her.go("/my/shifts/")
    her.check("my-shifts-pending")
    expect(her.page.locator(f"tr[data-signup='{signup.pk}']")).to_contain_text(tr("Waiting for your firm's consent"))

    boss = Phone.open(chromium, live_server.url, shots, "admin")
    boss.log_in(admin.email)
    boss.go(f"/org/{firm.pk}/members/")
    boss.submit(boss.page.locator("#consents-link"))
    boss.check("queue")
    row = boss.page.locator(f"#consents tr[data-signup='{signup.pk}']")
    expect(row).to_contain_text("李明")
    mailoutbox.clear()
    boss.submit(row.locator("form[action$='/approve/'] button"))
    boss.check("consented")
    expect(boss.messages).to_contain_text(tr("%(name)s's sign-up is confirmed.", name="李明"))
    signup.refresh_from_db()
    assert signup.status == Signup.Status.CONFIRMED
    (confirmation,) = [m for m in mailoutbox if m.to == [GIVER_EMAIL]]
    assert confirmation.attachments, "the confirmation carries the calendar event"
