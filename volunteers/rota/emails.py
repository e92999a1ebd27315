"""Rota emails: queued after the transaction commits, rendered in the person's language, plain text.

Services call `signup_email`, which records the email as a job (`core.jobs`) in their transaction;
a worker sends it (`signup_email_send`) once that commits.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.http import absolute_url
from core.jobs import job_enqueue
from volunteers.people.selectors import bureau_name
from volunteers.rota.calendar import calendar_for_signups, opportunity_title

KINDS = (
    "confirmed",
    "cancelled",
    "offered",
    "shift_cancelled",
    "shift_changed",
    "reminder",
    "handed_over",
    "handover_expired",
    "consent_requested",
    "consent_declined",
)


def signup_email(kind, signup):
    """Queue an email about `signup` for when (and only if) the current transaction commits."""
    assert kind in KINDS, kind
    job_enqueue(task="signup_email", args={"kind": kind, "signup_id": signup.pk})


def signup_email_send(kind, signup_id):
    """Render and send one email now. Returns the message sent."""
    from volunteers.models import Signup

    signup = Signup.objects.select_related(
        "contributor__user", "shift__venue", "shift__service_type", "shift__opportunity"
    ).get(pk=signup_id)
    user = signup.contributor.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "signup": signup,
            "shift": signup.shift,
            "person": signup.contributor,
            "title": opportunity_title(signup.shift.opportunity),
            "my_shifts_url": absolute_url(reverse("my_shifts")),
            "bureau": bureau_name(),
        }
        subject = " ".join(render_to_string(f"volunteers/email/{kind}_subject.txt", context).split())
        body = render_to_string(f"volunteers/email/{kind}_body.txt", context)
        message = EmailMessage(subject, body, to=[user.email])
        # The giver's copy of a handed-over shift is CANCELLED (same UID), so their calendar drops it.
        if kind in ("confirmed", "shift_changed", "cancelled", "shift_cancelled", "handed_over", "consent_declined"):
            message.attach("shift.ics", calendar_for_signups([signup]), "text/calendar; charset=utf-8")
        message.send()
    return message


def handover_email(kind, handover, contributor_id):
    """Queue an email to one of the people a hand-over is offered to (they may hold no sign-up)."""
    assert kind == "handover_offered", kind
    job_enqueue(task="signup_email", args={"kind": kind, "handover_id": handover.pk, "contributor_id": contributor_id})


def handover_email_send(kind, handover_id, contributor_id):
    """Render and send one hand-over offer now, in the recipient's language, with the link to it."""
    from volunteers.models import Contributor, Handover

    handover = Handover.objects.select_related(
        "giver", "shift__venue", "shift__service_type", "shift__opportunity"
    ).get(pk=handover_id)
    person = Contributor.objects.select_related("user").get(pk=contributor_id)
    with translation.override(person.user.language or settings.LANGUAGE_CODE):
        context = {
            "handover": handover,
            "shift": handover.shift,
            "person": person,
            "giver": handover.giver,
            "title": opportunity_title(handover.shift.opportunity),
            "offer_url": absolute_url(reverse("handover_detail", args=[handover.pk])),
            "my_shifts_url": absolute_url(reverse("my_shifts")),
            "bureau": bureau_name(),
        }
        subject = " ".join(render_to_string(f"volunteers/email/{kind}_subject.txt", context).split())
        body = render_to_string(f"volunteers/email/{kind}_body.txt", context)
        message = EmailMessage(subject, body, to=[person.user.email])
        message.send()
    return message
