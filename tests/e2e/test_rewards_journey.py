"""Rewards on a phone: a lawyer with two stars opens My rewards, sees her points to spend and when
they expire, sees why a three-star reward is not for her yet, and requests a training place; her
request shows the pick-up code and its QR code. District staff at the venue first type a wrong code
(told so, nothing changes), then open the QR code's link and hand the place over. Her request reads
"handed over", her spendable points went down, and her earned points did not.

Each person uses their own browser context at 390×844 in headless Chromium; every page is checked
for server errors, <html lang="zh-hans"> and horizontal overflow, and photographed into
test-artifacts/e2e/rewards-*.png.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from playwright.sync_api import expect

from pointbook.ledger.selectors import points_summary
from pointbook.models import Redemption, Reward, RewardsPolicy
from tests.e2e.phones import Phone, Shots
from tests.support.ledger import post

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TRAINING = "律师实务技能培训名额"
THREE_STARS = "优先参与政府购买法律服务"


def tr(msgid, **params):
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return text % params if params else text


def test_a_lawyer_with_two_stars_redeems_a_training_place_and_staff_hand_it_over_with_the_code(
    live_server, chromium, artifacts_dir, world
):
    lawyer = world.lawyer_contributor
    RewardsPolicy.objects.update_or_create(pk=1, defaults={"expiry": "years", "expiry_years": 3})
    today = timezone.localdate()
    post(lawyer, today.replace(month=1, day=5), "200", "600")
    post(lawyer, date(today.year - 1, 6, 1), "150", "400")  # 350 h: two stars
    Reward.objects.create(
        kind="material",
        title_zh=TRAINING,
        title_en="Practice skills training place",
        description_zh="区律师协会举办的两天实务技能培训。",
        region=world.district_a,
        venue=world.venue_a,
        cost=Decimal("300"),
        stock=5,
        per_person_per_year=1,
        min_stars=2,
        contributor_kinds=["lawyer"],
        valid_from=date(2020, 1, 1),
    )
    Reward.objects.create(
        kind="policy",
        title_zh=THREE_STARS,
        title_en="Priority in procured legal services",
        region=world.city,
        cost=Decimal("0"),
        min_stars=3,
        needs_approval=True,
        valid_from=date(2020, 1, 1),
    )
    earned_before = points_summary(lawyer)

    shots = Shots(artifacts_dir, "rewards")
    her = Phone.open(chromium, live_server.url, shots, "lawyer")
    page = her.page
    her.log_in(world.lawyer.email)
    her.nav("/my/rewards/")
    her.check("my-rewards")
    expect(page.locator("#spendable strong")).to_have_text("1000")
    expect(page.locator("#lots")).to_contain_text(f"{today.year + 2}-05-31")
    with translation.override("zh-hans"):
        needs_three = ngettext("needs %(n)d star", "needs %(n)d stars", 3) % {"n": 3}
    expect(page.locator(".reward", has_text=THREE_STARS)).to_contain_text(needs_three)

    her.submit(page.locator(".reward", has_text=TRAINING).locator("button[type=submit]"))
    redemption = Redemption.objects.get()
    assert page.url == f"{live_server.url}/my/rewards/requests/{redemption.pk}/"
    her.check("request-ready")
    expect(her.messages).to_contain_text(tr("Requested. Show the pick-up code at the venue."))
    expect(page.locator("#pickup-code")).to_have_text(redemption.code)
    expect(page.locator(".qr svg")).to_have_count(1)

    staff = Phone.open(chromium, live_server.url, shots, "staff")
    counter = staff.page
    staff.log_in(world.staff_a.email)
    staff.nav("/staff/")
    staff.submit(counter.locator("a.tile[href='/staff/rewards/']"))
    staff.check("catalogue")
    staff.submit(counter.locator("#rewards a", has_text=TRAINING))
    staff.check("catalogue-editor")
    expect(counter.locator("#id_title_zh")).to_have_value(TRAINING)
    staff.go("/staff/rewards/requests/")
    staff.check("queue")
    staff.go("/staff/rewards/pickup/")
    staff.check("pickup-empty")
    counter.locator("#id_code").fill("ABCD2345")
    staff.submit(counter.locator("#code-form button[type=submit]"))
    staff.check("pickup-wrong-code")
    expect(counter.locator("#code-problem")).to_have_text(
        tr("No reward of your area has this code. Check the letters and digits and try again.")
    )

    # The QR code leads to the counter with the code filled in.
    staff.go(f"/staff/rewards/pickup/?code={redemption.code}")
    staff.check("pickup-found")
    expect(counter.locator("#found")).to_contain_text(lawyer.legal_name)
    staff.submit(counter.locator("#found button[name=hand_over]"))
    staff.check("handed-over")
    expect(staff.messages).to_contain_text(re.compile(TRAINING))
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.FULFILLED and redemption.handed_over_by == world.staff_a

    her.go(f"/my/rewards/requests/{redemption.pk}/")
    her.check("request-handed-over")
    with translation.override("zh-hans"):
        expect(page.locator("#status")).to_have_text(str(Redemption.Status.FULFILLED.label))
    her.nav("/my/rewards/")
    her.check("my-rewards-after")
    expect(page.locator("#spendable strong")).to_have_text("700")
    expect(page.locator(".reward", has_text=TRAINING)).to_contain_text(tr("limit reached this year"))
    assert points_summary(lawyer) == earned_before  # spending never lowers earned points

    # The same page in English, on the same phone.
    her.submit(page.locator("form.lang-switch button[value=en]"))
    page.screenshot(path=shots.path("lawyer-my-rewards-english"), full_page=True)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("My rewards")
    expect(page.locator(".reward", has_text="Practice skills training place")).to_contain_text(
        "limit reached this year"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
