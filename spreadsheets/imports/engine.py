"""Importing a spreadsheet: check every row, show what would change, then write all of it or nothing.

`import_check(kind, sheet, scope=...)` reads the cells through the kind's resource columns and the
kind's own rules (natural keys, the staff member's region, duplicates in the file) into a `Plan`:
what is new, changed and unchanged, and every problem by row and column. It writes nothing. After
the staff member confirms, `import_apply(plan, actor=...)` writes the whole plan in one transaction;
a file with any problem writes nothing. Importing the same file again finds every row unchanged.

Kinds register themselves (`import_kind_register`): volunteers' organisations, contributors, regions
and venues here; the pointbook adds historical service records and targets.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.text import text_visible
from spreadsheets.resources.people import header_key

# A preview lists at most this many problems (and says how many there are in all), and this many of
# the rows that would be added or changed.
PROBLEMS_SHOWN = 1000
SAMPLES_SHOWN = 50

KINDS = {}


def import_kind_register(kind_class):
    KINDS[kind_class.code] = kind_class()
    return kind_class


def import_kinds():
    """The kinds in the order the import page lists them."""
    return sorted(KINDS.values(), key=lambda kind: kind.order)


@dataclass
class Row:
    number: int  # as the staff member sees it in the file: the header is row 1
    values: dict


@dataclass
class Problem:
    row: int
    column: str
    message: str


@dataclass
class Sample:
    row: int
    key: str
    changes: list  # the headings of the columns that change; empty for a new row


@dataclass
class Plan:
    kind: "ImportKind"
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    problem_count: int = 0
    problems: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)
    work: dict = field(default_factory=dict)  # what `apply` writes, as the kind's `check` left it
    samples: list = field(default_factory=list)
    actor: Any = None  # who imports: nobody imports their own verified work

    def problem(self, row, column, message, value=None):
        """A problem of `row` (its number in the file) in `column`; `value`, the cell as written, is
        quoted so the staff member finds it, unless the message already does; invisible characters are
        quoted by their code points, so a right-to-left override cannot turn the message around."""
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_SHOWN:
            message = str(message)
            if value not in (None, "") and str(value) not in message:
                message = _("%(message)s (The cell holds “%(value)s”.)") % {
                    "message": message,
                    "value": str(value)[:60],
                }
            self.problems.append(Problem(row, text_visible(column), text_visible(message)))

    def sample(self, row, key, changes=()):
        """Note a row that would be added (no `changes`) or changed, for the preview's first rows. `key`
        may be a function giving the text, so rows past the first SAMPLES_SHOWN cost nothing."""
        if len(self.samples) < SAMPLES_SHOWN:
            self.samples.append(Sample(row.number, str(key() if callable(key) else key), [str(c) for c in changes]))

    @property
    def ok(self):
        return self.problem_count == 0 and self.rows > 0

    @property
    def writes(self):
        return self.new + self.changed

    def summary(self):
        return {
            "rows": self.rows,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "problems": self.problem_count,
        }


class ImportKind:
    """What one kind of file holds and how its rows are checked and written."""

    code = ""
    label = ""
    help_text = ""
    order = 100
    resource_class = None
    invites = False  # whether the people it creates can be emailed an invitation (plan.work["new_users"])

    def check(self, plan, rows, *, scope):
        """Add problems and fill `plan.work` / counts. Must not write anything."""
        raise NotImplementedError

    def apply(self, plan, *, actor, now):
        """Write `plan.work` (inside the caller's transaction)."""
        raise NotImplementedError

    def header(self, attribute):
        """The heading of the column that holds `attribute` ("region" finds "region__code"), in the active
        language."""
        columns = self.__dict__.get("_columns")
        if columns is None:  # a resource deep-copies its declared fields (~1 ms): once per kind, not per row
            columns = self._columns = self.resource_class().columns()
        return next(
            column.header() for column in columns if attribute in (column.attribute, column.attribute.split("__")[0])
        )

    def changes(self, obj, values):
        """The headings of the columns whose value differs from `obj`'s."""
        return [self.header(name) for name, value in values.items() if getattr(obj, name) != value]


def _column_positions(plan, columns, headers):
    """Where each column is in the file (headers in Chinese or English), or problems if any is missing."""
    by_key = {}
    for column in columns:
        for key in column.header_keys():
            by_key.setdefault(key, column)
    positions = {}
    for index, header in enumerate(headers):
        column = by_key.get(header_key(header))
        if column is None:
            if header:
                plan.ignored_columns.append(header)
            continue
        if column.attribute in positions:
            plan.problem(1, header, _("This column appears twice."))
            continue
        positions[column.attribute] = index
    for column in columns:
        if column.required and column.attribute not in positions:
            plan.problem(1, column.header(), _("This column is missing. Download the template to see the columns."))
    return positions


def rows_clean(plan, sheet):
    """Each row's cells through its column's widget; rows with a bad cell are reported and left out."""
    resource = plan.kind.resource_class()
    columns = resource.columns()
    positions = _column_positions(plan, columns, sheet.headers)
    plan.rows = len(sheet.rows)
    if plan.problem_count:
        return []
    placed = [(column, positions.get(column.attribute)) for column in columns]
    rows = []
    for number, cells in sheet.rows:
        values, bad = {}, False
        for column, index in placed:
            raw = cells[index] if index is not None and index < len(cells) else None
            try:
                value = column.widget.clean(raw)
            except ValidationError as exc:
                plan.problem(number, column.header(), " ".join(exc.messages), raw)
                bad = True
                continue
            if column.required and value in (None, ""):
                plan.problem(number, column.header(), _("This cell must not be empty."))
                bad = True
            values[column.attribute] = value
        if not bad:
            rows.append(Row(number, values))
    return rows


def matching(queryset, lookup, values, size=5000):
    """`queryset` filtered on `<lookup>__in=values`, a chunk at a time: a file can name 200,000 keys, and
    SQLite takes at most 32,766 parameters in one statement."""
    values = list(values)
    for start in range(0, len(values), size):
        yield from queryset.filter(**{f"{lookup}__in": values[start : start + size]})


def duplicates_report(plan, rows, key, column):
    """Rows after the first with the same natural `key(row)` are problems; returns the first of each."""
    first, kept = {}, []
    for row in rows:
        value = key(row)
        if value in (None, "", ()):
            kept.append(row)
            continue
        if value in first:
            plan.problem(row.number, column, _("Repeats row %(row)s.") % {"row": first[value]})
            continue
        first[value] = row.number
        kept.append(row)
    return kept


def import_check(code, sheet, *, scope, actor=None):
    """The plan for importing `sheet` as kind `code` by `actor`, staff responsible for `scope`. Writes
    nothing."""
    kind = KINDS[code]
    plan = Plan(kind=kind, actor=actor)
    rows = rows_clean(plan, sheet)
    if plan.rows == 0:
        plan.problem(2, "", _("The file has headers but no rows to import."))
    kind.check(plan, rows, scope=scope)
    return plan


def import_apply(plan, *, actor, now):
    """Write a checked plan: everything in one transaction, or nothing if it has any problem."""
    if not plan.ok:
        raise ValidationError(_("The file has problems; nothing was imported."))
    with transaction.atomic():
        plan.kind.apply(plan, actor=actor, now=now)
    return plan.summary()
