"""Practice licence numbers: normalising what people type and checking the format per kind."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Lawyers' and grassroots legal workers' licences (执业证号) are 17 digits; notaries' and forensic
# examiners' certificates vary by province, so only digits and a plausible length are required.
_FORMATS = {
    "lawyer": (re.compile(r"^\d{17}$"), _("A lawyer's practice licence number has exactly 17 digits.")),
    "grassroots_worker": (
        re.compile(r"^\d{17}$"),
        _("A grassroots legal worker's practice licence number has exactly 17 digits."),
    ),
    "notary": (re.compile(r"^\d{8,20}$"), _("A notary's practice licence number has 8 to 20 digits.")),
    "forensic_examiner": (
        re.compile(r"^\d{8,20}$"),
        _("A forensic examiner's practice licence number has 8 to 20 digits."),
    ),
}


def licence_normalise(value):
    """Full-width digits become ASCII (NFKC) and every kind of space is dropped."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFKC", str(value))
    return "".join(ch for ch in value if not ch.isspace())


def licence_required(kind):
    return kind in _FORMATS


def licence_validate(kind, number):
    """Raise ValidationError unless `number` (already normalised) fits `kind`."""
    if kind not in _FORMATS:
        return
    if not number:
        raise ValidationError(_("This kind of contributor must give a practice licence number."), code="required")
    pattern, message = _FORMATS[kind]
    if not pattern.match(number):
        raise ValidationError(message, code="invalid")
