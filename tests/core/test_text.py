"""The one normaliser and validator of names and titles, and the email normaliser (core.text)."""

import pytest
from django.core.exceptions import ValidationError

from core.text import (
    BLANK,
    INVISIBLE,
    LINE_BREAK,
    NameField,
    NameFormField,
    email_normalise,
    name_clean,
    text_normalise,
    text_visible,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  李明  ", "李明"),
        ("\u3000李明\u3000", "李明"),  # ideographic spaces
        ("Ｌｉ Ｍｉｎｇ", "Li Ming"),  # full-width letters
        ("第１律师事务所", "第1律师事务所"),  # full-width digits
        ("河南新华律师事务所（新名）", "河南新华律师事务所（新名）"),  # Chinese brackets are how a bureau writes it
        ("阿不都·热合曼", "阿不都·热合曼"),  # the middle dot of transcribed names
        ("\uf900", "\u8c48"),  # a CJK compatibility ideograph becomes the unified one
    ],
)
def test_names_are_normalised_as_typed_on_a_chinese_keyboard(typed, stored):
    assert name_clean(typed) == stored


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("李明\u202e师律", INVISIBLE),  # right-to-left override
        ("\u202d李明", INVISIBLE),  # left-to-right override
        ("\u2066李明\u2069", INVISIBLE),  # bidi isolates
        ("李\u200f明", INVISIBLE),  # right-to-left mark
        ("\u200b", INVISIBLE),  # zero-width space only
        ("李\u200d明", INVISIBLE),  # zero-width joiner
        ("\ufeff李明", INVISIBLE),  # byte order mark
        ("李\u00ad明", INVISIBLE),  # soft hyphen
        ("\u3164\u3164", INVISIBLE),  # Hangul fillers: letters that draw nothing
        ("李\x00明", INVISIBLE),
        ("李\t明", INVISIBLE),
        ("李\n明", LINE_BREAK),
        ("李\r\n明", LINE_BREAK),
        ("李\u2028明", LINE_BREAK),  # line separator
        ("李\x85明", LINE_BREAK),  # next line
    ],
)
def test_names_with_invisible_direction_changing_or_line_breaking_characters_are_refused(name, message):
    with pytest.raises(ValidationError) as refused:
        name_clean(name)
    assert refused.value.messages == [str(message)]


def test_an_empty_name_is_left_to_the_required_check():
    assert name_clean("  \u3000 ") == ""


def test_the_model_field_refuses_what_has_nothing_visible_and_its_form_field_normalises():
    field = NameField(max_length=20)
    with pytest.raises(ValidationError) as refused:
        field.clean("  ", None)
    assert str(BLANK) in refused.value.messages
    form_field = field.formfield()
    assert isinstance(form_field, NameFormField)
    assert form_field.clean("\u3000Ｌｉ\u3000") == "Li"
    with pytest.raises(ValidationError):
        form_field.clean("\u200b\u200b")
    with pytest.raises(ValidationError):
        form_field.clean("\u3000\u3000")  # required: nothing left after normalising


def test_migrations_see_a_char_field_with_the_validator():
    name, path, args, kwargs = NameField(max_length=60).deconstruct()
    assert path == "django.db.models.CharField"
    assert len(kwargs["validators"]) == 1
    # Cloning (as migration states do) keeps one validator, not two.
    assert len(NameField(max_length=60).clone().validators) == 2  # the validator and max length


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ｂａｄ１＠example.cn", "bad1@example.cn"),
        (" Li.Ming@Example.CN ", "Li.Ming@example.cn"),  # the mailbox keeps its case, the domain does not
        ("ｌｉ＠ＥＸＡＭＰＬＥ．ｃｎ", "li@example.cn"),
        ("14104201810654321", "14104201810654321"),
    ],
)
def test_emails_are_normalised(typed, stored):
    assert email_normalise(typed) == stored


def test_invisible_characters_are_spelt_out_when_quoted():
    assert text_visible("李\u202e明\n") == "李<U+202E>明<U+000A>"
    assert text_normalise(None) == ""


def test_exactly_the_control_format_and_line_separator_characters_are_refused():
    """Every character of the Basic Multilingual Plane and the tags plane, inside a name."""
    import unicodedata

    from core.text import name_problem

    blank_looking = {0x115F, 0x1160, 0x3164, 0x2800, 0x034F}
    wrong = []
    for code in [*range(0x10000), *range(0xE0000, 0xE0080)]:
        ch = chr(code)
        if unicodedata.normalize("NFKC", ch) != ch:
            continue  # normalising comes first; what it gives is checked as itself
        refused = name_problem(f"李{ch}明") is not None
        expected = code in blank_looking or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp")
        if refused != expected:
            wrong.append(f"U+{code:04X}")
    assert wrong == []
