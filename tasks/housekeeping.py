"""Housekeeping jobs on the beat schedule."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=60, max_retries=3)
def clear_expired_sessions():
    """Delete expired login sessions; running it twice deletes nothing more."""
    from volunteers.people.services import sessions_clear_expired

    return sessions_clear_expired()
