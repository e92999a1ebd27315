"""seed_demo builds the same demo city every time, through one command, and refuses to run twice."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from volunteers.models import Contributor, Membership, Organisation, Region, StaffProfile, User, Venue


def _snapshot():
    return (
        list(Region.objects.order_by("code").values_list("code", "name", "path")),
        list(Organisation.objects.order_by("licence_number").values_list("licence_number", "name")),
        list(Contributor.objects.order_by("user__email").values_list("user__email", "legal_name", "licence_number")),
    )


@pytest.mark.django_db
def test_small_demo_has_a_lived_in_city_and_is_deterministic():
    call_command("seed_demo", scale="small")
    first = _snapshot()
    levels = dict.fromkeys(Region.Level.values, 0)
    for level in Region.objects.values_list("level", flat=True):
        levels[level] += 1
    assert levels[Region.Level.CITY] == 1 and levels[Region.Level.DISTRICT] == 2
    assert levels[Region.Level.VILLAGE] == 12
    assert Venue.objects.filter(kind=Venue.Kind.HOTLINE_SEAT).exists()
    assert Venue.objects.filter(is_rural=True).exists()
    # Every licensed contributor has a well-formed, unique licence number.
    lawyers = Contributor.objects.filter(kind=Contributor.Kind.LAWYER)
    assert all(len(c.licence_number) == 17 and c.licence_number.isdigit() for c in lawyers)
    # At most one current membership each, and some people moved firm (history kept).
    assert Membership.objects.filter(status=Membership.Status.ENDED).exists()
    assert Membership.objects.filter(status=Membership.Status.PENDING).exists()
    assert StaffProfile.objects.filter(region__level=Region.Level.CITY).exists()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in Contributor.objects.first().legal_name)

    with pytest.raises(CommandError):
        call_command("seed_demo", scale="small")
    call_command("seed_demo", scale="small", reset=True)
    assert _snapshot() == first


@pytest.mark.django_db
def test_demo_logins_work_for_every_role():
    call_command("seed_demo", scale="small")
    for email, path in [
        ("admin@demo.cn", "/staff/"),
        ("staff.city@demo.cn", "/staff/"),
        ("staff.district@demo.cn", "/staff/"),
        ("firm.admin@demo.cn", "/org/"),
        ("lawyer@demo.cn", "/profile/"),
        ("volunteer@demo.cn", "/profile/"),
    ]:
        client = Client()
        response = client.post("/accounts/login/", {"login": email, "password": "demo-pass-2026"})
        assert response.status_code == 302, email
        assert client.get(path, follow=True).status_code == 200, email
    assert User.objects.filter(email="admin@demo.cn", is_superuser=True).exists()
