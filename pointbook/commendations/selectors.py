from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from pointbook.models import Certificate

if TYPE_CHECKING:
    from volunteers.models import Contributor


def certificates_of(contributor: Contributor) -> QuerySet[Certificate]:
    """The contributor's award certificates, newest first (revoked ones too, marked)."""
    return Certificate.objects.filter(contributor=contributor, kind=Certificate.Kind.AWARD).order_by("-year", "-id")
