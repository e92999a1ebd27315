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


def test_our_catalogue_leaves_the_editors_own_words_alone():
    """Our catalogue is searched before Wagtail's and Django's: a bare msgid of ours that means
    something else (a job title, pagination, points now) would relabel the page editor."""
    with translation.override("zh-hans"):
        assert translation.gettext("title") == "标题"
        assert translation.gettext("Pages") == "页面"
        assert translation.gettext("Now") != "现有积分"
        assert translation.pgettext("job title", "title") == "职务"
        assert translation.pgettext("pagination", "Pages") == "分页"


def test_no_bare_msgid_of_ours_contradicts_the_libraries_in_meaning():
    """Shared bare msgids must read the same as in the libraries' catalogues, or carry a context."""
    import wagtail

    theirs = {}
    for po in Path(wagtail.__file__).parent.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        for e in _entries(po):
            if e["msgid"] and not e["msgctxt"] and e["msgstr"].get("0"):
                theirs.setdefault(e["msgid"], set()).add(e["msgstr"]["0"])
    ours = {e["msgid"]: e["msgstr"]["0"] for e in _entries(PO) if e["msgid"] and not e["msgctxt"]}
    # Our wording differs from Wagtail's only in style for these; the meaning is the same.
    same_meaning = {
        "description",
        "Change",
        "Filter",
        "Apply filters",
        "Clear",
        "Resolve",
        "Show",
        "Reject",
        "Approved",
        "Rejected",
        "Name",
        "Summary",
        "Format",
        "New",
        "Account",
        "Log out",
        "active",
        "History",
        "started at",
        "Started at",
        "Email",
        "Page not found",
        "Check your email",
    }
    clashes = sorted(m for m, s in ours.items() if m in theirs and s not in theirs[m] and m not in same_meaning)
    assert clashes == []
