"""Separation of duties: nobody decides on their own work, whatever their role (superusers too).

Every decision service (approve, reject, verify, adjust, uphold, nominate, certify, …) calls
`refuse_own` with the people the decision is about; bulk actions use `is_own` to skip such rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from volunteers.models import Contributor, User


def _user_id(person: Contributor | User) -> int | None:
    # A Contributor carries its account as user_id; a User is the account itself.
    return person.user_id if hasattr(person, "user_id") else person.pk


def is_own(actor: User | AnonymousUser | None, *people: Contributor | User | None) -> bool:
    """True when the actor is one of the people the decision is about."""
    if actor is None or not actor.is_authenticated:
        return False
    return any(_user_id(person) == actor.pk for person in people if person is not None)


def refuse_own(actor: User | AnonymousUser | None, *people: Contributor | User | None) -> None:
    """Raise a clear refusal when the actor would decide on their own work."""
    if is_own(actor, *people):
        raise ValidationError(
            _("You cannot decide on your own work: another member of staff has to make this decision.")
        )
