"""PDF building blocks shared by certificates, firm statements and recognition reports.

Chinese needs a CJK font embedded in every PDF: we ship WenQuanYi Micro Hei (Apache 2.0, TrueType
outlines, which ReportLab can embed and subset) so a fresh machine renders it the same as CI.
"""

from functools import lru_cache
from pathlib import Path

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
FONT = "WQYMicroHei"


@lru_cache(maxsize=1)
def cjk_font():
    """The registered name of the CJK font, for `canvas.setFont` and paragraph styles."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH), subfontIndex=0))
    return FONT
