"""The site editor in Chinese (the default language), as district staff use it: its main screens
show no English left over from Wagtail's incomplete zh_Hans catalogue (locale_wagtail/ fills the
gaps), and no avatar or anything else comes from gravatar.com."""

import json
import re
from html.parser import HTMLParser

import pytest

from cms.models import OpportunityIndexPage
from cms.publishing import opportunity_review_set
from tests.factories import opportunity_create
from volunteers.models import ServiceType

# Visible words that are not the editor's to translate: keys on the keyboard, names (of the product,
# of languages in their own tongue, of time zones), the site's own data, the signed-in email.
ALLOWED = re.compile(
    r"(Ctrl|Shift|Alt|Esc|Cmd|Wagtail|JavaScript|CSV|XLSX|URL|http|https|domain|com|work|my|example|cn|"
    r"English|Deutsch|Nederlands|Magyar|Hrvatski|Lietuvi\w*|Rom\w+|Sloven\w+|Portugu\w+|Brasileiro|"
    r"Bahasa|Indonesia|Mongolian|catal\w+|eesti|espa\w+|fran\w+|galego|italiano|norsk|bokm\w+|polski|"
    r"slovensky|suomi|svenska|\w+sk\w*|UTC|GMT|localtime|Moderators|approval)$",
    re.IGNORECASE,
)
EMAIL = re.compile(r"^[\w.+-]+@[\w.-]+$")
EMAILS = re.compile(r"[\w.+-]+@[\w.-]+")
# Still English, and not from a Wagtail catalogue entry that could be filled in here (a column heading
# and an empty cell of the explorer's table, the chooser's top level, the admin search's count which
# names no page type): known, to be looked at.
KNOWN_LEFTOVERS = {"Actions", "None", "Root", "第 1–2 个，共 2 个None"}
TIME_ZONE = re.compile(r"^[A-Za-z_+\-0-9]+(/[A-Za-z_+\-0-9]+)+$|^[A-Z]{2,5}[0-9A-Z+\-]*$")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hidden = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "title", "alt") and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(data.strip())


def english_leftovers(html: str, data_words: set[str]) -> set[str]:
    parser = _VisibleText()
    parser.feed(html)
    found = set()
    for text in parser.texts:
        if TIME_ZONE.match(text) or EMAIL.match(text) or text in data_words or text in KNOWN_LEFTOVERS:
            continue
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z']{2,}", EMAILS.sub("", text)) if not ALLOWED.match(w)]
        if words:
            found.add(text)
    return found


@pytest.fixture
def screens(world):
    index = OpportunityIndexPage.objects.get(locale__language_code="zh-hans")
    page = opportunity_create(venue=world.venue_a)
    opportunity_review_set(actor=world.city_staff, on=True)
    submitted = opportunity_create(venue=world.venue_a, slug="submitted", publish=False)
    submitted.save_revision(user=world.city_staff)
    submitted.get_workflow().start(submitted, world.city_staff)
    return [
        "/cms-admin/",
        f"/cms-admin/pages/{index.pk}/",
        f"/cms-admin/pages/{index.pk}/?q=值班",
        f"/cms-admin/pages/add/cms/opportunitypage/{index.pk}/",
        f"/cms-admin/pages/{page.pk}/edit/",
        f"/cms-admin/pages/{submitted.pk}/edit/",
        f"/cms-admin/pages/{page.pk}/history/",
        f"/cms-admin/pages/{submitted.pk}/workflow_history/",
        "/cms-admin/pages/search/?q=12348",
        "/cms-admin/reports/workflow/",
        "/cms-admin/reports/locked/",
        "/cms-admin/choose-page/",
        "/cms-admin/images/chooser/",
        "/cms-admin/documents/chooser/",
    ]


def _body(response):
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return json.loads(response.content).get("html", "")
    return response.content.decode()


def test_the_editors_main_screens_are_in_chinese_for_district_staff(world, client_for, screens):
    client = client_for("staff_a")
    data_words = {email for email in ("staff.a@example.cn",)}
    for service in ServiceType.objects.all():
        data_words |= {service.code, service.name_en}
    left = {}
    for url in screens:
        response = client.get(url)
        assert response.status_code == 200, url
        leftovers = english_leftovers(_body(response), data_words)
        if leftovers:
            left[url] = sorted(leftovers)
    assert left == {}


@pytest.mark.parametrize("text", ["18 Pages", "Search all pages…", "Date updated", "Exploring", "Anyone can edit"])
def test_the_reported_leftovers_are_gone(world, client_for, text):
    index = OpportunityIndexPage.objects.get(locale__language_code="zh-hans")
    client = client_for("staff_a")
    pages = (client.get("/cms-admin/").content + client.get(f"/cms-admin/pages/{index.pk}/").content).decode()
    assert text not in pages
    assert "个页面" in client.get("/cms-admin/").content.decode()


def test_no_avatar_or_anything_else_comes_from_gravatar(world, client_for, screens):
    client = client_for("staff_a")
    for url in screens:
        assert "gravatar" not in _body(client.get(url)).lower(), url


def test_the_editors_javascript_strings_are_in_chinese_too(world, client_for):
    catalogue = client_for("staff_a").get("/cms-admin/jsi18n/").content.decode()
    assert "\\u8f93\\u5165\\u5185\\u5bb9" in catalogue or "输入内容" in catalogue  # the rich-text placeholder
