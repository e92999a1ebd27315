"""Every user-facing string of ours is translated into Simplified Chinese (msgids are English)."""

import ast
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(path):
    """(flags, msgctxt, msgid, [msgstr…]) per entry of a .po file, obsolete ones skipped."""
    entries, current, field = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line or line.startswith("#~"):
            if current and current.get("msgid") is not None:
                entries.append(current)
            current, field = None, None
            continue
        current = current or {"flags": "", "msgctxt": None, "msgid": None, "msgstr": {}}
        if line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if field[0] == "msgstr":
                current["msgstr"][field[1]] += value
            else:
                current[field[0]] += value
        else:
            keyword, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if keyword.startswith("msgstr"):
                index = keyword[7:-1] if "[" in keyword else "0"
                field = ("msgstr", index)
                current["msgstr"][index] = value
            else:
                field = (keyword, None)
                current[keyword] = value
    return entries


def test_every_string_has_a_chinese_translation():
    entries = [e for e in _entries(PO) if e["msgid"]]
    assert len(entries) > 200
    missing = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert missing == [] and fuzzy == []


def test_the_compiled_catalogue_is_the_one_django_uses():
    with translation.override("zh-hans"):
        assert translation.gettext("My profile") != "My profile"
        assert translation.pgettext("person", "Name") == "姓名"
    with translation.override("en"):
        assert translation.gettext("My profile") == "My profile"
