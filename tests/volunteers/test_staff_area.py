"""The bureau staff area: lists scoped to the staff member's region, and the edits they make."""

import re

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.http import PAGE_SIZE
from tests.factories import ContributorFactory, MembershipFactory, OrganisationFactory, UserFactory, VenueFactory
from tests.support.i18n import zh
from volunteers.models import AuditEntry, Contributor, Membership, Organisation, Region, Venue
from volunteers.people import services


def invalid_choice():
    with translation.override("zh-hans"):
        return str(forms.ModelChoiceField(queryset=None).error_messages["invalid_choice"])


@pytest.fixture
def as_staff_a(world, client):
    client.force_login(world.staff_a)
    return client


@pytest.fixture
def as_city_staff(world, client):
    client.force_login(world.city_staff)
    return client


def _values(obj, *fields):
    obj = type(obj).objects.get(pk=obj.pk)
    return {f: getattr(obj, f) for f in fields}


def _venue_form(venue, **overrides):
    data = {
        "name": venue.name,
        "kind": venue.kind,
        "region": venue.region_id,
        "address": venue.address,
        "is_active": "on",
    }
    data.update(overrides)
    return data


def _refused_with(response, field, message):
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _refused_in_chinese(response, *fields):
    """The form is shown again with an error, in Chinese, on one of `fields` (None: the form itself)."""
    assert response.status_code == 200
    errors = response.context["form"].errors
    messages = [m for field in fields for m in errors.get(field or "__all__", [])]
    assert messages, errors
    assert all(_CJK.search(m) for m in messages), messages
    assert all(m in response.content.decode() for m in messages)


# --- Lists: only the subtree, searchable, paginated ------------------------------------------------


def test_staff_see_only_the_people_in_their_district(world, client):
    client.force_login(world.staff_a)
    page = client.get("/staff/people/").context["page"]
    assert {c.pk for c in page} == {world.lawyer_contributor.pk, world.applicant_a.pk}

    client.force_login(world.staff_b)
    page = client.get("/staff/people/").context["page"]
    assert {c.pk for c in page} == {world.other_lawyer_contributor.pk, world.applicant_b.pk}


def test_city_staff_see_everyone_in_the_city(world, as_city_staff):
    page = as_city_staff.get("/staff/people/").context["page"]
    assert {c.pk for c in page} == set(Contributor.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("field", ["legal_name", "licence", "email", "phone"])
def test_staff_search_people_by_name_licence_email_or_phone(world, as_staff_a, field):
    target = world.lawyer_contributor
    q = {
        "legal_name": target.legal_name[:1],
        "licence": target.licence_number,
        "email": "lawyer@",
        "phone": target.phone,
    }[field]
    page = as_staff_a.get("/staff/people/", {"q": q}).context["page"]
    assert [c.pk for c in page] == [target.pk]


def test_staff_search_does_not_reach_outside_their_district(world, as_staff_a):
    other = world.other_lawyer_contributor
    for q in (other.legal_name, other.licence_number, other.user.email, other.phone):
        assert list(as_staff_a.get("/staff/people/", {"q": q}).context["page"]) == []


def test_staff_filter_people_by_kind(world, as_staff_a):
    mediator = ContributorFactory(kind=Contributor.Kind.MEDIATOR, region=world.village_a)
    page = as_staff_a.get("/staff/people/", {"kind": "mediator"}).context["page"]
    assert [c.pk for c in page] == [mediator.pk]
    # An unknown kind is ignored rather than an error.
    assert as_staff_a.get("/staff/people/", {"kind": "judge"}).context["page"].paginator.count == 3


def test_the_people_list_is_paginated(world, as_staff_a):
    ContributorFactory.create_batch(PAGE_SIZE + 8, region=world.township_a)
    total = PAGE_SIZE + 8 + 2

    first = as_staff_a.get("/staff/people/").context["page"]
    second = as_staff_a.get("/staff/people/", {"page": 2}).context["page"]
    beyond = as_staff_a.get("/staff/people/", {"page": 99}).context["page"]

    assert first.paginator.count == total
    assert len(first) == PAGE_SIZE
    assert len(second) == total - PAGE_SIZE
    assert {c.pk for c in first}.isdisjoint({c.pk for c in second})
    assert beyond.number == 2  # past the end: the last page, not an error
    assert as_staff_a.get("/staff/people/", {"page": "x"}).status_code == 200


def test_staff_see_and_search_only_the_organisations_in_their_district(world, as_staff_a):
    OrganisationFactory(name="新华公证处", kind="notary_office", region=world.township_a)
    context = as_staff_a.get("/staff/organisations/").context
    assert {o.name for o in context["page"]} == {world.firm_a.name, "新华公证处"}
    assert {o.name: o.member_count for o in context["organisations"]}[
        world.firm_a.name
    ] == 1  # the lawyer; not the request

    assert [o.name for o in as_staff_a.get("/staff/organisations/", {"q": "公证"}).context["page"]] == ["新华公证处"]
    by_licence = as_staff_a.get("/staff/organisations/", {"q": world.firm_a.licence_number}).context["page"]
    assert [o.pk for o in by_licence] == [world.firm_a.pk]
    assert list(as_staff_a.get("/staff/organisations/", {"q": "卫东"}).context["page"]) == []


def test_staff_see_and_search_only_the_venues_in_their_district(world, as_staff_a):
    VenueFactory(name="光明社区法律服务室", kind="village_room", region=world.village_a)
    page = as_staff_a.get("/staff/venues/").context["page"]
    assert {v.name for v in page} == {world.venue_a.name, "光明社区法律服务室"}
    assert [v.name for v in as_staff_a.get("/staff/venues/", {"q": "光明"}).context["page"]] == ["光明社区法律服务室"]
    assert list(as_staff_a.get("/staff/venues/", {"q": world.venue_b.name}).context["page"]) == []


def test_staff_see_only_the_regions_of_their_district(world, as_staff_a):
    page = as_staff_a.get("/staff/regions/").context["page"]
    assert [r.pk for r in page] == [world.district_a.pk, world.township_a.pk, world.village_a.pk]
    assert [r.pk for r in as_staff_a.get("/staff/regions/", {"q": "光明"}).context["page"]] == [world.village_a.pk]


def test_the_dashboard_counts_only_the_district(world, rota, as_staff_a):
    # rota: one upcoming shift in each district (each with its one person confirmed) and one past.
    counts = as_staff_a.get("/staff/").context["counts"]
    assert counts == {
        "regions": 3,
        "venues": 1,
        "organisations": 1,
        "contributors": 2,
        "upcoming_shifts": 1,
        "thin_shifts": 0,
        "requests_overdue": 0,
    }


# --- Query counts do not grow with the rows shown ----------------------------------------------------


def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_people(world, n):
    for _ in range(n):
        contributor = ContributorFactory(region=world.township_a)
        MembershipFactory(contributor=contributor, organisation=OrganisationFactory(region=world.township_a))


@pytest.mark.parametrize("path", ["/staff/people/", "/staff/organisations/", "/staff/venues/"])
def test_staff_lists_run_the_same_queries_for_5_and_for_60_rows(world, as_staff_a, path):
    _add_people(world, 5)
    VenueFactory.create_batch(5, region=world.village_a)
    as_staff_a.get(path)  # warm up (content types, session)
    few = _queries(as_staff_a, path)

    _add_people(world, 55)
    VenueFactory.create_batch(55, region=world.village_a)
    many = _queries(as_staff_a, path)

    assert few == many


# --- Editing venues ------------------------------------------------------------------------------------


def test_staff_edit_a_venue_in_their_district(world, as_staff_a):
    venue = world.venue_a
    response = as_staff_a.post(
        f"/staff/venues/{venue.pk}/",
        _venue_form(
            venue,
            name="新华区公共法律服务中心（新址）",
            region=world.township_a.pk,
            is_rural="on",
        ),
    )

    assert response.status_code == 302 and response["Location"] == "/staff/venues/"
    assert _values(venue, "name", "region_id", "is_rural") == {
        "name": "新华区公共法律服务中心（新址）",
        "region_id": world.township_a.pk,
        "is_rural": True,
    }
    assert AuditEntry.objects.filter(actor=world.staff_a, action="venue_update", object_id=str(venue.pk)).exists()


def test_staff_create_a_venue_in_their_district(world, as_staff_a):
    response = as_staff_a.post(
        "/staff/venues/new/",
        {
            "name": "光明社区法律服务室",
            "kind": "village_room",
            "region": world.village_a.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    venue = Venue.objects.get(name="光明社区法律服务室")
    assert venue.region == world.village_a
    assert AuditEntry.objects.filter(action="venue_create", object_id=str(venue.pk)).exists()


def test_staff_cannot_post_an_edit_to_a_venue_in_another_district(world, as_staff_a):
    venue = world.venue_b
    before = _values(venue, "name", "kind", "region_id", "address", "is_rural", "is_active")

    response = as_staff_a.post(
        f"/staff/venues/{venue.pk}/", _venue_form(venue, name="被篡改", region=world.district_a.pk)
    )

    assert response.status_code == 404
    assert _values(venue, *before) == before
    assert not AuditEntry.objects.exclude(action="staff_profile_save").exists()


def test_staff_cannot_move_their_venue_into_another_district_by_forging_the_region(world, as_staff_a):
    venue = world.venue_a
    before = _values(venue, "name", "region_id")

    response = as_staff_a.post(f"/staff/venues/{venue.pk}/", _venue_form(venue, region=world.township_b.pk))

    _refused_with(response, "region", invalid_choice())
    assert _values(venue, *before) == before
    assert not AuditEntry.objects.exclude(action="staff_profile_save").exists()


def test_the_venue_service_refuses_a_region_outside_the_scope(world):
    """The form limits the choices; the service checks again, so no other caller can skip it."""
    with pytest.raises(ValidationError) as exc:
        services.venue_save(
            actor=world.staff_a,
            scope=world.district_a,
            venue=world.venue_a,
            name=world.venue_a.name,
            kind="centre",
            region=world.district_b,
            address="",
            is_rural=False,
            is_active=True,
        )
    assert "region" in exc.value.message_dict
    assert Venue.objects.get(pk=world.venue_a.pk).region == world.district_a


def test_a_second_venue_with_the_same_name_in_a_region_is_refused(world, as_staff_a):
    before = Venue.objects.count()
    response = as_staff_a.post(
        "/staff/venues/new/",
        {
            "name": world.venue_a.name,
            "kind": "centre",
            "region": world.district_a.pk,
            "is_active": "on",
        },
    )
    _refused_in_chinese(response, "name", None)
    assert Venue.objects.count() == before


# --- Organisations and their admins ------------------------------------------------------------------


def test_staff_create_an_organisation_with_a_normalised_licence(world, as_staff_a):
    response = as_staff_a.post(
        "/staff/organisations/new/",
        {
            "name": "中兴律师事务所",
            "kind": "law_firm",
            "region": world.township_a.pk,
            "licence_number": "３１４１ ０００ ０１２３４",
            "address": "",
            "phone": "",
        },
    )
    organisation = Organisation.objects.get(name="中兴律师事务所")
    assert response.status_code == 302 and response["Location"] == f"/staff/organisations/{organisation.pk}/admins/"
    assert organisation.licence_number == "314100001234"


def test_a_duplicate_organisation_licence_is_refused(world, as_staff_a):
    before = Organisation.objects.count()
    response = as_staff_a.post(
        "/staff/organisations/new/",
        {
            "name": "重复所",
            "kind": "law_firm",
            "region": world.township_a.pk,
            "licence_number": world.firm_b.licence_number,
            "address": "",
            "phone": "",
        },
    )
    _refused_in_chinese(response, "licence_number")
    assert Organisation.objects.count() == before


def test_a_duplicate_organisation_licence_typed_with_spaces_is_refused(world, as_staff_a):
    before = Organisation.objects.count()
    taken = world.firm_b.licence_number
    response = as_staff_a.post(
        "/staff/organisations/new/",
        {
            "name": "重复所",
            "kind": "law_firm",
            "region": world.township_a.pk,
            "licence_number": f"{taken[:8]} {taken[8:]}",
            "address": "",
            "phone": "",
        },
    )
    _refused_with(response, "licence_number", zh("An organisation with this licence number already exists."))
    assert Organisation.objects.count() == before


def test_staff_mark_a_firm_not_in_good_standing_and_the_list_says_so(world, as_staff_a):
    firm = world.firm_a
    form = as_staff_a.get(f"/staff/organisations/{firm.pk}/").content.decode()
    assert re.search(r'<input[^>]*name="good_standing"[^>]*checked', form)
    response = as_staff_a.post(
        f"/staff/organisations/{firm.pk}/",
        {
            "name": firm.name,
            "kind": firm.kind,
            "region": firm.region_id,
            "licence_number": firm.licence_number,
            "address": "",
            "phone": "",
        },
    )  # the box unticked
    assert response.status_code == 302
    assert Organisation.objects.get(pk=firm.pk).good_standing is False
    entry = AuditEntry.objects.filter(action="organisation_update").latest("id")
    assert entry.data["good_standing"] is False
    listing = as_staff_a.get("/staff/organisations/").content.decode()
    assert zh("not in good standing") in listing
    as_staff_a.post(
        f"/staff/organisations/{firm.pk}/",
        {
            "name": firm.name,
            "kind": firm.kind,
            "region": firm.region_id,
            "licence_number": firm.licence_number,
            "address": "",
            "phone": "",
            "good_standing": "on",
        },
    )
    assert Organisation.objects.get(pk=firm.pk).good_standing is True
    assert zh("not in good standing") not in as_staff_a.get("/staff/organisations/").content.decode()


def test_staff_cannot_move_an_organisation_into_another_district(world, as_staff_a):
    firm = world.firm_a
    response = as_staff_a.post(
        f"/staff/organisations/{firm.pk}/",
        {
            "name": firm.name,
            "kind": firm.kind,
            "region": world.district_b.pk,
            "licence_number": firm.licence_number,
            "address": "",
            "phone": "",
        },
    )
    _refused_with(response, "region", invalid_choice())
    assert Organisation.objects.get(pk=firm.pk).region == world.district_a


def test_staff_add_and_remove_an_organisation_admin(world, as_staff_a):
    newcomer = UserFactory(email="new.admin@example.cn")
    url = f"/staff/organisations/{world.firm_a.pk}/admins/"

    assert as_staff_a.post(url, {"email": "NEW.ADMIN@example.cn"}).status_code == 302
    assert set(world.firm_a.admins.all()) == {world.firm_admin, newcomer}

    assert as_staff_a.post(url, {"remove": str(newcomer.pk)}).status_code == 302
    assert set(world.firm_a.admins.all()) == {world.firm_admin}
    assert list(
        AuditEntry.objects.exclude(action="staff_profile_save").order_by("pk").values_list("action", flat=True)
    ) == [
        "organisation_admin_add",
        "organisation_admin_remove",
    ]


def test_adding_an_admin_with_an_unknown_email_is_refused(world, as_staff_a):
    response = as_staff_a.post(f"/staff/organisations/{world.firm_a.pk}/admins/", {"email": "nobody@example.cn"})
    _refused_with(response, "email", zh("No account uses this email address. Ask the person to sign up first."))
    assert set(world.firm_a.admins.all()) == {world.firm_admin}


def test_staff_cannot_change_the_admins_of_a_firm_in_another_district(world, as_staff_a):
    url = f"/staff/organisations/{world.firm_b.pk}/admins/"
    assert as_staff_a.post(url, {"email": world.staff_a.email}).status_code == 404
    assert not world.firm_b.admins.exists()


# --- Regions -------------------------------------------------------------------------------------------


def test_staff_add_a_village_under_a_township(world, as_staff_a):
    response = as_staff_a.post(
        f"/staff/regions/{world.township_a.pk}/add/", {"code": "410402001002", "name": "和平社区"}
    )

    assert response.status_code == 302
    village = Region.objects.get(code="410402001002")
    assert village.level == Region.Level.VILLAGE
    assert village.get_parent() == world.township_a
    assert world.district_a.contains(village) and not world.district_b.contains(village)


def test_a_region_code_already_used_is_refused(world, as_staff_a):
    before = Region.objects.count()
    response = as_staff_a.post(
        f"/staff/regions/{world.township_a.pk}/add/", {"code": world.village_b.code, "name": "重复社区"}
    )
    _refused_with(response, "code", zh("Another region already uses this code."))
    assert Region.objects.count() == before


def test_nothing_can_be_added_under_a_village(world, as_staff_a):
    before = Region.objects.count()
    response = as_staff_a.post(f"/staff/regions/{world.village_a.pk}/add/", {"code": "410402001001001", "name": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Region.objects.count() == before


def test_staff_rename_a_region_of_their_district(world, as_staff_a):
    response = as_staff_a.post(
        f"/staff/regions/{world.township_a.pk}/", {"code": world.township_a.code, "name": "中兴街道"}
    )
    assert response.status_code == 302
    assert Region.objects.get(pk=world.township_a.pk).name == "中兴街道"


def test_staff_cannot_rename_a_region_of_another_district(world, as_staff_a):
    response = as_staff_a.post(f"/staff/regions/{world.township_b.pk}/", {"code": world.township_b.code, "name": "x"})
    assert response.status_code == 404
    assert Region.objects.get(pk=world.township_b.pk).name == world.township_b.name


# --- People ----------------------------------------------------------------------------------------------


def _person_form(contributor, **overrides):
    data = {
        "kind": contributor.kind,
        "legal_name": contributor.legal_name,
        "phone": contributor.phone,
        "region": contributor.region_id,
        "licence_number": contributor.licence_number or "",
    }
    data.update(overrides)
    return data


def test_staff_correct_a_persons_details_and_the_change_is_audited(world, as_staff_a):
    contributor = world.lawyer_contributor
    response = as_staff_a.post(f"/staff/people/{contributor.pk}/", _person_form(contributor, phone="13700001111"))

    assert response.status_code == 302
    assert Contributor.objects.get(pk=contributor.pk).phone == "13700001111"
    entry = AuditEntry.objects.get(action="contributor_update", object_id=str(contributor.pk))
    assert entry.actor == world.staff_a
    assert entry.data["before"]["phone"] == contributor.phone
    assert entry.data["after"]["phone"] == "13700001111"


def test_staff_cannot_move_a_person_into_another_district(world, as_staff_a):
    contributor = world.lawyer_contributor
    response = as_staff_a.post(
        f"/staff/people/{contributor.pk}/", _person_form(contributor, region=world.district_b.pk)
    )
    _refused_with(response, "region", invalid_choice())
    assert Contributor.objects.get(pk=contributor.pk).region == world.district_a


def test_staff_cannot_give_a_person_someone_elses_licence_number(world, as_city_staff):
    contributor = world.lawyer_contributor
    response = as_city_staff.post(
        f"/staff/people/{contributor.pk}/",
        _person_form(
            contributor,
            licence_number=world.other_lawyer_contributor.licence_number,
        ),
    )
    _refused_with(response, "licence_number", zh("This practice licence number is already registered."))
    assert Contributor.objects.get(pk=contributor.pk).licence_number == contributor.licence_number
    assert not AuditEntry.objects.exclude(action="staff_profile_save").exists()


def test_staff_cannot_edit_a_person_in_another_district(world, as_staff_a):
    contributor = world.other_lawyer_contributor
    response = as_staff_a.post(f"/staff/people/{contributor.pk}/", _person_form(contributor, legal_name="x"))
    assert response.status_code == 404
    assert Contributor.objects.get(pk=contributor.pk).legal_name == contributor.legal_name


def test_the_person_page_shows_their_membership_history(world, as_staff_a):
    response = as_staff_a.get(f"/staff/people/{world.lawyer_contributor.pk}/")
    assert [m.pk for m in response.context["memberships"]] == [world.lawyer_membership.pk]
    assert Membership.objects.count() == 4
