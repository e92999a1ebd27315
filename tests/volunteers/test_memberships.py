"""Belonging to an organisation: request, confirm, decline, remove, leave, and the history kept."""

import datetime

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from tests.factories import ContributorFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.support.i18n import zh
from volunteers.models import AuditEntry, Membership
from volunteers.people import services


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _rows():
    return list(Membership.objects.order_by("pk").values_list())


def _action_url(organisation, membership, action):
    return f"/org/{organisation.pk}/members/{membership.pk}/{action}/"


@pytest.fixture
def firm_b_admin(world):
    user = UserFactory(email="firm.b.admin@example.cn")
    world.firm_b.admins.add(user)
    return user


# --- Asking to join -------------------------------------------------------------------------------


def test_a_contributor_asks_to_join_an_organisation(world, client):
    client.force_login(world.other_lawyer)
    response = client.post("/profile/join/", {"organisation": world.firm_a.pk})

    assert response.status_code == 302 and response["Location"] == "/profile/"
    request = Membership.objects.get(contributor=world.other_lawyer_contributor, organisation=world.firm_a)
    assert request.status == Membership.Status.PENDING
    assert request.started_on is None and request.ended_on is None and request.decided_by is None
    # Asking does not end the current membership: only the new firm's confirmation does.
    world.other_lawyer_membership.refresh_from_db()
    assert world.other_lawyer_membership.status == Membership.Status.ACTIVE
    assert AuditEntry.objects.filter(action="membership_request", object_id=str(request.pk)).exists()


def test_asking_again_for_the_same_organisation_keeps_one_request(world):
    again = services.membership_request(contributor=world.applicant_a, organisation=world.firm_a)
    assert again == world.pending_a
    assert Membership.objects.filter(contributor=world.applicant_a).count() == 1


def test_asking_another_organisation_withdraws_the_open_request(world):
    new = services.membership_request(contributor=world.applicant_a, organisation=world.firm_b)

    world.pending_a.refresh_from_db()
    assert world.pending_a.status == Membership.Status.WITHDRAWN
    assert world.pending_a.decided_at is not None
    assert new.status == Membership.Status.PENDING and new.organisation == world.firm_b
    assert Membership.objects.filter(contributor=world.applicant_a).count() == 2


def test_asking_to_join_the_own_organisation_is_refused(world, client):
    client.force_login(world.lawyer)
    before = _rows()

    response = client.post("/profile/join/", {"organisation": world.firm_a.pk})

    assert response.status_code == 302
    assert _messages(response) == [zh("You are already a member of this organisation.")]
    assert _rows() == before


@pytest.mark.parametrize("forged", ["987654", "abc", ""])
def test_a_forged_organisation_id_in_the_join_form_is_refused(world, client, forged):
    client.force_login(world.lawyer)
    before = _rows()

    response = client.post("/profile/join/", {"organisation": forged})

    assert response.status_code == 302 and response["Location"] == "/profile/"
    with translation.override("zh-hans"):
        field = forms.ModelChoiceField(queryset=None)
        expected = str(field.error_messages["invalid_choice" if forged else "required"])
    assert _messages(response) == [expected]
    assert _rows() == before
    page = client.get("/profile/")
    assert expected in page.content.decode()


def test_a_pending_request_can_be_withdrawn(world, client):
    client.force_login(world.applicant_a.user)
    response = client.post(f"/profile/memberships/{world.pending_a.pk}/withdraw/")

    assert response.status_code == 302
    world.pending_a.refresh_from_db()
    assert world.pending_a.status == Membership.Status.WITHDRAWN
    assert world.pending_a.started_on is None


# --- The firm's admin answers -------------------------------------------------------------------


def test_the_firm_admin_confirms_a_request(world, client):
    client.force_login(world.firm_admin)
    response = client.post(_action_url(world.firm_a, world.pending_a, "confirm"))

    assert response.status_code == 302 and response["Location"] == f"/org/{world.firm_a.pk}/members/"
    membership = Membership.objects.get(pk=world.pending_a.pk)
    assert membership.status == Membership.Status.ACTIVE
    assert membership.started_on == timezone.localdate()
    assert membership.ended_on is None
    assert membership.decided_by == world.firm_admin
    assert membership.decided_at is not None
    assert AuditEntry.objects.filter(
        actor=world.firm_admin, action="membership_confirm", object_id=str(membership.pk)
    ).exists()
    page = client.get(f"/org/{world.firm_a.pk}/members/")
    assert membership in page.context["active"] and not page.context["pending"]


def test_moving_firms_ends_the_old_membership_the_day_the_new_one_starts(world):
    old = world.other_lawyer_membership
    moved_on = old.started_on + datetime.timedelta(days=100)
    request = services.membership_request(contributor=world.other_lawyer_contributor, organisation=world.firm_a)

    services.membership_confirm(actor=world.firm_admin, membership=request, today=moved_on)

    old.refresh_from_db()
    request.refresh_from_db()
    assert (old.status, old.ended_on) == (Membership.Status.ENDED, moved_on)
    # Stored as the English msgid, shown in each reader's language.
    assert old.note == "Moved to another organisation"
    assert (request.status, request.started_on, request.ended_on) == (Membership.Status.ACTIVE, moved_on, None)
    # Half-open: the moving day belongs to the new firm only.
    assert old.ended_on == request.started_on
    history = Membership.objects.filter(contributor=world.other_lawyer_contributor).order_by("pk")
    assert [m.organisation for m in history] == [world.firm_b, world.firm_a]


def test_moving_firms_through_the_pages(world, client, firm_b_admin):
    lawyer = world.lawyer_contributor
    client.force_login(world.lawyer)
    client.post("/profile/join/", {"organisation": world.firm_b.pk})
    request = Membership.objects.get(contributor=lawyer, status=Membership.Status.PENDING)

    client.force_login(firm_b_admin)
    response = client.post(_action_url(world.firm_b, request, "confirm"))

    assert response.status_code == 302
    today = timezone.localdate()
    rows = {m.organisation_id: m for m in Membership.objects.filter(contributor=lawyer)}
    assert rows[world.firm_a.pk].status == Membership.Status.ENDED
    assert rows[world.firm_a.pk].ended_on == today
    assert rows[world.firm_b.pk].status == Membership.Status.ACTIVE
    assert rows[world.firm_b.pk].started_on == today
    client.force_login(world.lawyer)
    page = client.get("/profile/")
    assert page.context["current"].organisation == world.firm_b
    assert len(page.context["memberships"]) == 2


def test_the_firm_admin_declines_a_request_with_a_reason(world, client):
    client.force_login(world.firm_admin)
    response = client.post(_action_url(world.firm_a, world.pending_a, "decline"), {"reason": "查无此人"})

    assert response.status_code == 302
    membership = Membership.objects.get(pk=world.pending_a.pk)
    assert membership.status == Membership.Status.DECLINED
    assert membership.note == "查无此人"
    assert membership.decided_by == world.firm_admin
    assert membership.started_on is None


def test_a_request_already_answered_cannot_be_answered_again(world, client):
    client.force_login(world.firm_admin)
    client.post(_action_url(world.firm_a, world.pending_a, "decline"))
    before = _rows()

    response = client.post(_action_url(world.firm_a, world.pending_a, "confirm"))

    assert response.status_code == 302
    assert _messages(response)[-1] == zh("This request has already been answered.")
    assert _rows() == before


def test_the_firm_admin_removes_a_member_and_the_row_is_kept(world, client):
    client.force_login(world.firm_admin)
    response = client.post(_action_url(world.firm_a, world.lawyer_membership, "remove"))

    assert response.status_code == 302
    membership = Membership.objects.get(pk=world.lawyer_membership.pk)
    assert membership.status == Membership.Status.ENDED
    assert membership.ended_on == timezone.localdate()
    assert membership.started_on == world.lawyer_membership.started_on
    assert membership.note == "Removed by the organisation"
    page = client.get(f"/org/{world.firm_a.pk}/members/")
    assert membership in page.context["history"]
    assert zh("Removed by the organisation") in page.content.decode()
    client.cookies["pb_language"] = "en"
    assert "Removed by the organisation" in client.get(f"/org/{world.firm_a.pk}/members/").content.decode()


def test_a_member_leaves_and_the_row_is_kept(world, client):
    client.force_login(world.lawyer)
    response = client.post(f"/profile/memberships/{world.lawyer_membership.pk}/leave/")

    assert response.status_code == 302
    membership = Membership.objects.get(pk=world.lawyer_membership.pk)
    assert membership.status == Membership.Status.ENDED
    assert membership.ended_on == timezone.localdate()
    assert membership.note == "Left the organisation"
    assert client.get("/profile/").context["current"] is None


def test_leaving_twice_is_refused_and_changes_nothing(world, client):
    client.force_login(world.lawyer)
    client.post(f"/profile/memberships/{world.lawyer_membership.pk}/leave/")
    before = _rows()

    response = client.post(f"/profile/memberships/{world.lawyer_membership.pk}/leave/")

    assert _messages(response)[-1] == zh("This person is no longer a member.")
    assert _rows() == before


def test_a_membership_confirmed_and_ended_the_same_day_lasts_no_days(world):
    day = datetime.date(2025, 6, 1)
    membership = services.membership_confirm(actor=world.firm_admin, membership=world.pending_a, today=day)
    services.membership_end(actor=world.firm_admin, membership=membership, today=day)
    membership.refresh_from_db()
    assert membership.started_on == membership.ended_on == day


def test_ending_never_puts_the_end_before_the_start(world):
    start = world.lawyer_membership.started_on
    services.membership_end(
        actor=world.firm_admin, membership=world.lawyer_membership, today=start - datetime.timedelta(days=3)
    )
    world.lawyer_membership.refresh_from_db()
    assert world.lawyer_membership.ended_on == start


def test_a_firm_admin_cannot_confirm_a_request_to_another_firm(world, client):
    client.force_login(world.firm_admin)
    before = _rows()

    assert client.post(_action_url(world.firm_b, world.pending_b, "confirm")).status_code == 404
    # Their own firm in the path does not help.
    assert client.post(_action_url(world.firm_a, world.pending_b, "confirm")).status_code == 404
    assert client.post(_action_url(world.firm_a, world.other_lawyer_membership, "remove")).status_code == 404

    assert _rows() == before
    assert not AuditEntry.objects.filter(actor=world.firm_admin).exists()


def test_an_unknown_action_changes_nothing(world, client):
    client.force_login(world.firm_admin)
    before = _rows()
    assert client.post(_action_url(world.firm_a, world.pending_a, "approve")).status_code == 404
    assert _rows() == before


def test_answering_a_request_needs_a_post(world, client):
    client.force_login(world.firm_admin)
    before = _rows()
    assert client.get(_action_url(world.firm_a, world.pending_a, "confirm")).status_code == 405
    assert _rows() == before


def test_a_member_cannot_leave_with_someone_elses_membership(world, client):
    client.force_login(world.lawyer)
    before = _rows()
    assert client.post(f"/profile/memberships/{world.other_lawyer_membership.pk}/leave/").status_code == 404
    assert client.post(f"/profile/memberships/{world.pending_b.pk}/withdraw/").status_code == 404
    assert _rows() == before


def test_the_services_refuse_to_answer_twice(world):
    services.membership_decline(actor=world.firm_admin, membership=world.pending_a)
    with pytest.raises(ValidationError):
        services.membership_confirm(actor=world.firm_admin, membership=world.pending_a)
    world.pending_a.refresh_from_db()
    assert world.pending_a.status == Membership.Status.DECLINED


# --- The database keeps it consistent ------------------------------------------------------------


def test_the_database_allows_one_active_membership_per_person(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(
            contributor=world.lawyer_contributor, organisation=world.firm_b, status=Membership.Status.ACTIVE
        )
    assert Membership.objects.filter(contributor=world.lawyer_contributor).count() == 1


def test_the_database_allows_one_open_request_per_person(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(contributor=world.applicant_a, organisation=world.firm_b, status=Membership.Status.PENDING)
    assert Membership.objects.filter(contributor=world.applicant_a).count() == 1


def test_the_database_keeps_any_number_of_ended_memberships(world):
    contributor = ContributorFactory()
    for year in (2021, 2022, 2023):
        MembershipFactory(
            contributor=contributor,
            organisation=OrganisationFactory(),
            status=Membership.Status.ENDED,
            started_on=datetime.date(year, 1, 1),
            ended_on=datetime.date(year, 12, 31),
        )
    assert Membership.objects.filter(contributor=contributor).count() == 3


def test_the_database_refuses_an_end_before_the_start(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=world.lawyer_membership.pk).update(
            status=Membership.Status.ENDED,
            ended_on=world.lawyer_membership.started_on - datetime.timedelta(days=1),
        )


def test_the_database_refuses_a_confirmed_membership_without_a_start(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=world.pending_a.pk).update(status=Membership.Status.ACTIVE)
