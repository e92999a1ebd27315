"""Invitations for the people a roster import created: the staff member chooses at confirm; each new
person gets one email (in their language) with a link to set their password, which also confirms
their address and signs them in. Sent by a job after the import commits, each invitation at most once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.audit import audit
from core.http import absolute_url
from core.jobs import job_enqueue
from volunteers.models import ImportJob, Invitation
from volunteers.people.adapters import site_context
from volunteers.people.selectors import bureau_name

if TYPE_CHECKING:
    from volunteers.models import User

log = logging.getLogger(__name__)


def invitations_create(job: ImportJob, users: Sequence[User]) -> int:
    """Inside the import's transaction: one invitation per new person of `job`, an audit row, and the
    job that sends them once this commits. Returns how many were queued."""
    if not users:
        return 0
    Invitation.objects.bulk_create(
        [Invitation(user=user, job=job, invited_by=job.requested_by) for user in users],
        batch_size=1000,
        ignore_conflicts=True,  # somebody invited already keeps their one invitation
    )
    count = Invitation.objects.filter(job=job).count()
    ImportJob.objects.filter(pk=job.pk).update(invited=count)
    audit(actor=job.requested_by, action="invite", obj=job, invited=count)
    job_enqueue(task="invitations_send", args={"import_job_id": job.pk}, requested_by=job.requested_by)
    return count


def invitation_url(user: User) -> str:
    """allauth's set-a-new-password link for `user`: it stops working once a password is set."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return absolute_url(path)


def invitations_send(import_job_id: int) -> int:
    """Send the job's invitations not sent yet; each is claimed (sent_at set) before its email goes, so
    a rerun never sends one twice. A failed send gives its claim back and raises, for the job's retry."""
    sent = 0
    pending = Invitation.objects.filter(job_id=import_job_id, sent_at__isnull=True).values_list("pk", flat=True)
    for pk in list(pending):
        if not Invitation.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=timezone.now()):
            continue
        invitation = Invitation.objects.select_related("user__contributor").get(pk=pk)
        try:
            invitation_email(invitation).send()
        except Exception:
            Invitation.objects.filter(pk=pk).update(sent_at=None)
            raise
        sent += 1
    return sent


def invitation_email(invitation: Invitation) -> EmailMessage:
    user = invitation.user
    contributor = getattr(user, "contributor", None)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            **site_context(),
            "name": contributor.legal_name if contributor else "",
            "email": user.email,
            "url": invitation_url(user),
            "login_url": absolute_url(reverse("account_login")),
            "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            "bureau": bureau_name(),
        }
        subject = " ".join(render_to_string("volunteers/email/invitation_subject.txt", context).split())
        body = render_to_string("volunteers/email/invitation_body.txt", context)
    return EmailMessage(subject, body, to=[user.email])
