"""PDF building blocks shared by certificates, firm statements, hours certificates and recognition reports.

Chinese needs a CJK font embedded in every PDF: we ship WenQuanYi Micro Hei (Apache 2.0, TrueType
outlines, which ReportLab can embed and subset) so a fresh machine renders it the same as CI. The
documents are written in the active language; names are user input and always escaped.
"""

import io
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.translation import get_language
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Table, TableStyle

from core.language import in_english

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
FONT = "WQYMicroHei"

BRAND = colors.HexColor("#b3261e")
LINE = colors.HexColor("#c9ced6")
SHADE = colors.HexColor("#f0f2f5")
BELOW = colors.HexColor("#fff4d6")


@lru_cache(maxsize=1)
def cjk_font():
    """The registered name of the CJK font, for `canvas.setFont` and paragraph styles."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH), subfontIndex=0))
    return FONT


def styles():
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


def para(text, style):
    """A paragraph of plain text (names are user input: escaped, never read as markup)."""
    return Paragraph(escape(str(text)), style)


def number(value):
    return str(floatformat(value, "-2"))


def date_text(value):
    return formats.date_format(timezone.localtime(value), "DATE_FORMAT")


def qr_image(url, size):
    import qrcode

    image = qrcode.make(url, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return Image(buffer, width=size, height=size)


def build(pagesize, story, *, title, author, on_page, margins=(18 * mm, 18 * mm, 18 * mm, 20 * mm)):
    """The PDF's bytes: `story` laid out on `pagesize`, `on_page(canvas, doc)` drawn on every page."""
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
        lang=get_language() or "zh-hans",
        initialFontName=cjk_font(),
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def grid(rows, widths, *, header=True, repeat=False, shaded=()):
    """A ruled table; the header row shaded (and repeated on each page when `repeat`)."""
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
