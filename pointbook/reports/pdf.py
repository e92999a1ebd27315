"""The report as a PDF (ReportLab): a heading, the totals, then each breakdown as a chart and a
table. Every piece of text is set in the embedded CJK font (`core.pdf.cjk_font()`)."""

import io
import numbers
from datetime import timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.pdf import cjk_font
from pointbook.reports.charts import DPI
from pointbook.reports.data import column_labels, total_labels
from pointbook.standings.as_of import as_of_text
from volunteers.people.selectors import bureau_name

WIDTH = A4[0] - 36 * mm


def number(value):
    """Figures as people read them: 1,234.50 points, 12 people; text as it is."""
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if isinstance(value, (Decimal, float)):
        return f"{value:,.2f}"
    return str(value)


def _styles():
    font = cjk_font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=17, leading=23, spaceAfter=4, wordWrap="CJK"),
        "h2": ParagraphStyle(
            "h2", fontName=font, fontSize=12.5, leading=17, spaceBefore=10, spaceAfter=5, wordWrap="CJK"
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK"),
        "small": ParagraphStyle("small", fontName=font, fontSize=8, leading=11, textColor=colors.grey, wordWrap="CJK"),
    }


def _table(frame, columns, styles, *, widths=None):
    labels = column_labels()
    head = [Paragraph(escape(str(labels.get(c, c))), styles["cell"]) for c in columns]
    body = [
        [Paragraph(escape(number(v)), styles["cell"]) for v in row]
        for row in frame[columns].itertuples(index=False, name=None)
    ]
    if not body:
        return Paragraph(escape(_("Nothing in this period.")), styles["small"])
    table = Table([head] + body, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), cjk_font()),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f5")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d4da")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _chart(png):
    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(png)) as image:
        w, h = image.size
    width = min(WIDTH, w / DPI * 72)
    return Image(io.BytesIO(png), width=width, height=width * h / w, hAlign="LEFT")


REQUEST_COLUMNS = ["district", "code", "received", "finished", "on_time", "satisfaction"]


def render(figures, charts):
    """PDF bytes of the report."""
    styles = _styles()
    region = figures.region
    if figures.annual:
        title = _("Annual recognition report %(year)s") % {"year": figures.year}
    else:
        title = _("Monthly digest %(period)s") % {"period": figures.period_label}
    story = [
        Paragraph(escape(f"{region.name} · {title}"), styles["title"]),
        Paragraph(
            escape(
                _("%(bureau)s · region code %(code)s · %(start)s to %(end)s · made %(made)s")
                % {
                    "bureau": bureau_name(),
                    "code": region.code,
                    "start": figures.start.isoformat(),
                    "end": (figures.end - timedelta(days=1)).isoformat(),
                    "made": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                }
            ),
            styles["small"],
        ),
        Paragraph(
            escape(_("As of %(when)s") % {"when": as_of_text(figures.as_of)}),
            styles["body"],
        ),
        Paragraph(
            escape(
                _(
                    "Contributors whose home region is in %(region)s and below, and every ledger entry "
                    "dated in the period and posted before that time. Each figure is a sum of ledger "
                    "entries; ranks and points of the year are those of the standings as of the same time."
                )
                % {"region": region.name}
            ),
            styles["small"],
        ),
        Spacer(1, 4 * mm),
        Paragraph(escape(_("Totals")), styles["h2"]),
    ]
    labels = total_labels()
    totals = Table(
        [
            [Paragraph(escape(str(labels[k])), styles["cell"]), Paragraph(number(v), styles["cell"])]
            for k, v in figures.totals.items()
        ],
        colWidths=[60 * mm, 50 * mm],
        hAlign="LEFT",
    )
    totals.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d4da"))]))
    story += [totals, Spacer(1, 3 * mm), _chart(charts["period"])]

    sections = [
        (
            _("By month") if figures.annual else _("By day"),
            None,
            figures.by_period,
            [figures.period_column, "points", "hours", "entries"],
        ),
        (_("By service type"), "service_type", figures.by_service_type, ["service_type", "points", "hours", "entries"]),
        (_("By district"), "district", figures.by_district, ["district", "code", "contributors", "points", "hours"]),
        (_("By contributor kind"), "kind", figures.by_kind, ["kind", "contributors", "points", "hours"]),
        (_("Special groups served"), "special_groups", figures.special_groups, ["group", "records", "people_served"]),
        (_("Top contributors"), None, figures.top_contributors, ["rank", "name", "kind", "region", "points", "hours"]),
        (_("Top organisations"), None, figures.top_organisations, ["rank", "name", "members", "points", "hours"]),
    ]
    if figures.annual:
        sections.append((_("Honourees"), None, figures.honourees, ["award", "name", "district", "points", "hours"]))
    sections.append((_("Service requests"), None, figures.service_requests, REQUEST_COLUMNS))
    for heading, chart, frame, columns in sections:
        parts = [Paragraph(escape(heading), styles["h2"])]
        if chart:
            parts.append(_chart(charts[chart]))
        story += [KeepTogether(parts + [Spacer(1, 2 * mm)]), _table(frame, columns, styles)]

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{region.name} {title}",
        author=bureau_name(),
    )

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(cjk_font(), 8)
        canvas.setFillColor(colors.grey)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"{region.name} · {title} · {doc.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
