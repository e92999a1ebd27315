"""The report as a spreadsheet (openpyxl): a summary sheet, then one sheet per breakdown, headings in
the active language. Figures are numbers, not text, so they can be summed in the spreadsheet.

Text from people (names, organisation names) could start with "=", "+", "-" or "@" and be taken for
a formula by a spreadsheet program (CSV/formula injection): such cells get a leading apostrophe."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from pointbook.reports.data import column_labels, total_labels
from pointbook.spreadsheets import safe_cell
from pointbook.standings.as_of import as_of_text
from volunteers.people.selectors import bureau_name

# Characters a sheet title may not hold.
BAD_TITLE_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})
HEAD_FILL = PatternFill("solid", fgColor="F2DEDE")


def _sheet(book, title, frame, columns):
    sheet = book.create_sheet(title=str(title).translate(BAD_TITLE_CHARS)[:31])
    labels = column_labels()
    sheet.append([safe_cell(labels.get(c, c)) for c in columns])
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEAD_FILL
    for row in frame[columns].itertuples(index=False, name=None):
        sheet.append([safe_cell(v) for v in row])
    for i, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(i)].width = 28 if column in ("name", "award", "service_type") else 14
        if column in ("points", "hours"):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    return sheet


def _period_chart(sheet, rows, title):
    """Points as bars and verified hours as a line on a second axis, by month (or day), beside the table."""
    bars = BarChart()
    bars.title, bars.y_axis.title = str(title), str(_("Points"))
    bars.add_data(Reference(sheet, min_col=2, min_row=1, max_row=rows + 1), titles_from_data=True)
    bars.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows + 1))
    hours = LineChart()
    hours.add_data(Reference(sheet, min_col=3, min_row=1, max_row=rows + 1), titles_from_data=True)
    hours.y_axis.axId, hours.y_axis.title, hours.y_axis.crosses = 200, str(_("Verified hours")), "max"
    bars += hours
    bars.legend.position = "b"  # under the plot: never over the bars
    bars.width, bars.height = 18, 8
    sheet.add_chart(bars, "G2")


def _bar_chart(sheet, rows, title, value_column):
    """One bar per row of the sheet (its first column), beside the table."""
    if rows == 0:
        return
    chart = BarChart()
    chart.type, chart.title, chart.legend = "bar", str(title), None
    chart.add_data(Reference(sheet, min_col=value_column, min_row=1, max_row=rows + 1), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows + 1))
    chart.width, chart.height = 16, max(6, 0.6 * rows + 2)
    sheet.add_chart(chart, "H2")


def render(figures):
    """XLSX bytes of the report."""
    book = Workbook()
    summary = book.active
    summary.title = str(_("Summary"))[:31]
    region = figures.region
    title = (
        _("Annual recognition report %(year)s") % {"year": figures.year}
        if figures.annual
        else _("Monthly digest %(period)s") % {"period": figures.period_label}
    )
    for row in (
        [_("Report"), title],
        [_("Region"), region.name],
        [_("Region code"), region.code],
        [pgettext_lazy("date range", "From"), figures.start.isoformat()],
        [_("Until (not included)"), figures.end.isoformat()],
        [_("Issued by"), bureau_name()],
        [_("Made"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
        [_("Figures as of"), as_of_text(figures.as_of)],
        [],
    ):
        summary.append([safe_cell(v) for v in row])
    labels = total_labels()
    for key, value in figures.totals.items():
        summary.append([safe_cell(labels[key]), safe_cell(value)])
    summary.column_dimensions["A"].width, summary.column_dimensions["B"].width = 30, 36
    for cell in summary["A"]:
        cell.font = Font(bold=True)

    period = _sheet(
        book,
        _("By month") if figures.annual else _("By day"),
        figures.by_period,
        [figures.period_column, "points", "hours", "entries"],
    )
    _period_chart(
        period,
        len(figures.by_period),
        _("Points and hours by month") if figures.annual else _("Points and hours by day"),
    )
    by_type = _sheet(
        book, _("By service type"), figures.by_service_type, ["service_type", "points", "hours", "entries"]
    )
    _bar_chart(by_type, len(figures.by_service_type), _("Points by service type"), 2)
    by_district = _sheet(
        book, _("By district"), figures.by_district, ["district", "code", "contributors", "points", "hours"]
    )
    _bar_chart(by_district, len(figures.by_district), _("Points by district"), 4)
    _sheet(book, _("By contributor kind"), figures.by_kind, ["kind", "contributors", "points", "hours"])
    _sheet(book, _("Special groups served"), figures.special_groups, ["group", "records", "people_served"])
    _sheet(book, _("Top contributors"), figures.top_contributors, ["rank", "name", "kind", "region", "points", "hours"])
    _sheet(book, _("Top organisations"), figures.top_organisations, ["rank", "name", "members", "points", "hours"])
    if figures.annual:
        _sheet(book, _("Honourees"), figures.honourees, ["award", "name", "district", "points", "hours"])
    _sheet(
        book,
        _("Service requests"),
        figures.service_requests,
        ["district", "code", "received", "finished", "on_time", "satisfaction"],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
