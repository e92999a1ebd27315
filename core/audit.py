"""The audit trail: every service that changes something writes one row in the same transaction."""

from typing import Any

# The actor is volunteers.User (AUTH_USER_MODEL), but core never imports volunteers, not even for
# typing (tests/test_architecture.py reads every import): its base class stands in for it.
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model

from core.models import AuditEntry


def audit(*, actor: AbstractBaseUser | AnonymousUser | None, action: str, obj: Model, **data: Any) -> AuditEntry:
    """Record that `actor` (None or anonymous: the system) did `action` to `obj` (a saved model)."""
    # AuditEntry.actor is the swappable user model (volunteers.User), which core cannot name.
    return AuditEntry.objects.create(  # type: ignore[misc]
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data,
    )
