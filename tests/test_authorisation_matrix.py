"""Who may open what: every URL of our apps against every named user (see tests/conftest.py).

The matrix below is the specification. Adding a URL to volunteers/urls.py without a row here
fails `test_every_url_has_a_row_in_the_matrix`.

Cells:
    200            the page renders
    Redirect(path) the request is accepted and answered with a redirect to `path`
    LOGIN          anonymous: redirected to the login page with ?next=
    403            logged in, but without the role the page needs
    404            has the role, but the object is outside their region / organisation, or
                   (POST-only endpoints) the object is not theirs
    NO_ROLE        POST-only endpoints, logged in without the role: refused, 403 or 404

For GET pages every refused cell is also tried with a POST, which must be refused the same way
and change nothing. For POST-only endpoints a GET is 405 (login redirect for anonymous), and
every refused POST changes nothing.
"""

import dataclasses
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.client import RedirectCycleError
from django.urls import URLResolver, get_resolver, reverse

from volunteers.models import AuditEntry, Contributor, Membership, Organisation, Region, StaffProfile, Venue

from .conftest import USER_NAMES


@dataclasses.dataclass(frozen=True)
class Redirect:
    to: str


LOGIN = "login"
NO_ROLE = (403, 404)
PROFILE = Redirect("/profile/")
PROFILE_FORM = Redirect("/profile/edit/")

# Variants of a URL with an object id: the object in district A, and the one in district B.
A, B = "A", "B"

#             anonymous lawyer other_lawyer firm_admin staff_a staff_b city_staff
PUBLIC = (200, 200, 200, 200, 200, 200, 200)
LOGGED_IN = (LOGIN, 200, 200, 200, 200, 200, 200)
STAFF_ONLY = (LOGIN, 403, 403, 403, 200, 200, 200)
STAFF_IN_A = (LOGIN, 403, 403, 403, 200, 404, 200)
STAFF_IN_B = (LOGIN, 403, 403, 403, 404, 200, 200)

# url name (or a literal path) → variant → (method, url args, POST data, expected per USER_NAMES).
# "{firm_a}" in args and data is the id of world.firm_a (tests/conftest.py), and so on.
MATRIX = {
    "/": {
        "-": ("GET", [], None, PUBLIC),
    },
    "profile": {
        "-": ("GET", [], None, (LOGIN, 200, 200, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM, PROFILE_FORM)),
    },
    "profile_complete": {
        "-": ("GET", [], None, LOGGED_IN),
    },
    "membership_request": {
        "-": ("POST", [], {"organisation": "{firm_b}"},
              (LOGIN, PROFILE, PROFILE, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
    },
    "membership_withdraw": {
        A: ("POST", ["{pending_a}"], {}, (LOGIN, 404, 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
        B: ("POST", ["{pending_b}"], {}, (LOGIN, 404, 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
        "own": ("POST", ["{lawyer_membership}"], {}, (LOGIN, PROFILE, 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
    },
    "membership_leave": {
        A: ("POST", ["{lawyer_membership}"], {}, (LOGIN, PROFILE, 404, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
        B: ("POST", ["{other_lawyer_membership}"], {}, (LOGIN, 404, PROFILE, NO_ROLE, NO_ROLE, NO_ROLE, NO_ROLE)),
    },
    "org_index": {
        "-": ("GET", [], None, (LOGIN, 403, 403, Redirect("/org/{firm_a}/members/"), 403, 403, 403)),
    },
    "org_members": {
        A: ("GET", ["{firm_a}"], None, (LOGIN, 403, 403, 200, 403, 403, 403)),
        B: ("GET", ["{firm_b}"], None, (LOGIN, 403, 403, 404, 403, 403, 403)),
    },
    "org_member_action": {
        A: ("POST", ["{firm_a}", "{pending_a}", "confirm"], {},
            (LOGIN, NO_ROLE, NO_ROLE, Redirect("/org/{firm_a}/members/"), NO_ROLE, NO_ROLE, NO_ROLE)),
        B: ("POST", ["{firm_b}", "{pending_b}", "confirm"], {},
            (LOGIN, NO_ROLE, NO_ROLE, 404, NO_ROLE, NO_ROLE, NO_ROLE)),
        # Own firm in the path, another firm's request as the membership: still not theirs.
        "forged": ("POST", ["{firm_a}", "{pending_b}", "confirm"], {},
                   (LOGIN, NO_ROLE, NO_ROLE, 404, NO_ROLE, NO_ROLE, NO_ROLE)),
        "unknown action": ("POST", ["{firm_a}", "{pending_a}", "approve-all"], {},
                           (LOGIN, NO_ROLE, NO_ROLE, 404, NO_ROLE, NO_ROLE, NO_ROLE)),
    },
    "staff_dashboard": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_regions": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_region_edit": {
        A: ("GET", ["{township_a}"], None, STAFF_IN_A),
        B: ("GET", ["{township_b}"], None, STAFF_IN_B),
    },
    "staff_region_add_child": {
        A: ("GET", ["{township_a}"], None, STAFF_IN_A),
        B: ("GET", ["{township_b}"], None, STAFF_IN_B),
    },
    "staff_venues": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_venue_create": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_venue_edit": {
        A: ("GET", ["{venue_a}"], None, STAFF_IN_A),
        B: ("GET", ["{venue_b}"], None, STAFF_IN_B),
    },
    "staff_organisations": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_organisation_create": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_organisation_edit": {
        A: ("GET", ["{firm_a}"], None, STAFF_IN_A),
        B: ("GET", ["{firm_b}"], None, STAFF_IN_B),
    },
    "staff_organisation_admins": {
        A: ("GET", ["{firm_a}"], None, STAFF_IN_A),
        B: ("GET", ["{firm_b}"], None, STAFF_IN_B),
    },
    "staff_people": {"-": ("GET", [], None, STAFF_ONLY)},
    "staff_person_edit": {
        A: ("GET", ["{lawyer_contributor}"], None, STAFF_IN_A),
        B: ("GET", ["{other_lawyer_contributor}"], None, STAFF_IN_B),
    },
}

# What a refused POST must leave untouched (logging in sets User.last_login, so not that).
_WATCHED = {
    model: [f.attname for f in model._meta.concrete_fields]
    for model in (Region, Venue, Organisation, Organisation.admins.through, Contributor, Membership, StaffProfile,
                  AuditEntry)
}
_WATCHED[get_user_model()] = ["id", "email", "password", "is_active", "is_staff", "is_superuser"]


def _rows():
    for name, variants in MATRIX.items():
        for variant, row in variants.items():
            assert len(row[3]) == len(USER_NAMES), (name, variant)
            yield pytest.param(name, *row, id=f"{name}[{variant}]")


def _ids(world):
    return {key: getattr(value, "pk", None) for key, value in vars(world).items()}


def _url(name, args, ids):
    if name.startswith("/"):
        return name
    return reverse(name, args=[arg.format(**ids) for arg in args])


def _snapshot():
    return {model._meta.label: list(model.objects.order_by("pk").values_list(*fields))
            for model, fields in _WATCHED.items()}


def _assert_response(response, cell, ids, url):
    if cell == LOGIN:
        assert response.status_code == 302, response
        assert response["Location"].startswith(reverse("account_login") + "?next="), response["Location"]
    elif isinstance(cell, Redirect):
        assert response.status_code == 302, response
        assert response["Location"].split("?")[0] == cell.to.format(**ids)
    elif cell == NO_ROLE:
        assert response.status_code in NO_ROLE, f"{url}: expected 403 or 404, got {response.status_code}"
    else:
        assert response.status_code == cell, f"{url}: expected {cell}, got {response.status_code}"


def _post_data(payload, ids):
    return {key: value.format(**ids) for key, value in (payload or {}).items()}


def _check(client, method, url, payload, user_name, cell, ids, before):
    """`before` is the database as the world fixture made it (each person starts from it)."""
    refused = cell in (LOGIN, NO_ROLE, 403, 404)
    if method == "GET":
        _assert_response(client.get(url), cell, ids, url)
        if refused:
            _assert_response(client.post(url, {}), cell, ids, url)
            assert _snapshot() == before, f"a refused POST to {url} changed the database"
    else:
        _assert_response(client.get(url), LOGIN if user_name == "anonymous" else 405, ids, url)
        _assert_response(client.post(url, _post_data(payload, ids)), cell, ids, url)
        if refused:
            assert _snapshot() == before, f"a refused POST to {url} changed the database"


@pytest.mark.parametrize("name, method, args, payload, expected", list(_rows()))
def test_authorisation_matrix(world, client_for, subtests, name, method, args, payload, expected):
    ids = _ids(world)
    url = _url(name, args, ids)
    before = _snapshot()
    for user_name, cell in zip(USER_NAMES, expected):
        with subtests.test(user=user_name, expected=cell):
            # Each person starts from the same world: what an allowed POST changes is rolled back.
            with transaction.atomic():
                try:
                    _check(client_for(user_name), method, url, payload, user_name, cell, ids, before)
                finally:
                    transaction.set_rollback(True)


def _our_url_names():
    """Names of every pattern under an include() of volunteers.urls, read from the project resolver."""
    names = set()

    def walk(patterns, inside):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, inside or pattern.urlconf_name == "volunteers.urls"
                     or getattr(pattern.urlconf_name, "__name__", "") == "volunteers.urls")
            elif inside:
                # An unnamed pattern cannot have a row: it shows up as missing.
                names.add(pattern.name or f"<unnamed {pattern.pattern}>")

    walk(get_resolver().url_patterns, False)
    return names


def test_every_url_has_a_row_in_the_matrix():
    names = _our_url_names()
    assert names, "no URL patterns found under volunteers.urls"
    table = {key for key in MATRIX if not key.startswith("/")}
    assert names - table == set(), "URLs without a row in the authorisation matrix"
    assert table - names == set(), "rows in the matrix for URLs that no longer exist"


def test_every_url_with_an_object_id_is_tried_inside_and_outside_each_region():
    for name in _our_url_names():
        pattern = get_resolver().reverse_dict.getlist(name)[0][1]
        if re.search(r"pk>", pattern):
            assert {A, B} <= set(MATRIX[name]), f"{name} needs an object in district A and one in district B"


# --- The admins: one login form (allauth's), and no way in for ordinary users ---------------------


@pytest.mark.parametrize("path", ["/cms-admin/login/", "/django-admin/login/"])
def test_admin_login_pages_send_people_to_the_allauth_login(db, client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    page = client.get(path, follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("account_login"))


@pytest.mark.parametrize("path", ["/cms-admin/login/", "/django-admin/login/"])
def test_admin_login_pages_take_no_password(db, client, path):
    response = client.post(path, {"username": "x@example.cn", "email": "x@example.cn", "password": "x"})
    assert response.status_code in (302, 403, 405)
    assert b'type="password"' not in response.content


@pytest.mark.parametrize("user_name", ["lawyer", "firm_admin", "staff_a", "city_staff"])
def test_django_admin_is_closed_to_people_who_are_not_django_staff(client_for, user_name):
    client = client_for(user_name)
    response = client.get("/django-admin/", follow=True)
    assert response.status_code == 403
    assert client.get("/django-admin/volunteers/membership/", follow=True).status_code == 403


@pytest.mark.parametrize("user_name", ["staff_a", "city_staff"])
def test_bureau_staff_reach_the_cms_admin_to_publish_opportunities(client_for, user_name):
    response = client_for(user_name).get("/cms-admin/")
    assert response.status_code == 200


@pytest.mark.parametrize("user_name", ["lawyer", "firm_admin"])
def test_the_cms_admin_refuses_signed_in_people_without_access_instead_of_looping(client_for, user_name):
    client = client_for(user_name)
    try:
        response = client.get("/cms-admin/", follow=True)
    except RedirectCycleError:
        response = None
    assert response is not None, "redirect loop: /cms-admin/ → /accounts/login/?next=/cms-admin/ → /cms-admin/"
    assert response.status_code in (200, 403)
    if response.status_code == 200:  # sent somewhere else, with a message: not into the admin
        assert not response.wsgi_request.path.startswith("/cms-admin/")


@pytest.mark.parametrize("path", ["/django-admin/", "/cms-admin/"])
def test_both_admins_open_for_a_superuser(db, client, path):
    from .factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(path).status_code == 200


def test_a_verified_user_logs_in_with_email_and_lands_on_the_home_page(world, client):
    from .factories import PASSWORD

    response = client.post(reverse("account_login"), {"login": "lawyer@example.cn", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert int(client.session["_auth_user_id"]) == world.lawyer.pk


def test_an_unverified_email_address_cannot_log_in(db, client):
    from .factories import PASSWORD, UserFactory

    user = UserFactory(email="unverified@example.cn", verified_email=False)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_email_verification_sent"))
    assert "_auth_user_id" not in client.session
