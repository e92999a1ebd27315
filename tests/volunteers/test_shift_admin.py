"""The Django admin shows a shift's places, times, venue and status but does not change them: the staff
page of the shift does, through the rota service that re-seats the waiting list and tells people."""

import json

import pytest
from django.urls import reverse

from tests.factories import ContributorFactory, UserFactory
from volunteers.models import Shift, Signup
from volunteers.rota import services as rota_services


@pytest.fixture
def full_shift_with_a_waiting_list(world, rota):
    """rota's next-week shift at venue A (two places): the lawyer and one more confirmed, a third
    person waiting."""
    shift = rota.shift_a
    Signup.objects.create(
        shift=shift, contributor=ContributorFactory(region=world.district_a), status=Signup.Status.CONFIRMED, seat=2
    )
    waiting = rota_services.signup_join_waitlist(contributor=ContributorFactory(region=world.district_a), shift=shift)
    return shift, waiting


def _admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.django_db
def test_the_admin_shows_places_read_only_with_the_staff_page_to_change_them(client, full_shift_with_a_waiting_list):
    shift, _waiting = full_shift_with_a_waiting_list
    page = _admin(client).get(reverse("admin:volunteers_shift_change", args=[shift.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="capacity"' not in html and 'name="status"' not in html and 'name="starts_at_0"' not in html
    assert f'href="{reverse("staff_shift_edit", args=[shift.pk])}"' in html


@pytest.mark.django_db
def test_places_posted_to_the_admin_change_nothing_and_the_waiting_list_keeps_waiting(
    client, full_shift_with_a_waiting_list
):
    shift, waiting = full_shift_with_a_waiting_list
    response = _admin(client).post(
        reverse("admin:volunteers_shift_change", args=[shift.pk]),
        {
            "opportunity": shift.opportunity_id,
            "service_type": shift.service_type_id,
            "eligible_kinds": json.dumps(shift.eligible_kinds),
            "series": "",
            "capacity": "5",
            "status": Shift.Status.CANCELLED,
        },
    )
    assert response.status_code == 302  # saved: the fields it may change
    shift.refresh_from_db()
    assert shift.capacity == 2 and shift.status == Shift.Status.SCHEDULED
    waiting.refresh_from_db()
    assert waiting.status == Signup.Status.WAITING and waiting.seat is None
