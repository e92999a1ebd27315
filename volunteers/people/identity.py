"""A contributor's identity document, for hours certificates (志愿服务记录证明): checked when typed, kept
on the profile, and shown masked everywhere else (4101**********1234)."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit
from volunteers.models import Contributor

if TYPE_CHECKING:
    from volunteers.models import User

_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_OTHER_ID = re.compile(r"^[A-Z0-9]{5,30}$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# 18-digit cards: resident ID cards, and since 2017 the residence permits of Hong Kong, Macao and
# Taiwan residents (they start 81, 82, 83) and the new foreign permanent resident cards.
_EIGHTEEN_DIGITS = {
    Contributor.IdType.RESIDENT_ID,
    Contributor.IdType.RESIDENCE_PERMIT,
}


def id_number_clean(id_type: str, raw: str) -> str:
    """The ID number as stored (full-width folded, upper case, no spaces), or a ValidationError."""
    if id_type not in Contributor.IdType.values:
        raise ValidationError({"id_type": _("Choose the type of identity document.")})
    number = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", raw or "")).upper()
    if not number:
        raise ValidationError({"id_number": _("Enter the number of your identity document.")})
    if id_type in _EIGHTEEN_DIGITS:
        if not _RESIDENT_ID.match(number):
            raise ValidationError(
                {"id_number": _("An identity card number has 18 characters: 17 digits, then a digit or X.")}
            )
        total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
        if _CHECK[total % 11] != number[17]:
            raise ValidationError({"id_number": _("This identity card number is not valid: check each digit again.")})
    elif not _OTHER_ID.match(number):
        raise ValidationError({"id_number": _("Enter the document number: 5 to 30 letters and digits.")})
    return number


def id_number_masked(number: str) -> str:
    """The first four and last four characters, the rest starred: 4101**********1234. Short numbers
    keep only their last two."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * (len(number) - 2) + number[-2:]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def contributor_number(contributor: Contributor) -> str:
    """The contributor's number as printed on documents: stable, from the profile's id."""
    return f"GY{contributor.pk:08d}"


@transaction.atomic
def contributor_identity_set(*, contributor: Contributor, actor: User, id_type: str, id_number: str) -> Contributor:
    """Keep the person's identity document on their profile (only the masked number is audited)."""
    number = id_number_clean(id_type, id_number)
    if (contributor.id_type, contributor.id_number) != (id_type, number):
        contributor.id_type, contributor.id_number = id_type, number
        contributor.save(update_fields=["id_type", "id_number"])
        audit(
            actor=actor,
            action="contributor.identity",
            obj=contributor,
            id_type=id_type,
            masked=id_number_masked(number),
        )
    return contributor
