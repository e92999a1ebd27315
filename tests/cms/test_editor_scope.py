"""The site editor (Wagtail admin) shows bureau staff only the opportunities of their own region's
subtree, and refuses every direct URL to the others (docs/subsystems/editor-scope.md).

`tests/test_authorisation_matrix.py` walks our own URL confs; Wagtail's admin URLs are walked here,
in `EDITOR_MATRIX` (user × URL → expected), with the same named users (tests/conftest.py).

Pages (`pages` fixture), all under the city-wide opportunity list:
    live_a   published, at a venue of township A (district A's subtree)
    draft_a  never published, a draft revision, district A
    live_b   published, district B
    draft_b  never published, a draft revision, district B
    city     published, the city itself (no district's)
"""

import json
import re
import types

import pytest
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import Page, PageViewRestriction

from tests.conftest import USER_NAMES
from tests.factories import VenueFactory, opportunity_create
from volunteers.models import StaffProfile

# Each title has a word of its own, and all share "Clinic" for the searches.
TITLES = {
    "live_a": "Clinic Xinhua open",
    "draft_a": "Clinic Xinhua planned",
    "live_b": "Clinic Weidong open",
    "draft_b": "Clinic Weidong planned",
    "city": "Clinic Pingdingshan open",
}
SEES = {
    "staff_a": {"live_a", "draft_a"},
    "staff_b": {"live_b", "draft_b"},
    "city_staff": set(TITLES),
}


@pytest.fixture
def pages(world):
    p = types.SimpleNamespace()
    where = {"a": world.township_a, "b": world.district_b, "city": world.city}
    for key, title in TITLES.items():
        region = where[key.split("_")[-1]]
        page = opportunity_create(
            venue=VenueFactory(region=region), title=title, slug=key.replace("_", "-"), publish=key != "draft_a"
        )
        if key.startswith("draft"):
            page.save_revision(log_action=True)
        setattr(p, key, page)
    p.index = p.live_a.get_parent()
    p.rev_a = p.live_a.get_latest_revision()
    p.rev_b = p.live_b.get_latest_revision()
    p.draft_rev_a = p.draft_a.get_latest_revision()
    p.draft_rev_b = p.draft_b.get_latest_revision()
    return p


def _ids(pages):
    return {k: getattr(v, "pk", None) for k, v in vars(pages).items()}


def _body(response):
    """The text a person would see: a modal (the chooser, privacy) answers JSON around its HTML."""
    text = response.content.decode()
    if response.get("Content-Type", "").startswith("application/json"):
        data = json.loads(text)
        text = json.dumps(data, ensure_ascii=False) + str(data.get("html", ""))
    return text


# --- The matrix: every Wagtail admin URL that names a page, for every named user ------------------

LOGIN = "login"
OK = 200
NO = "refused"  # 403, 404, or sent elsewhere with a message; the page's title nowhere in the answer

#        anonymous lawyer other_lawyer firm_admin staff_a staff_b city_staff
STAFF = (LOGIN, NO, NO, NO, OK, OK, OK)
IN_A = (LOGIN, NO, NO, NO, OK, NO, OK)
IN_B = (LOGIN, NO, NO, NO, NO, OK, OK)

EDIT = {"title": "Clinic renamed", "slug": "renamed", "action-publish": "action-publish"}
COPY = {"new_title": "Clinic copied", "new_slug": "copied", "new_parent_page": "{index}"}
PRIVACY = {"restriction_type": "password", "password": "secret-1234"}

# URL (after /cms-admin/) → expected per user, and what a refused person also tries to POST there.
EDITOR_MATRIX = {
    # Listings of the opportunity list; what each one shows is in test_each_listing_shows_...
    "pages/{index}/": (STAFF, None),
    "pages/{index}/?q=x": (STAFF, None),
    "pages/{index}/?q=Clinic&search_all=1": (STAFF, None),
    "pages/search/?q=Clinic": (STAFF, None),
    "choose-page/{index}/": (STAFF, None),
    "choose-page/search/?q=Clinic": (STAFF, None),
    # A published opportunity of each district.
    "pages/{live_a}/": (IN_A, None),
    "pages/{live_b}/": (IN_B, None),
    "pages/{live_a}/?q=x": (IN_A, None),
    "pages/{live_b}/?q=x": (IN_B, None),
    "pages/{live_a}/edit/": (IN_A, EDIT),
    "pages/{live_b}/edit/": (IN_B, EDIT),
    "pages/{live_a}/edit/preview/": (IN_A, EDIT),
    "pages/{live_b}/edit/preview/": (IN_B, EDIT),
    "pages/{live_a}/history/": (IN_A, None),
    "pages/{live_b}/history/": (IN_B, None),
    "pages/{live_a}/revisions/{rev_a}/view/": (IN_A, None),
    "pages/{live_b}/revisions/{rev_b}/view/": (IN_B, None),
    "pages/{live_a}/revisions/{rev_a}/revert/": (IN_A, EDIT),
    "pages/{live_b}/revisions/{rev_b}/revert/": (IN_B, EDIT),
    "pages/{live_a}/revisions/compare/earliest...live/": (IN_A, None),
    "pages/{live_b}/revisions/compare/earliest...live/": (IN_B, None),
    "pages/{live_a}/usage/": (IN_A, None),
    "pages/{live_b}/usage/": (IN_B, None),
    "pages/{live_a}/copy/": (IN_A, COPY),
    "pages/{live_b}/copy/": (IN_B, COPY),
    "pages/{live_a}/move/": (IN_A, None),
    "pages/{live_b}/move/": (IN_B, None),
    "pages/{live_a}/move/{index}/confirm/": (IN_A, {}),
    "pages/{live_b}/move/{index}/confirm/": (IN_B, {}),
    "pages/{live_a}/delete/": (IN_A, {}),
    "pages/{live_b}/delete/": (IN_B, {}),
    "pages/{live_a}/unpublish/": (IN_A, {}),
    "pages/{live_b}/unpublish/": (IN_B, {}),
    "pages/{live_a}/privacy/": (IN_A, PRIVACY),
    "pages/{live_b}/privacy/": (IN_B, PRIVACY),
    "pages/{live_a}/workflow_history/": (IN_A, None),
    "pages/{live_b}/workflow_history/": (IN_B, None),
    "choose-page/{live_a}/": (IN_A, None),
    "choose-page/{live_b}/": (IN_B, None),
    "api/main/pages/{live_a}/": (IN_A, None),
    "api/main/pages/{live_b}/": (IN_B, None),
    # A draft of each district: never published, so only its editors know it.
    "pages/{draft_a}/": (IN_A, None),
    "pages/{draft_b}/": (IN_B, None),
    "pages/{draft_a}/edit/": (IN_A, EDIT),
    "pages/{draft_b}/edit/": (IN_B, EDIT),
    "pages/{draft_a}/edit/preview/": (IN_A, EDIT),
    "pages/{draft_b}/edit/preview/": (IN_B, EDIT),
    "pages/{draft_a}/view_draft/": (IN_A, None),
    "pages/{draft_b}/view_draft/": (IN_B, None),
    "pages/{draft_a}/history/": (IN_A, None),
    "pages/{draft_b}/history/": (IN_B, None),
    "pages/{draft_a}/revisions/{draft_rev_a}/view/": (IN_A, None),
    "pages/{draft_b}/revisions/{draft_rev_b}/view/": (IN_B, None),
    "pages/{draft_a}/revisions/compare/earliest...latest/": (IN_A, None),
    "pages/{draft_b}/revisions/compare/earliest...latest/": (IN_B, None),
    "pages/{draft_a}/delete/": (IN_A, {}),
    "pages/{draft_b}/delete/": (IN_B, {}),
    "choose-page/{draft_a}/": (IN_A, None),
    "choose-page/{draft_b}/": (IN_B, None),
    "bulk/wagtailcore/page/publish/?id={draft_a}": (IN_A, {}),
    "bulk/wagtailcore/page/publish/?id={draft_b}": (IN_B, {}),
    "bulk/wagtailcore/page/delete/?id={draft_a}": (IN_A, {}),
    "bulk/wagtailcore/page/delete/?id={draft_b}": (IN_B, {}),
}


def _page_in(url):
    """The page a row is about (its title must show when allowed, and nowhere when refused)."""
    match = re.search(r"\{((?:live|draft)_[ab])\}", url)
    return match.group(1) if match else None


def _snapshot():
    return sorted(
        (p.pk, p.title, p.draft_title, p.slug, p.live, p.path, p.locked, p.revisions.count())
        for p in Page.objects.all()
    ) + [PageViewRestriction.objects.count()]


def _refused(response, url):
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and not response["Location"].startswith(url.split("?")[0])


@pytest.mark.parametrize("url", list(EDITOR_MATRIX))
def test_editor_matrix(pages, client_for, url):
    expected, post = EDITOR_MATRIX[url]
    ids = _ids(pages)
    full = "/cms-admin/" + url.format(**ids)
    about = _page_in(url)
    title = TITLES[about] if about else None
    before = _snapshot()
    for user_name, cell in zip(USER_NAMES, expected, strict=True):
        client = client_for(user_name)
        response = client.get(full)
        where = f"{user_name} GET {full}"
        if cell == LOGIN:
            assert response.status_code == 302 and "login" in response["Location"], (where, response.status_code)
        elif cell == OK:
            assert response.status_code == 200, (where, response.status_code)
            # A preview shows the form as last posted to it (a placeholder before that); the
            # privacy modal is a form only.
            if title and not url.endswith(("/preview/", "/privacy/")):
                assert title in _body(response), f"{where}: the page's title is not shown"
        else:
            assert _refused(response, full), (where, response.status_code)
            if title:
                assert title not in _body(response), f"{where}: refused, but the page's title is shown"
            if post is not None:
                data = {k: v.format(**ids) for k, v in post.items()}
                answer = client.post(full, data)
                assert _refused(answer, full), (f"{user_name} POST {full}", answer.status_code)
                assert _snapshot() == before, f"{user_name} POST {full} changed pages"


def test_the_matrix_tries_every_direct_url_to_a_page_in_both_districts():
    actions = {re.sub(r"\{[a-z_]+\}", "#", url).split("?")[0] for url in EDITOR_MATRIX}
    direct = ("edit/", "history/", "revisions/#/view/", "edit/preview/", "view_draft/", "copy/", "move/", "delete/")
    for action in (*direct, "unpublish/"):
        assert f"pages/#/{action}" in actions, action
    for url in EDITOR_MATRIX:
        if "_a}" in url:
            assert url.replace("_a}", "_b}") in EDITOR_MATRIX, f"{url} has no district B twin"


# --- What each listing shows --------------------------------------------------------------------

LISTINGS = {
    "explorer": "pages/{index}/",
    "explorer search": "pages/{index}/?q=Clinic",
    "explorer search of the whole tree": "pages/{index}/?q=Clinic&search_all=1",
    "explorer search results (as the page updates them)": "pages/{index}/results/?q=Clinic",
    "admin page search": "pages/search/?q=Clinic",
    "page chooser": "choose-page/{index}/",
    "page chooser search": "choose-page/search/?q=Clinic",
    "sidebar page explorer": "api/main/pages/?child_of={index}&for_explorer=1",
    "pages of a type": "pages/usage/cms/opportunitypage/",
    "site history report": "reports/site-history/",
}


@pytest.mark.parametrize("user_name", list(SEES))
@pytest.mark.parametrize("listing", list(LISTINGS))
def test_each_listing_shows_the_staff_members_own_pages_drafts_included_and_no_others(
    pages, client_for, listing, user_name
):
    response = client_for(user_name).get("/cms-admin/" + LISTINGS[listing].format(**_ids(pages)))
    assert response.status_code == 200
    body = _body(response)
    for key, title in TITLES.items():
        if key in SEES[user_name]:
            assert title in body, f"{listing}: {user_name} does not see {key}"
        else:
            assert title not in body, f"{listing}: {user_name} sees {key}"


@pytest.mark.parametrize("user_name", list(SEES))
def test_the_aging_and_locked_pages_reports_list_only_the_staff_members_own_pages(pages, client_for, user_name):
    Page.objects.filter(pk__in=[pages.live_a.pk, pages.live_b.pk, pages.city.pk]).update(
        locked=True, locked_at=timezone.now()
    )
    client = client_for(user_name)
    for report in ("aging-pages", "locked"):
        body = _body(client.get(f"/cms-admin/reports/{report}/"))
        for key in ("live_a", "live_b", "city"):
            assert (TITLES[key] in body) == (key in SEES[user_name]), f"{report}: {user_name} and {key}"


def _dashboard_count(body):
    return int(re.search(r'href="/cms-admin/pages/\d+/">\s*(\d+)', body).group(1))


def test_the_dashboard_counts_only_the_staff_members_pages(pages, client_for):
    # The opportunity list itself, plus the opportunities each may work on.
    counts = {name: _dashboard_count(_body(client_for(name).get("/cms-admin/"))) for name in SEES}
    assert counts == {"staff_a": 3, "staff_b": 3, "city_staff": 6}


def test_after_moving_to_another_district_the_dashboard_no_longer_lists_the_old_districts_pages(
    world, pages, client_for
):
    staff = world.staff_b
    log(instance=pages.live_b, action="wagtail.edit", user=staff)
    Page.objects.filter(pk=pages.live_b.pk).update(locked=True, locked_by=staff, locked_at=timezone.now())
    client = client_for("staff_b")
    body = _body(client.get("/cms-admin/"))
    assert body.count(TITLES["live_b"]) >= 2, "recently edited and locked by me"

    StaffProfile.objects.filter(user=staff).update(region=world.district_a)
    body = _body(client.get("/cms-admin/"))
    assert TITLES["live_b"] not in body


# --- Searching the explorer: a 500 before ---------------------------------------------------------


@pytest.mark.parametrize("user_name", list(SEES))
def test_searching_the_opportunity_list_answers_with_the_matches_in_scope(pages, client_for, user_name):
    # Searching for one page's own word: found by those who may see it, by no one else.
    client = client_for(user_name)
    for key, title in TITLES.items():
        response = client.get(f"/cms-admin/pages/{pages.index.pk}/", {"q": title.split()[1]})
        assert response.status_code == 200
        shown = {k for k, t in TITLES.items() if t in _body(response)}
        assert shown == ({k for k in SEES[user_name] if TITLES[k].split()[1] == title.split()[1]}), (key, shown)


# --- Bulk delete keeps opportunities that have shifts ----------------------------------------------


def test_bulk_delete_keeps_an_opportunity_with_shifts(pages, client_for):
    from tests.factories import ShiftFactory

    ShiftFactory(opportunity=pages.live_a, venue=pages.live_a.venue)
    client = client_for("staff_a")
    response = client.post(f"/cms-admin/bulk/wagtailcore/page/delete/?id={pages.live_a.pk}&id={pages.draft_a.pk}", {})
    assert response.status_code == 302
    assert Page.objects.filter(pk__in=[pages.live_a.pk, pages.draft_a.pk]).count() == 2
    # Without shifts the same bulk delete goes through (so the refusal above is about the shifts).
    client.post(f"/cms-admin/bulk/wagtailcore/page/delete/?id={pages.draft_a.pk}", {})
    assert not Page.objects.filter(pk=pages.draft_a.pk).exists()
