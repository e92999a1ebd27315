"""Who publishes opportunities (docs/subsystems/publishing.md): with review off (the default) the
staff of the opportunity's region publish it themselves; with review on it goes live once another
member of staff whose region holds it approves it — never its own author, never staff of another
district. Wagtail's "Moderators approval" (its moderators group holds nobody from the bureau) never
applies to opportunities."""

import importlib

import pytest
from django.apps import apps as django_apps
from wagtail.models import Page, TaskState, Workflow, WorkflowPage, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from cms.models import OpportunityIndexPage, OpportunityPage, RegionalReviewTask, review_workflow
from cms.publishing import opportunity_review_set
from tests.factories import StaffProfileFactory, opportunity_create
from volunteers.models import ServiceType


@pytest.fixture
def index(world):
    return OpportunityIndexPage.objects.get(locale__language_code="zh-hans")


def _new_opportunity(world, *, side="a", title="新华区村居法律顾问驻点", action="action-publish"):
    venue = getattr(world, f"venue_{side}")
    return nested_form_data(
        {
            "title": title,
            "slug": f"clinic-{side}",
            "summary": "每周二上午驻点",
            "service_type": ServiceType.objects.get(code="hotline_12348").pk,
            "region": venue.region_id,
            "venue": venue.pk,
            "description": rich_text("<p>说明</p>"),
            "contact_name": "",
            "contact_phone": "",
            "contact_email": "",
            "min_years_in_practice": 0,
            "no_complaint_years": 0,
            "comments": inline_formset([]),
            action: action,
        }
    )


def _add(client, index, data):
    return client.post(f"/cms-admin/pages/add/cms/opportunitypage/{index.pk}/", data)


def _approve(client, page):
    state = TaskState.objects.get(workflow_state__object_id=str(page.pk), status="in_progress")
    return client.post(f"/cms-admin/pages/workflow/action/{page.pk}/approve/{state.pk}/", {"comment": ""})


def _review_on(world):
    opportunity_review_set(actor=world.city_staff, on=True)


def _fresh(page):
    return OpportunityPage.objects.get(pk=page.pk)


# --- Review off (as installed) --------------------------------------------------------------------


def test_as_installed_review_is_off_and_moderators_approval_does_not_apply_to_opportunities(world, index):
    assert review_workflow() is None
    moderators = Workflow.objects.get(name="Moderators approval")
    assert WorkflowPage.objects.filter(workflow=moderators, page__depth=1).exists()  # Wagtail's, on the root
    assert not index.has_workflow
    page = opportunity_create(venue=world.venue_a, publish=False)
    assert page.get_workflow() is None


def test_district_staff_publish_a_new_opportunity_of_their_district_from_the_editor(world, index, client_for):
    client = client_for("staff_a")
    form = client.get(f"/cms-admin/pages/add/cms/opportunitypage/{index.pk}/").content.decode()
    assert 'name="action-publish"' in form
    assert "action-submit" not in form  # nothing to submit to

    response = _add(client, index, _new_opportunity(world))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    page = OpportunityPage.objects.get(slug="clinic-a")
    assert page.live and page.region_id == world.district_a.pk
    assert client_for("anonymous").get(page.url).status_code == 200


def test_district_staff_publish_a_draft_of_their_district_and_city_staff_any(world, client_for):
    draft_a = opportunity_create(venue=world.venue_a, slug="draft-a", publish=False)
    draft_b = opportunity_create(venue=world.venue_b, slug="draft-b", publish=False)
    for page in (draft_a, draft_b):
        page.save_revision()
    edit = client_for("staff_a").get(f"/cms-admin/pages/{draft_a.pk}/edit/").content.decode()
    assert 'name="action-publish"' in edit
    client_for("staff_a").post(f"/cms-admin/bulk/wagtailcore/page/publish/?id={draft_a.pk}", {})
    assert _fresh(draft_a).live

    client_for("staff_a").post(f"/cms-admin/bulk/wagtailcore/page/publish/?id={draft_b.pk}", {})
    assert not _fresh(draft_b).live  # another district's
    client_for("city_staff").post(f"/cms-admin/bulk/wagtailcore/page/publish/?id={draft_b.pk}", {})
    assert _fresh(draft_b).live


def test_the_installation_cancels_submissions_left_waiting_in_moderators_approval(world, client_for):
    page = opportunity_create(venue=world.venue_a, publish=False)
    page.save_revision()
    Workflow.objects.get(name="Moderators approval").start(page, world.staff_a)
    assert _fresh(page).workflow_in_progress

    migration = importlib.import_module("cms.migrations.0008_bureau_review_workflow")
    migration.create(django_apps, None)

    assert not _fresh(page).workflow_in_progress
    assert not TaskState.objects.filter(status="in_progress").exists()
    client_for("staff_a").post(f"/cms-admin/bulk/wagtailcore/page/publish/?id={page.pk}", {})
    assert _fresh(page).live


# --- Review on ------------------------------------------------------------------------------------


def test_with_review_on_district_staff_submit_and_city_staff_approve(world, index, client_for):
    _review_on(world)
    author = client_for("staff_a")
    form = author.get(f"/cms-admin/pages/add/cms/opportunitypage/{index.pk}/").content.decode()
    assert 'name="action-publish"' not in form
    assert 'name="action-submit"' in form

    assert _add(author, index, _new_opportunity(world, action="action-publish")).status_code == 302
    page = OpportunityPage.objects.get(slug="clinic-a")
    assert not page.live  # publishing is not the author's to do under review
    page.delete()
    assert _add(author, index, _new_opportunity(world, action="action-submit")).status_code == 302
    page = OpportunityPage.objects.get(slug="clinic-a")
    assert not page.live and page.workflow_in_progress

    # The author cannot approve their own submission; staff of another district cannot even see it.
    _approve(author, page)
    assert not _fresh(page).live
    _approve(client_for("staff_b"), page)
    assert not _fresh(page).live
    assert client_for("staff_b").get(f"/cms-admin/pages/{page.pk}/edit/").status_code in (302, 403)

    # The city's staff see it waiting on their dashboard, not locked, and approve it.
    reviewer = client_for("city_staff")
    assert page.title in reviewer.get("/cms-admin/").content.decode()
    edit = reviewer.get(f"/cms-admin/pages/{page.pk}/edit/").content.decode()
    assert "workflow-action-name" in edit or "action-workflow-action" in edit
    response = _approve(reviewer, page)
    assert response.status_code == 302
    assert _fresh(page).live
    assert client_for("anonymous").get(_fresh(page).url).status_code == 200


def test_with_review_on_a_colleague_of_the_same_district_approves(world, index, client_for):
    _review_on(world)
    colleague = StaffProfileFactory(user__email="staff.a2@example.cn", region=world.district_a).user
    _add(client_for("staff_a"), index, _new_opportunity(world, action="action-submit"))
    page = OpportunityPage.objects.get(slug="clinic-a")
    task = RegionalReviewTask.objects.get()
    assert [s.pk for s in task.get_task_states_user_can_moderate(colleague)] == [page.current_workflow_task_state.pk]
    assert not task.get_task_states_user_can_moderate(world.staff_a).exists()
    assert not task.get_task_states_user_can_moderate(world.staff_b).exists()

    from django.test import Client

    client = Client()
    client.force_login(colleague)
    _approve(client, page)
    assert _fresh(page).live


def test_with_review_on_city_staff_cannot_approve_their_own_submission(world, index, client_for):
    _review_on(world)
    author = client_for("city_staff")
    assert _add(author, index, _new_opportunity(world, action="action-submit")).status_code == 302
    page = OpportunityPage.objects.get(slug="clinic-a")
    _approve(author, page)
    assert not _fresh(page).live
    _approve(client_for("staff_a"), page)  # the district's staff review what the city wrote for it
    assert _fresh(page).live


def test_switching_review_off_cancels_waiting_submissions_and_gives_publishing_back(world, index, client_for):
    _review_on(world)
    _add(client_for("staff_a"), index, _new_opportunity(world, action="action-submit"))
    page = OpportunityPage.objects.get(slug="clinic-a")
    assert page.workflow_in_progress

    response = client_for("city_staff").post("/staff/opportunities/review/", {"review": "off"})
    assert response.status_code == 302
    assert review_workflow() is None
    assert not _fresh(page).workflow_in_progress
    assert WorkflowState.objects.get().status == "cancelled"
    client_for("staff_a").post(f"/cms-admin/bulk/wagtailcore/page/publish/?id={page.pk}", {})
    assert _fresh(page).live


def test_only_city_staff_switch_review_and_the_page_says_which_way_it_is(world, client_for):
    assert client_for("staff_a").post("/staff/opportunities/review/", {"review": "on"}).status_code == 403
    assert review_workflow() is None
    listing = client_for("staff_a").get("/staff/opportunities/").content.decode()
    assert "/staff/opportunities/review/" not in listing

    city = client_for("city_staff")
    assert "/staff/opportunities/review/" in city.get("/staff/opportunities/").content.decode()
    city.post("/staff/opportunities/review/", {"review": "on"})
    assert review_workflow() is not None
    assert Page.objects.get(pk=OpportunityIndexPage.objects.get().pk).specific.has_workflow


def test_with_review_on_region_staff_still_take_their_opportunities_down(world, client_for):
    live_a = opportunity_create(venue=world.venue_a, slug="live-a")
    live_b = opportunity_create(venue=world.venue_b, slug="live-b")
    _review_on(world)
    client_for("staff_a").post(f"/cms-admin/pages/{live_b.pk}/unpublish/", {})
    assert _fresh(live_b).live  # another district's
    client_for("staff_a").post(f"/cms-admin/pages/{live_a.pk}/unpublish/", {})
    assert not _fresh(live_a).live
    # ...but publishing it again is a reviewer's decision.
    client_for("staff_a").post(f"/cms-admin/bulk/wagtailcore/page/publish/?id={live_a.pk}", {})
    assert not _fresh(live_a).live
