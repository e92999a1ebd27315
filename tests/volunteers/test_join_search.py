"""Finding an organisation to join from the profile page: by name or licence number, a bounded list."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import OrganisationFactory
from volunteers.models import Membership


def test_a_member_finds_another_firm_by_name_but_not_their_own(world, client):
    client.force_login(world.lawyer)
    page = client.get("/profile/", {"org_q": "律师事务所"}).content.decode()
    assert world.firm_b.name in page
    # The current firm is not offered (its name still shows as the current organisation).
    assert f'value="{world.firm_a.pk}"' not in page

    client.post("/profile/join/", {"organisation": world.firm_b.pk})
    assert Membership.objects.filter(
        contributor__user=world.lawyer, organisation=world.firm_b, status=Membership.Status.PENDING
    ).exists()


def test_searching_by_licence_number_and_finding_nothing(world, client):
    client.force_login(world.lawyer)
    page = client.get("/profile/", {"org_q": world.firm_b.licence_number[:8]}).content.decode()
    assert world.firm_b.name in page
    response = client.get("/profile/", {"org_q": "不存在的机构"})
    assert response.context["org_results"] == []
    assert "org-results" in response.content.decode()


def test_the_profile_page_is_the_same_size_however_many_organisations_exist(world, client):
    client.force_login(world.lawyer)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/profile/", {"org_q": "律师事务所"})
        return len(queries), len(response.context["org_results"])

    OrganisationFactory.create_batch(3, region=world.district_b)
    few = measure()
    OrganisationFactory.create_batch(60, region=world.district_b)
    many = measure()
    assert few[0] == many[0]
    assert many[1] == 20  # one bounded page of matches
