"""What happens when a workflow is approved (settings.WAGTAIL_FINISH_WORKFLOW_ACTION). Wagtail loads
this while defining its models, so nothing is imported here at module level."""


def publish_approved(workflow_state, user=None):
    """Publish the approved revision. The approval is the permission: under review the reviewers hold
    no "publish" on opportunities (`cms.models.RegionalPermissionTester`), and the task has checked
    that the approver may decide (`RegionalReviewTask.on_action`)."""
    workflow_state.content_object.get_latest_revision().publish(user=user, skip_permission_checks=True)
