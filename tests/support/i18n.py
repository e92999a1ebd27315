"""What a visitor reads in the default language, for tests that assert on page text."""

from django.utils import translation
from django.utils.translation import gettext, ngettext


def zh(message):
    """`message` as a visitor sees it in the default language."""
    with translation.override("zh-hans"):
        return gettext(message)


def zh_n(singular, plural, n):
    with translation.override("zh-hans"):
        return ngettext(singular, plural, n) % {"count": n}
