"""Running a job row's work inside a Celery task: claim it, do it, finish it; on an error, give it back
for the task's next retry, or mark it failed after the last."""

import logging

from core.jobs import job_claim, job_finish, job_heartbeat, job_release
from core.models import Job

log = logging.getLogger(__name__)


def job_run(task, job_id, work):
    """Run `work(job)` for job `job_id` if this delivery claims it; its result, or None when another
    delivery has the job (or it has finished). `task` is the bound Celery task (for its retries)."""
    attempt = job_claim(job_id)
    if attempt is None:
        return None
    job = Job.objects.get(pk=job_id)
    try:
        with job_heartbeat(job_id, attempt):
            result = work(job)
    except Exception as exc:
        if task.request.retries < task.max_retries:
            job_release(job_id, attempt, error=repr(exc))
            raise task.retry(exc=exc) from exc
        log.exception("job %s (%s) failed after %s tries", job_id, job.task, task.request.retries + 1)
        job_finish(job_id, attempt, failed=True, error=repr(exc))
        raise
    job_finish(job_id, attempt)
    return result
