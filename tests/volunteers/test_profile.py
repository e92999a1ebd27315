"""Completing and editing one's own contributor profile (/profile/edit/)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from tests.factories import ContributorFactory, UserFactory
from tests.support.i18n import zh
from volunteers.models import AuditEntry, Contributor, Membership, ServiceType

PROFILE_EDIT = "/profile/edit/"


def invalid_choice():
    with translation.override("zh-hans"):
        return str(forms.ModelChoiceField.default_error_messages["invalid_choice"])


@pytest.fixture
def newcomer(world, client):
    """Signed up and verified, but no profile yet."""
    user = UserFactory(email="newcomer@example.cn")
    client.force_login(user)
    client.user = user
    return client


def _form(world, **overrides):
    data = {
        "kind": "lawyer",
        "legal_name": "陈静",
        "phone": "13912345678",
        "region": world.township_a.pk,
        "licence_number": "14104201810654321",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _nothing_saved(user, contributors_before, memberships_before):
    assert not Contributor.objects.filter(user=user).exists()
    assert Contributor.objects.count() == contributors_before
    assert Membership.objects.count() == memberships_before
    assert not AuditEntry.objects.filter(actor=user).exists()


# --- Being sent to complete the profile -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/profile/", "/staff/"])
def test_a_person_without_a_profile_is_sent_to_complete_it(newcomer, path):
    response = newcomer.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{PROFILE_EDIT}?next={path}"


def _same_page(url, path, query):
    parts = urlsplit(url)
    return parts.path == path and parse_qs(parts.query) == query


def test_the_page_asked_for_survives_the_detour_with_its_query_string(world, newcomer):
    asked_for = {"q": ["李"], "page": ["2"]}
    response = newcomer.get("/staff/people/", {"q": "李", "page": "2"})

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == PROFILE_EDIT
    next_params = parse_qs(location.query)
    assert list(next_params) == ["next"], next_params
    assert _same_page(next_params["next"][0], "/staff/people/", asked_for)

    form_page = newcomer.get(response["Location"])
    saved = newcomer.post(response["Location"], {**_form(world), "next": form_page.wsgi_request.GET["next"]})
    assert saved.status_code == 302
    assert _same_page(saved["Location"], "/staff/people/", asked_for)


def test_the_profile_form_and_account_pages_open_without_a_profile(newcomer):
    assert newcomer.get(PROFILE_EDIT).status_code == 200
    assert newcomer.get(reverse("account_email")).status_code == 200


def test_the_profile_form_opens_in_chinese_by_default(newcomer):
    response = newcomer.get(PROFILE_EDIT, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert zh("Complete your profile") in response.content.decode()


def test_the_language_switch_cookie_shows_the_form_in_english(newcomer):
    newcomer.cookies["pb_language"] = "en"
    response = newcomer.get(PROFILE_EDIT)
    assert response["Content-Language"] == "en"
    assert "Complete your profile" in response.content.decode()


def test_completing_the_profile_saves_a_contributor_and_goes_on_to_next(world, newcomer):
    specialities = list(ServiceType.objects.filter(code__in=["consultation", "legal_aid"]))
    response = newcomer.post(
        f"{PROFILE_EDIT}?next=/staff/",
        {**_form(world), "specialities": [s.pk for s in specialities], "next": "/profile/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    contributor = Contributor.objects.get(user=newcomer.user)
    assert contributor.kind == Contributor.Kind.LAWYER
    assert contributor.legal_name == "陈静"
    assert contributor.phone == "13912345678"
    assert contributor.region == world.township_a
    assert contributor.licence_number == "14104201810654321"
    assert contributor.profile_completed_at is not None
    assert set(contributor.specialities.all()) == set(specialities)
    assert (
        AuditEntry.objects.filter(actor=newcomer.user, action="profile_complete", object_id=str(contributor.pk)).count()
        == 1
    )
    assert not Membership.objects.filter(contributor=contributor).exists()
    # Now complete, the person is no longer sent back to the form.
    assert newcomer.get("/profile/").status_code == 200


def test_completing_the_profile_refuses_an_offsite_next(world, newcomer):
    response = newcomer.post(PROFILE_EDIT, {**_form(world), "next": "https://evil.example.com/"})
    assert response.status_code == 302
    assert response["Location"] == "/profile/"


def test_full_width_digits_and_spaces_in_the_licence_and_phone_are_normalised(world, newcomer):
    response = newcomer.post(
        PROFILE_EDIT,
        _form(
            world,
            licence_number="１４１０４ ２０１８１\u3000０６５４ ３２１",
            phone="＋８６ １３９ １２３４ ５６７８",
        ),
    )

    assert response.status_code == 302
    contributor = Contributor.objects.get(user=newcomer.user)
    assert contributor.licence_number == "14104201810654321"
    assert contributor.phone == "13912345678"


def test_mediators_and_volunteers_give_no_licence_and_several_can_register(world, newcomer, client):
    response = newcomer.post(PROFILE_EDIT, _form(world, kind="volunteer", licence_number="whatever"))
    assert response.status_code == 302
    assert Contributor.objects.get(user=newcomer.user).licence_number is None

    second = UserFactory()
    client.force_login(second)
    response = client.post(PROFILE_EDIT, _form(world, kind="mediator", legal_name="周调解", licence_number=""))
    assert response.status_code == 302
    assert Contributor.objects.get(user=second).licence_number is None


def test_completing_the_profile_can_ask_to_join_an_organisation(world, newcomer):
    response = newcomer.post(PROFILE_EDIT, _form(world, organisation=world.firm_a.pk))

    assert response.status_code == 302
    membership = Membership.objects.get(contributor__user=newcomer.user)
    assert membership.organisation == world.firm_a
    assert membership.status == Membership.Status.PENDING
    assert membership.started_on is None and membership.ended_on is None


def test_editing_an_existing_profile_keeps_the_own_licence_number(world, client):
    client.force_login(world.lawyer)
    contributor = world.lawyer_contributor
    response = client.get(PROFILE_EDIT)
    assert "organisation" not in response.context["form"].fields  # joining is done from /profile/

    response = client.post(
        PROFILE_EDIT,
        _form(
            world,
            legal_name="李明明",
            region=world.district_a.pk,
            licence_number=contributor.licence_number,
        ),
    )

    assert response.status_code == 302
    contributor.refresh_from_db()
    assert contributor.legal_name == "李明明"
    assert Contributor.objects.filter(user=world.lawyer).count() == 1
    assert AuditEntry.objects.filter(action="profile_update", object_id=str(contributor.pk)).exists()


# --- Bad input: a clear message, nothing saved ------------------------------------------------------


def _assert_refused(response, field, message):
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert errors == [message]
    assert message and message in response.content.decode()


@pytest.mark.parametrize("typed", ["{n}", "{n_spaced}"])
def test_a_licence_number_already_registered_is_refused(world, newcomer, typed):
    taken = world.other_lawyer_contributor.licence_number
    spaced = " ".join(taken[i : i + 4] for i in range(0, len(taken), 4))
    before = Contributor.objects.count(), Membership.objects.count()

    response = newcomer.post(
        PROFILE_EDIT,
        _form(
            world,
            licence_number=typed.format(n=taken, n_spaced=spaced),
            organisation=world.firm_a.pk,
        ),
    )

    _assert_refused(response, "licence_number", zh("This practice licence number is already registered."))
    _nothing_saved(newcomer.user, *before)


def test_a_lawyers_licence_number_of_16_digits_is_refused(world, newcomer):
    before = Contributor.objects.count(), Membership.objects.count()

    response = newcomer.post(PROFILE_EDIT, _form(world, licence_number="1410420181065432"))

    _assert_refused(response, "licence_number", zh("A lawyer's practice licence number has exactly 17 digits."))
    _nothing_saved(newcomer.user, *before)
    # What was typed is still in the form, to correct rather than retype.
    assert response.context["form"]["licence_number"].value() == "1410420181065432"


def test_a_lawyer_without_a_licence_number_is_refused(world, newcomer):
    before = Contributor.objects.count(), Membership.objects.count()

    response = newcomer.post(PROFILE_EDIT, _form(world, licence_number=""))

    _assert_refused(response, "licence_number", zh("This kind of contributor must give a practice licence number."))
    _nothing_saved(newcomer.user, *before)


def test_a_malformed_mobile_number_is_refused(world, newcomer):
    before = Contributor.objects.count(), Membership.objects.count()

    response = newcomer.post(PROFILE_EDIT, _form(world, phone="12345"))

    _assert_refused(response, "phone", zh("Enter an 11-digit mainland mobile number, e.g. 13800138000."))
    _nothing_saved(newcomer.user, *before)


def test_a_forged_organisation_id_in_the_profile_form_is_refused(world, newcomer):
    before = Contributor.objects.count(), Membership.objects.count()

    response = newcomer.post(PROFILE_EDIT, _form(world, organisation=987654))

    _assert_refused(response, "organisation", invalid_choice())
    _nothing_saved(newcomer.user, *before)


def test_a_village_cannot_be_chosen_as_the_home_region(world, newcomer):
    before = Contributor.objects.count(), Membership.objects.count()

    response = newcomer.post(PROFILE_EDIT, _form(world, region=world.village_a.pk))

    _assert_refused(response, "region", invalid_choice())
    _nothing_saved(newcomer.user, *before)


def test_changing_to_a_licence_number_someone_else_holds_changes_nothing(world, client):
    client.force_login(world.lawyer)
    contributor = world.lawyer_contributor
    own = contributor.licence_number

    response = client.post(
        PROFILE_EDIT,
        _form(
            world,
            legal_name="改名",
            licence_number=world.other_lawyer_contributor.licence_number,
        ),
    )

    _assert_refused(response, "licence_number", zh("This practice licence number is already registered."))
    contributor.refresh_from_db()
    assert contributor.licence_number == own
    assert contributor.legal_name == "李明"


def test_the_profile_page_shows_the_current_organisation(world, client):
    client.force_login(world.lawyer)
    response = client.get("/profile/")
    assert response.status_code == 200
    assert response.context["current"] == world.lawyer_membership
    assert world.firm_a.name in response.content.decode()


def test_contributor_factory_licences_fit_the_lawyer_format(db):
    numbers = {ContributorFactory().licence_number for _ in range(3)}
    assert len(numbers) == 3
    assert all(len(n) == 17 and n.isdigit() for n in numbers)


def test_a_verified_profile_is_checked_again_after_the_name_or_licence_changes(world, client_for):
    from django.utils import timezone

    person = world.lawyer_contributor
    client = client_for("lawyer")

    def save(**changes):
        person.verified_at = timezone.now()
        person.save()
        data = {
            "kind": person.kind,
            "legal_name": person.legal_name,
            "phone": person.phone,
            "region": person.region_id,
            "licence_number": person.licence_number,
            "public_listing": "on",
            **changes,
        }
        assert client.post(PROFILE_EDIT, data).status_code == 302
        person.refresh_from_db()
        return person.verified_at

    assert save(phone="13900000001") is not None  # a new phone: still verified
    assert save(legal_name="李明明") is None  # a new name: checked again
    assert save(licence_number="14104201810600001") is None


def test_switching_off_public_listing_is_saved(world, client_for):
    person = world.lawyer_contributor
    data = {
        "kind": person.kind,
        "legal_name": person.legal_name,
        "phone": person.phone,
        "region": person.region_id,
        "licence_number": person.licence_number,
    }
    assert client_for("lawyer").post(PROFILE_EDIT, data).status_code == 302
    person.refresh_from_db()
    assert person.public_listing is False
