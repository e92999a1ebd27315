"""Rota emails and the rota's scheduled jobs."""

from celery import shared_task

from tasks.runner import job_run


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=60)
def send_signup_email(self, job_id):
    """One email about one sign-up (confirmation, cancellation, offer, shift cancelled), or one
    hand-over offer to one of the people it is offered to."""
    from volunteers.rota.emails import handover_email_send, signup_email_send

    def send(job):
        if "handover_id" in job.args:
            return bool(handover_email_send(job.args["kind"], job.args["handover_id"], job.args["contributor_id"]))
        return bool(signup_email_send(job.args["kind"], job.args["signup_id"]))

    return job_run(self, job_id, send)


@shared_task(acks_late=True)
def send_due_reminders():
    """Remind everyone whose shift starts soon, once per sign-up however often this runs."""
    from volunteers.rota.services import reminders_send

    return reminders_send()


@shared_task(acks_late=True)
def expire_offers():
    """Pass places whose waiting-list offer ran out to the next in line; close hand-overs nobody
    took before the start, and release places whose firm did not consent in time."""
    from volunteers.rota.services import consents_expire, handovers_expire, offers_expire

    return offers_expire() + handovers_expire() + consents_expire()


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=60)
def send_invitations(self, job_id):
    """The invitations of one import's new people; a rerun sends only those not sent yet."""
    from volunteers.invitations.services import invitations_send

    return job_run(self, job_id, lambda job: invitations_send(job.args["import_job_id"]))
