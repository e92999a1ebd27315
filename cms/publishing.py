"""Who publishes opportunities: their region's staff directly, or — once the city switches review on —
through the "Bureau review" workflow (`cms.models.RegionalReviewTask`: approval by the region's
staff, never the author). See docs/subsystems/publishing.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from wagtail.models import Locale, Workflow, WorkflowPage, WorkflowState, WorkflowTask

from cms.models import OpportunityIndexPage, RegionalReviewTask
from core.audit import audit
from volunteers.people.selectors import staff_region

if TYPE_CHECKING:
    from volunteers.models import User

WORKFLOW_NAME = "审核发布"  # as cms migration 0008 names it
TASK_NAME = "所在区域工作人员审核"


def may_switch_review(user: User) -> bool:
    """The city's staff decide whether the whole city's opportunities need review."""
    scope = staff_region(user)
    return scope is not None and scope.is_root()


def _review_assignment() -> WorkflowPage:
    index = OpportunityIndexPage.objects.filter(locale=Locale.get_default()).first()
    if index is None:
        raise PermissionDenied
    assignment = WorkflowPage.objects.filter(page=index).select_related("workflow").first()
    if assignment is None:
        # Someone removed it in Wagtail's workflow screens: set it up again as the migration does.
        workflow = Workflow.objects.create(name=WORKFLOW_NAME, active=False)
        task = RegionalReviewTask.objects.filter(active=True).first() or RegionalReviewTask.objects.create(
            name=TASK_NAME
        )
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        assignment = WorkflowPage.objects.create(page=index, workflow=workflow)
    return assignment


@transaction.atomic
def opportunity_review_set(*, actor: User, on: bool) -> bool:
    """Switch review before publishing on or off for the city; returns whether anything changed.
    Switching off cancels the submissions still waiting: their pages are drafts again, which their
    region's staff can publish."""
    if not may_switch_review(actor):
        raise PermissionDenied
    workflow = Workflow.objects.select_for_update().get(pk=_review_assignment().workflow_id)
    if workflow.active == on:
        return False
    if not on:
        for state in WorkflowState.objects.filter(workflow=workflow).active():
            state.cancel(user=actor)
    workflow.active = on
    workflow.save(update_fields=["active"])
    audit(actor=actor, action="opportunity_review_set", obj=workflow, on=on)
    return True
