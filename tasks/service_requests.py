"""Service requests on the beat schedule."""

from celery import shared_task


@shared_task(acks_late=True)
def escalate_requests():
    """Escalate requests left unaccepted past their deadline. Safe to run twice at once, or again after
    a worker died half-way: each escalation is a conditional update on the request's state and deadline."""
    from volunteers.service_requests.services import requests_escalate

    return requests_escalate()
