"""Text kept in both languages (service types, award names, certificate titles): the one to show."""

from django.utils.translation import get_language


def in_english():
    return (get_language() or "").startswith("en")


def localized(zh, en):
    """`en` for a reader of English, `zh` for everyone else (Chinese is the default)."""
    return en if in_english() else zh
