"""Housekeeping jobs on the beat schedule."""

from datetime import timedelta

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def clear_expired_sessions():
    """Delete expired login sessions; running it twice deletes nothing more."""
    from volunteers.people.services import sessions_clear_expired

    return sessions_clear_expired()


@shared_task(acks_late=True)
def sweep_jobs():
    """Send again the jobs whose message was lost or whose worker died (the claim keeps them single)."""
    from core.jobs import jobs_sweep

    return jobs_sweep()


@shared_task(acks_late=True)
def clear_finished_jobs():
    """Finished jobs with no table of their own (emails, re-scoring…) are deleted after 30 days."""
    from core.jobs import jobs_clear_finished
    from tasks.dispatch import PLAIN

    return jobs_clear_finished(tasks=list(PLAIN), older_than=timedelta(days=30))


@shared_task(acks_late=True)
def worker_heartbeat():
    """Sent by beat every minute: a worker that runs it shows that workers take work (core.health)."""
    from core.health import WORKER, heartbeat_stamp

    heartbeat_stamp(WORKER)
