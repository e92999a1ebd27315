"""Publishing an opportunity in the site editor, with the bureau's own staff (never the superuser), on
a phone (390 px) and on a desktop: staff of district A write an opportunity of their district and
publish it; it is on the public site; staff of district B cannot open it in the editor. The city's
staff switch review on; staff of A then submit the next one, which staff of B do not see, and the
city's staff approve it from their dashboard: it goes live.

Screenshots: test-artifacts/e2e/publishing-<viewport>-*.png."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from cms.models import OpportunityIndexPage, OpportunityPage
from tests.e2e.conftest import PHONE
from tests.e2e.phones import Phone, Shots
from volunteers.models import ServiceType

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1280, "height": 900}


def tr(msgid):
    with translation.override("zh-hans"):
        return gettext(msgid)


class Screen(Phone):
    """A person's browser at a given viewport (a phone, or a desktop)."""

    @classmethod
    def at(cls, browser, base_url, shots, who, viewport):
        phone = viewport == PHONE
        context = browser.new_context(
            viewport=viewport, device_scale_factor=1, locale="en-US", is_mobile=phone, has_touch=phone
        )
        context.set_default_timeout(15_000)
        screen = cls(context.new_page(), base_url, shots, who)
        screen.viewport = viewport
        return screen

    def shot(self, name):
        """The editor is Wagtail's: photographed and checked for server errors and width."""
        self.page.wait_for_load_state("load")
        self.page.screenshot(path=self.shots.path(f"{self.who}-{name}"), full_page=True)
        assert not self.server_errors, f"{self.who} {name}: server error(s) {self.server_errors}"
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= self.viewport["width"], f"{self.who} {name} is {width}px wide: {self.overflowing()}"

    def check(self, name):
        """The site's own pages: as `shot`, and in Chinese."""
        self.shot(name)
        expect(self.page.locator("html")).to_have_attribute("lang", "zh-hans")

    def write_opportunity(self, index, world, title, action):
        page = self.page
        self.go(f"/cms-admin/pages/add/cms/opportunitypage/{index.pk}/")
        page.locator("#id_title").fill(title)
        page.locator("#id_summary").fill("每周二上午在社区服务中心驻点")
        # The service type is a snippet chooser (a modal); its hidden input takes the choice.
        service = ServiceType.objects.get(code="village_adviser").pk
        page.locator("#id_service_type").evaluate("(input, pk) => { input.value = pk; }", str(service))
        page.locator("#id_region").select_option(str(world.district_a.pk))
        page.locator("#id_venue").select_option(str(world.venue_a.pk))
        self.shot(f"new-{action}")
        page.locator("footer [data-w-dropdown-target='toggle']").last.click()
        self.shot(f"menu-{action}")
        button = page.locator(f"button[name='action-{action}']")
        expect(button).to_be_visible()
        self.submit(button)
        self.shot(f"after-{action}")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_district_staff_publish_and_city_staff_review_their_districts_opportunities(
    live_server, chromium, artifacts_dir, world, viewport
):
    index = OpportunityIndexPage.objects.get(locale__language_code="zh-hans")
    shots = Shots(artifacts_dir, f"publishing-{'phone' if viewport == PHONE else 'desktop'}")
    author = Screen.at(chromium, live_server.url, shots, "staff-a", viewport)
    author.log_in(world.staff_a.email)

    # === 1. Review off: staff of A publish a new opportunity of their district themselves. ==========
    author.write_opportunity(index, world, "光明社区法律顾问驻点", "publish")
    first = OpportunityPage.objects.get(title="光明社区法律顾问驻点")
    assert first.live
    visitor = Screen.at(chromium, live_server.url, shots, "visitor", viewport)
    visitor.go(first.url)
    visitor.shot("public-page")
    expect(visitor.page.locator("main h1")).to_contain_text("光明社区法律顾问驻点")

    # Staff of B cannot open it in the editor.
    other = Screen.at(chromium, live_server.url, shots, "staff-b", viewport)
    other.log_in(world.staff_b.email)
    other.go(f"/cms-admin/pages/{first.pk}/edit/")
    other.shot("refused")
    assert f"/pages/{first.pk}/edit/" not in other.page.url
    expect(other.page.locator("body")).not_to_contain_text("光明社区法律顾问驻点")

    # === 2. The city's staff switch review on. ========================================================
    city = Screen.at(chromium, live_server.url, shots, "city", viewport)
    city.log_in(world.city_staff.email)
    city.go("/staff/opportunities/")
    city.check("review-off")
    city.submit(city.page.locator("main button[name=review][value=on]"))
    city.check("review-on")
    expect(city.messages).to_contain_text(
        tr("From now on, opportunities go live once another member of staff approves them.")
    )

    # === 3. Staff of A submit the next one; it waits, unseen by staff of B. ==========================
    author.write_opportunity(index, world, "中兴路街道值班律师", "submit")
    second = OpportunityPage.objects.get(title="中兴路街道值班律师")
    assert not second.live and second.workflow_in_progress
    other.go("/cms-admin/")
    other.shot("dashboard")
    expect(other.page.locator("body")).not_to_contain_text("中兴路街道值班律师")

    # === 4. The city's staff find it on their dashboard and approve it: it goes live. ================
    city.go("/cms-admin/")
    city.shot("dashboard")
    expect(city.page.locator("body")).to_contain_text("中兴路街道值班律师")
    city.go(f"/cms-admin/pages/{second.pk}/edit/")
    city.shot("review")
    city.page.locator("footer [data-w-dropdown-target='toggle']").last.click()
    approve = city.page.locator("button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])")
    expect(approve).to_be_visible()
    city.submit(approve)
    city.shot("approved")
    second.refresh_from_db()
    assert second.live
    visitor.go(second.url)
    visitor.shot("second-public-page")
    expect(visitor.page.locator("main h1")).to_contain_text("中兴路街道值班律师")
