"""Names and titles people type, and email addresses: one normaliser and one validator for every way in.

A name is shown on certificates (PDF), the honour roll and every list, so it must look like what it is.
`text_normalise` turns what a Chinese keyboard or spreadsheet produces into one spelling: NFKC
(full-width letters and digits become ordinary ones, an ideographic space a space), surrounding
whitespace stripped. `name_validate` refuses what would make a name look like something else or look
empty: control characters (a line break, a tab), format characters (right-to-left overrides, bidi
isolates, zero-width spaces and joiners, soft hyphens) and the few letters that draw nothing.

The model field `NameField` carries the validator (so `full_clean`, ModelForms and both admins refuse)
and gives forms `NameFormField`, which normalises before validating; imports use `name_clean`, the
same two steps. Emails: `email_normalise` (NFKC, stripped, domain in lower case).
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Full-width punctuation that Chinese text writes full-width: NFKC would make "某某律师事务所（朝阳）"
# "某某律师事务所(朝阳)", which is not how a bureau writes a name. Letters, digits and the rest are folded.
_CHINESE_PUNCTUATION = re.compile("([（），：；！？])")

# Letters and symbols that are not format characters but draw nothing (Hangul fillers, the blank
# braille pattern, the combining grapheme joiner): a name of them alone looks empty.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")

INVISIBLE = _(
    "Contains invisible or direction-changing characters (such as a zero-width space or a right-to-left "
    "mark). Type it again rather than pasting it."
)
LINE_BREAK = _("Contains a line break. Write it on one line.")
BLANK = _("Contains nothing visible.")


def text_normalise(value: object) -> str:
    """NFKC (Chinese full-width punctuation kept) and no surrounding whitespace; None is ""."""
    if value is None:
        return ""
    text = str(value)
    if not unicodedata.is_normalized("NFKC", text):  # most names are: a 100,000-row import checks each
        parts = _CHINESE_PUNCTUATION.split(text)
        # Odd positions are the kept punctuation marks themselves.
        text = "".join(part if i % 2 else unicodedata.normalize("NFKC", part) for i, part in enumerate(parts))
    return text.strip()


def _is_line_break(ch: str) -> bool:
    return ch in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def name_problem(value: str) -> tuple[str, object] | None:
    """(code, message) of what is wrong with `value` as a name, or None."""
    # str.isprintable is false for every control, format, separator and unassigned character (and the
    # private-use ones names may need): only those strings are looked at character by character.
    if value.isprintable() and _BLANK_LOOKING.isdisjoint(value):
        return None if value.strip() else ("nothing_visible", BLANK)
    if any(_is_line_break(ch) for ch in value):
        return "line_break", LINE_BREAK
    if any(ch in _BLANK_LOOKING or unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in value):
        return "invisible", INVISIBLE
    if not value.strip():
        return "nothing_visible", BLANK
    return None


def name_validate(value: str) -> None:
    """Django validator: refuse a name with control or format characters, or with nothing visible."""
    problem = name_problem(str(value))
    if problem is not None:
        code, message = problem
        raise ValidationError(message, code=code)


def name_clean(value: object) -> str:
    """The name as stored: normalised, then validated (raises ValidationError). Empty stays empty:
    whether a name may be left out is the caller's to say, as with Django's validators."""
    value = text_normalise(value)
    if value:
        name_validate(value)
    return value


def text_visible(value: object) -> str:
    """`value` with every control or format character written as its code point (<U+202E>), so a
    message that quotes a refused cell shows what is wrong instead of being turned around by it."""
    return "".join(
        f"<U+{ord(ch):04X}>"
        if ch in _BLANK_LOOKING or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp")
        else ch
        for ch in str(value)
    )


def email_normalise(value: object) -> str:
    """An email address as typed on a Chinese keyboard made ordinary: NFKC (ｂａｄ１＠example.cn is
    bad1@example.cn), stripped, the domain in lower case (the part before @ is the mailbox's own)."""
    value = unicodedata.normalize("NFKC", str(value or "")).strip()
    local, at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}" if at else value


def email_validate(value: str) -> None:
    """Refuse an email address holding invisible characters (Django's check lets some through in the
    domain, as IDNA drops them when it checks)."""
    problem = name_problem(str(value))
    if problem is not None and problem[0] != "nothing_visible":
        raise ValidationError(problem[1], code=problem[0])


class NameFormField(forms.CharField):
    """A name typed into a form: normalised, then refused if it holds what a name must not."""

    default_validators = [name_validate]

    def to_python(self, value):
        value = super().to_python(value)
        return value if value in self.empty_values else (text_normalise(value) or self.empty_value)


class EmailFormField(forms.EmailField):
    """An email address typed into a form, normalised before it is checked."""

    default_validators = [*forms.EmailField.default_validators, email_validate]

    def to_python(self, value):
        value = super().to_python(value)
        return value if value in self.empty_values else email_normalise(value)


class NameField(models.CharField):
    """A human-visible name or title: `name_validate` on every full_clean, and `NameFormField` in
    ModelForms, the Django admin and Wagtail's editors."""

    def __init__(self, *args, validators=(), **kwargs):
        validators = [name_validate, *(v for v in validators if v is not name_validate)]
        super().__init__(*args, validators=validators, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": NameFormField, **kwargs})

    def deconstruct(self):
        # Migrations see a CharField with the validator: the column is unchanged, and SQLite would
        # otherwise copy each table to "alter" a field whose class changed.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
