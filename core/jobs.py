"""Jobs staff start and a Celery worker runs (imports, exports): each delivery claims its job with a
conditional update, so a job runs once; one whose worker died is taken over after the lease."""

from datetime import timedelta

from django.db.models import Q

# A running job with no new start for this long lost its worker. An import is one transaction and an
# export rewrites its file, so taking one over leaves nothing half done.
LEASE = timedelta(minutes=30)


def job_claim(model, job_id, now):
    """1 if this delivery may run job `job_id` of `model` (ImportJob, ExportJob), else 0."""
    return model.objects.filter(
        Q(status=model.Status.QUEUED) | Q(status=model.Status.RUNNING, started_at__lt=now - LEASE), pk=job_id
    ).update(status=model.Status.RUNNING, started_at=now, progress=0)
