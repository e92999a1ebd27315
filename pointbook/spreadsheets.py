"""Spreadsheets the pointbook writes (XLSX, with openpyxl), and the guard every cell of text goes through.

A name typed as `=HYPERLINK(...)` or `@SUM(...)` would run as a formula when a firm admin or staff opens
the file (CSV/formula injection, OWASP): `safe_cell` turns any text that a spreadsheet would read as a
formula into plain text.
"""

import datetime
import io
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from pointbook.commendations.certificates import issuer_name

# What a spreadsheet program may read as the start of a formula (tab and CR too, which some strip first).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_PLAIN = (int, float, Decimal, datetime.date, datetime.time, datetime.timedelta)
_HEADER_FONT = Font(bold=True)
_BELOW_FILL = PatternFill("solid", fgColor="FFF4D6")


def safe_cell(value):
    """`value` as it may go into a cell: text a spreadsheet would take for a formula gets a leading single
    quote, and characters XLSX cannot hold (control characters) are dropped. Numbers, dates and None
    pass unchanged."""
    if value is None or isinstance(value, _PLAIN):
        return value
    value = str(value)  # lazy translations and the like
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _sheet(workbook, title, headers, rows, *, widths=(), first=False):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = str(title)[:31]  # our own words; a sheet name may not start with a quote
    sheet.append([safe_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = _HEADER_FONT
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _save(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def firm_record_xlsx(record):
    """The firm's record (pointbook.firm_record.selectors.FirmRecord) as an XLSX workbook in the active language:
    sheets Members, By service type, By month and Summary."""
    workbook = Workbook()
    yes = _("Yes")
    members = _sheet(
        workbook,
        _("Members"),
        [
            pgettext("person", "Name"),
            _("Kind"),
            _("Licence number"),
            _("Member from"),
            _("Left on"),
            _("Verified hours"),
            _("Points"),
            _("Star level"),
            _("Commendations"),
            _("Below the %(hours)s-hour guideline") % {"hours": record.guideline_hours},
        ],
        (
            [
                m.legal_name,
                m.kind_label,
                m.licence_number,
                m.periods[0][0] if m.periods else None,
                m.periods[-1][1] if m.periods else None,
                m.hours,
                m.points,
                m.stars,
                "; ".join(c.title for c in m.commendations),
                yes if m.below_guideline else "",
            ]
            for m in record.members
        ),
        widths=(16, 18, 22, 13, 13, 14, 12, 10, 30, 16),
        first=True,
    )
    for row in members.iter_rows(min_row=2, min_col=4, max_col=5):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    for index, member in enumerate(record.members, start=2):
        if member.below_guideline:
            for cell in members[index]:
                cell.fill = _BELOW_FILL
    members.append([_("Total"), "", "", None, None, record.hours, record.points])
    for cell in members[members.max_row]:
        cell.font = _HEADER_FONT

    types = _sheet(
        workbook,
        _("By service type"),
        [_("Service type"), _("Verified hours"), _("Points")],
        ([line.name, line.hours, line.points] for line in record.by_type),
        widths=(34, 14, 12),
    )
    types.append([_("Total"), record.hours, record.points])

    months = _sheet(
        workbook,
        _("By month"),
        [_("Month"), _("Verified hours"), _("Points")],
        ([f"{record.year}-{line.month:02d}", line.hours, line.points] for line in record.by_month),
        widths=(12, 14, 12),
    )
    months.append([_("Total"), record.hours, record.points])

    rank = (
        _("%(rank)s of %(of)s") % {"rank": record.rank.rank, "of": record.rank.of}
        if record.rank
        else _("Not ranked yet")
    )
    organisation = record.organisation
    _sheet(
        workbook,
        _("Summary"),
        [_("Item"), _("Value")],
        [
            [_("Issued by"), issuer_name()],
            [_("Organisation"), organisation.name],
            [_("Licence number"), organisation.licence_number],
            [_("Year"), record.year],
            [_("Members"), len(record.members)],
            [_("Verified hours"), record.hours],
            [_("Points"), record.points],
            [_("Rank among organisations"), rank],
            [
                _("Members below the %(hours)s-hour guideline") % {"hours": record.guideline_hours},
                len(record.below_guideline),
            ],
            [_("Commendations of members"), record.commendations],
            [_("Commendations of the organisation"), "; ".join(c.title for c in record.firm_commendations)],
            [_("Exported at"), formats.date_format(timezone.localtime(), "Y-m-d H:i")],
        ],
        widths=(34, 40),
    )
    return _save(workbook)
