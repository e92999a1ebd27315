"""The bureau's review workflow, switched off: opportunities are published by the staff of their
region, and go through the "Bureau review" workflow (approval by the region's staff, never the author) only once
the city switches review on. Submissions left waiting in Wagtail's default "Moderators approval"
(whose moderators group holds nobody from the bureau) are cancelled: their pages become drafts
again, which their region's staff can publish."""

from django.db import migrations
from django.utils import timezone

WORKFLOW = "审核发布"  # "Bureau review": shown as "Submit to 审核发布" in either language


def create(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowState = apps.get_model("wagtailcore", "WorkflowState")
    TaskState = apps.get_model("wagtailcore", "TaskState")
    RegionalReviewTask = apps.get_model("cms", "RegionalReviewTask")
    OpportunityIndexPage = apps.get_model("cms", "OpportunityIndexPage")
    OpportunityPage = apps.get_model("cms", "OpportunityPage")

    opportunities = [str(pk) for pk in OpportunityPage.objects.values_list("pk", flat=True)]
    waiting = WorkflowState.objects.filter(status__in=("in_progress", "needs_changes"), object_id__in=opportunities)
    TaskState.objects.filter(workflow_state__in=waiting, status="in_progress").update(
        status="cancelled", finished_at=timezone.now()
    )
    waiting.update(status="cancelled", current_task_state=None)

    index = OpportunityIndexPage.objects.first()
    if index is None or WorkflowPage.objects.filter(page_id=index.pk).exists():
        return
    task_type, _ = ContentType.objects.get_or_create(app_label="cms", model="regionalreviewtask")
    task = RegionalReviewTask.objects.create(name="所在区域工作人员审核", content_type=task_type, active=True)
    workflow = Workflow.objects.create(name=WORKFLOW, active=False)
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(page_id=index.pk, workflow=workflow)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0007_regional_review_task"),
        ("wagtailcore", "0098_apitoken"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
