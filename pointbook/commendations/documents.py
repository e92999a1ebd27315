"""PDF documents the public can verify: the award certificate (荣誉证书) and a firm's public-service
statement. Both are written in the active language with the shipped CJK font (core.pdf), carry the
issuing bureau, the document's number and date, and a QR code leading to the verification page."""

import io
from xml.sax.saxutils import escape

import qrcode
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.language import in_english
from core.pdf import cjk_font
from pointbook.commendations.certificates import verify_url
from pointbook.standings.as_of import as_of_text

BRAND = colors.HexColor("#b3261e")
LINE = colors.HexColor("#c9ced6")
SHADE = colors.HexColor("#f0f2f5")
BELOW = colors.HexColor("#fff4d6")


def _lang():
    return get_language() or "zh-hans"


def _styles():
    font = cjk_font()
    # Chinese wraps between any two characters; English between words.
    wrap = None if in_english() else "CJK"
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=14, wordWrap=wrap)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "num": ParagraphStyle("num", parent=base, fontSize=8.5, leading=11, alignment=TA_RIGHT),
        "h1": ParagraphStyle("h1", parent=base, fontSize=18, leading=24, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4, textColor=BRAND),
        "issuer": ParagraphStyle("issuer", parent=base, fontSize=13, leading=18),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "title": ParagraphStyle("title", parent=base, fontSize=34, leading=44, alignment=TA_CENTER, textColor=BRAND),
        "name": ParagraphStyle("name", parent=base, fontSize=24, leading=32, alignment=TA_CENTER),
        "award": ParagraphStyle("award", parent=base, fontSize=15, leading=22, alignment=TA_CENTER),
        "right": ParagraphStyle("right", parent=base, fontSize=12, leading=17, alignment=TA_RIGHT),
    }


def _p(text, style):
    """A paragraph of plain text (names are user input: escaped, never read as markup)."""
    return Paragraph(escape(str(text)), style)


def _n(value):
    return str(floatformat(value, "-2"))


def _date(value):
    return formats.date_format(timezone.localtime(value), "DATE_FORMAT")


def _qr(url, size):
    image = qrcode.make(url, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return Image(buffer, width=size, height=size)


def _build(pagesize, story, *, title, author, on_page, margins=(18 * mm, 18 * mm, 18 * mm, 20 * mm)):
    buffer = io.BytesIO()
    left, right, top, bottom = margins
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=title,
        author=author,
        creator=author,
        lang=_lang(),
        initialFontName=cjk_font(),
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def _grid(rows, widths, *, header=True, repeat=False, shaded=()):
    table = Table(rows, colWidths=widths, repeatRows=1 if (header and repeat) else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, LINE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    style += [("BACKGROUND", (0, row), (-1, row), BELOW) for row in shaded]
    table.setStyle(TableStyle(style))
    return table


# --- the award certificate ----------------------------------------------------------------------------------


def certificate_pdf(certificate):
    """An award certificate (荣誉证书) as PDF bytes: who, which award, the year, their verified hours and
    points, the issuing bureau, the certificate's number and date, and a QR code to verify it."""
    s = _styles()
    url = verify_url(certificate)
    width, height = landscape(A4)

    def frame(canvas, doc):
        canvas.saveState()
        canvas.setStrokeColor(BRAND)
        canvas.setLineWidth(3)
        canvas.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
        canvas.setLineWidth(0.8)
        canvas.rect(13 * mm, 13 * mm, width - 26 * mm, height - 26 * mm)
        if certificate.revoked_at:
            canvas.setFont(cjk_font(), 40)
            canvas.setFillColor(colors.Color(0.7, 0.1, 0.1, alpha=0.35))
            canvas.translate(width / 2, height / 2)
            canvas.rotate(20)
            canvas.drawCentredString(0, 0, _("Revoked"))
        canvas.restoreState()

    story = [
        _p(certificate.issuer, ParagraphStyle("issuer-c", parent=s["issuer"], alignment=TA_CENTER)),
        Spacer(1, 6 * mm),
        _p(_("Certificate of Honour"), s["title"]),
        Spacer(1, 8 * mm),
        _p(certificate.holder_name, s["name"]),
        Spacer(1, 4 * mm),
        _p(_("For outstanding pro-bono legal service in %(year)s, awarded") % {"year": certificate.year}, s["award"]),
        _p(f"“{certificate.title}”", s["name"]),
        Spacer(1, 4 * mm),
        _p(
            _("Verified hours in %(year)s: %(hours)s · Points: %(points)s")
            % {"year": certificate.year, "hours": _n(certificate.hours), "points": _n(certificate.points)},
            s["award"],
        ),
        Spacer(1, 10 * mm),
    ]
    qr_side = 30 * mm
    bottom = Table(
        [
            [
                [_qr(url, qr_side), _p(_("Scan to verify"), s["small"])],
                [
                    _p(_("Certificate number: %(number)s") % {"number": certificate.number}, s["base"]),
                    _p(_("Verify at %(url)s") % {"url": url}, s["small"]),
                ],
                [_p(certificate.issuer, s["right"]), _p(_date(certificate.issued_at), s["right"])],
            ]
        ],
        colWidths=[qr_side + 6 * mm, 95 * mm, None],
    )
    bottom.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    story.append(bottom)
    if certificate.revoked_at:
        story.append(
            _p(
                _("Revoked on %(date)s: %(reason)s")
                % {"date": _date(certificate.revoked_at), "reason": certificate.revoke_reason},
                s["center"],
            )
        )
    return _build(
        landscape(A4),
        story,
        title=f"{certificate.title} {certificate.number}",
        author=certificate.issuer,
        on_page=frame,
        margins=(24 * mm, 24 * mm, 22 * mm, 18 * mm),
    )


# --- the firm's public-service statement --------------------------------------------------------------------


def statement_pdf(certificate, record):
    """A firm's public-service statement for a year as PDF bytes: `record` is the
    pointbook.firm_record.selectors.FirmRecord it certifies and `certificate` the statement issued for it
    (its number and QR code). The members' table runs over as many pages as it needs."""
    s = _styles()
    url = verify_url(certificate)
    organisation = record.organisation
    page_width = A4[0] - 36 * mm

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(cjk_font(), 8)
        canvas.setFillColor(colors.HexColor("#5f6b7a"))
        canvas.drawString(18 * mm, 10 * mm, f"{certificate.issuer} · {certificate.number}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, _("Page %(page)s") % {"page": doc.page})
        canvas.restoreState()

    qr_side = 28 * mm
    heading = Table(
        [
            [
                [
                    _p(certificate.issuer, s["issuer"]),
                    _p(f"{certificate.title} · {record.year}", s["h1"]),
                    _p(organisation.name, s["h2"]),
                ],
                [_qr(url, qr_side), _p(_("Scan to verify"), s["small"])],
            ]
        ],
        colWidths=[page_width - qr_side - 4 * mm, qr_side + 4 * mm],
    )
    heading.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))

    rank = (
        _("%(rank)s of %(of)s organisations, as of %(when)s")
        % {"rank": record.rank.rank, "of": record.rank.of, "when": as_of_text(record.rank.computed_at)}
        if record.rank
        else _("Not ranked yet")
    )
    facts = [
        (_("Organisation"), organisation.name),
        (_("Licence number"), organisation.licence_number),
        (_("Year"), record.year),
        (_("Statement number"), certificate.number),
        (_("Issued on"), _date(certificate.issued_at)),
        (_("Members"), len(record.members)),
        (_("Verified hours"), _n(record.hours)),
        (_("Points"), _n(record.points)),
        (_("Rank among organisations"), rank),
        (
            _("Members below the %(hours)s-hour guideline") % {"hours": _n(record.guideline_hours)},
            len(record.below_guideline),
        ),
    ]
    if record.firm_commendations:
        facts.append((_("Commendations of the organisation"), "; ".join(c.title for c in record.firm_commendations)))
    facts_table = Table([[_p(k, s["cell"]), _p(v, s["cell"])] for k, v in facts], colWidths=[55 * mm, None])
    facts_table.setStyle(
        TableStyle(
            [("LINEBELOW", (0, 0), (-1, -1), 0.3, LINE), ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#5f6b7a"))]
        )
    )

    story = [heading, Spacer(1, 3 * mm), facts_table]

    # Members, as many pages as it takes (the header row repeats).
    story.append(_p(_("Members"), s["h2"]))
    header = [
        _p(h, s["cell"])
        for h in (
            pgettext("person", "Name"),
            _("Kind"),
            _("Licence number"),
            _("Verified hours"),
            _("Points"),
            _("Star level"),
            _("Commendations"),
        )
    ]
    rows, shaded = [header], []
    for member in record.members:
        hours = _n(member.hours) + (" *" if member.below_guideline else "")
        name = member.legal_name + (" †" if member.part_year else "")
        rows.append(
            [
                _p(name, s["cell"]),
                _p(member.kind_label, s["cell"]),
                _p(member.licence_number, s["cell"]),
                _p(hours, s["num"]),
                _p(_n(member.points), s["num"]),
                _p(member.stars, s["num"]),
                _p("; ".join(c.title for c in member.commendations), s["cell"]),
            ]
        )
        if member.below_guideline:
            shaded.append(len(rows) - 1)
    rows.append(
        [_p(_("Total"), s["cell"]), "", "", _p(_n(record.hours), s["num"]), _p(_n(record.points), s["num"]), "", ""]
    )
    if record.members:
        story.append(
            _grid(rows, [26 * mm, 24 * mm, 34 * mm, 18 * mm, 18 * mm, 12 * mm, None], repeat=True, shaded=shaded)
        )
        story.append(
            _p(
                _(
                    "* Below the yearly guideline of %(hours)s hours (shaded). † A member for part of the "
                    "year: counted only for the days they belonged."
                )
                % {"hours": _n(record.guideline_hours)},
                s["small"],
            )
        )
    else:
        story.append(_p(_("No members in %(year)s.") % {"year": record.year}, s["base"]))

    story.append(_p(_("By service type"), s["h2"]))
    type_rows = [[_p(h, s["cell"]) for h in (_("Service type"), _("Verified hours"), _("Points"))]]
    type_rows += [
        [_p(line.name, s["cell"]), _p(_n(line.hours), s["num"]), _p(_n(line.points), s["num"])]
        for line in record.by_type
    ]
    if len(type_rows) == 1:
        type_rows.append([_p(_("None yet"), s["cell"]), "", ""])
    story.append(_grid(type_rows, [None, 30 * mm, 30 * mm]))

    story.append(_p(_("By month"), s["h2"]))
    month_rows = [
        [_p(_("Month"), s["cell"])] + [_p(line.month, s["num"]) for line in record.by_month],
        [_p(_("Hours"), s["cell"])] + [_p(_n(line.hours), s["num"]) for line in record.by_month],
        [_p(_("Points"), s["cell"])] + [_p(_n(line.points), s["num"]) for line in record.by_month],
    ]
    story.append(_grid(month_rows, [18 * mm] + [None] * 12))

    story += [
        Spacer(1, 6 * mm),
        _p(
            _(
                "%(issuer)s certifies that the hours and points above are those verified in %(year)s for the members "
                "of %(organisation)s, counted for the days each belonged to it."
            )
            % {"issuer": certificate.issuer, "year": record.year, "organisation": organisation.name},
            s["base"],
        ),
        _p(
            _("Statement %(number)s, issued on %(date)s. Check it by scanning the QR code or at %(url)s")
            % {"number": certificate.number, "date": _date(certificate.issued_at), "url": url},
            s["small"],
        ),
    ]
    return _build(
        A4,
        story,
        title=f"{certificate.title} {organisation.name} {record.year}",
        author=certificate.issuer,
        on_page=footer,
    )
