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

KINDS = ("confirmed", "cancelled", "offered", "shift_cancelled", "shift_changed", "reminder")


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
        if kind in ("confirmed", "shift_changed", "cancelled", "shift_cancelled"):
            message.attach("shift.ics", calendar_for_signups([signup]), "text/calendar; charset=utf-8")
        message.send()
    return message
