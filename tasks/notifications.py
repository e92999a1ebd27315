"""Rota emails and the rota's scheduled jobs."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=5)
def send_signup_email(kind, signup_id):
    """One email about one sign-up (confirmation, cancellation, offer, shift cancelled)."""
    from volunteers.rota.emails import signup_email_send

    signup_email_send(kind, signup_id)


@shared_task(acks_late=True)
def send_due_reminders():
    """Remind everyone whose shift starts soon, once per sign-up however often this runs."""
    from volunteers.rota.services import reminders_send

    return reminders_send()


@shared_task(acks_late=True)
def expire_offers():
    """Pass places whose waiting-list offer ran out to the next in line."""
    from volunteers.rota.services import offers_expire

    return offers_expire()
