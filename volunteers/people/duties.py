"""Separation of duties: nobody decides on their own work, whatever their role (superusers too).

Every decision service (approve, reject, withdraw, verify, adjust, uphold, nominate, certify, …)
calls `refuse_own` with the people or organisations the decision is about; bulk actions use
`is_own` to skip such rows and say so."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from volunteers.models import Contributor, Membership, Organisation

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from volunteers.models import User

Subject = Contributor | Organisation | None


def _is_own(actor_id: int, subject: Contributor | Organisation) -> bool:
    if isinstance(subject, Organisation):
        # An organisation's admins and current members are interested parties in its awards.
        return (
            subject.admins.filter(pk=actor_id).exists()
            or Membership.objects.filter(
                organisation=subject, contributor__user_id=actor_id, status=Membership.Status.ACTIVE
            ).exists()
        )
    return subject.user_id == actor_id


def is_own(actor: User | AnonymousUser | None, *subjects: Subject) -> bool:
    """True when the decision would be about the actor: their contributor profile, or an
    organisation they administer or belong to."""
    if actor is None or not actor.is_authenticated:
        return False
    return any(_is_own(actor.pk, subject) for subject in subjects if subject is not None)


def refuse_own(actor: User | AnonymousUser | None, *subjects: Subject, message: str = "") -> None:
    """Raise a clear refusal when the actor would decide on their own work."""
    if is_own(actor, *subjects):
        raise ValidationError(
            message or _("You cannot decide on your own work: another member of staff has to make this decision.")
        )
