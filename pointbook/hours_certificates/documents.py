"""The hours certificate (志愿服务记录证明) as a one-page A4 PDF in the active language: who (name, identity
document masked, contributor number), the period, the verified hours in all and by service type, and the
issuing bureau's block (person in charge, handling officer, contact, date) under its seal, with a QR
code leading to the public verification page. Everything printed was copied when it was issued."""

import io

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Spacer, Table, TableStyle

from core.pdf import BRAND, LINE, build, cjk_font, date_text, grid, number, para, qr_image, styles
from pointbook.commendations.certificates import verify_url
from volunteers.models.records import evidence_storage

# The issuer's block is drawn at a fixed place at the foot of the page; the text flows above it.
FOOT = 95 * mm
SEAL_SIDE = 40 * mm
QR_SIDE = 30 * mm


def _seal(name):
    """The seal image as issued, or None (no seal configured, or the file is gone)."""
    if not name:
        return None
    try:
        with evidence_storage().open(name) as handle:
            return ImageReader(io.BytesIO(handle.read()))
    except OSError:
        return None


def hours_certificate_pdf(item):
    """`item`: an issued HoursCertificate (its `certificate` carries the number, code and revocation)."""
    certificate = item.certificate
    s = styles()
    url = verify_url(certificate)
    width, height = A4
    seal = _seal(item.seal)
    period = {"start": item.starts_on.isoformat(), "end": item.ends_on.isoformat()}

    def page(canvas, doc):
        canvas.saveState()
        canvas.setStrokeColor(BRAND)
        canvas.setLineWidth(2)
        canvas.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
        font = cjk_font()
        right = width - 24 * mm
        left = 24 * mm
        # The officers on one line, clear of the seal.
        canvas.setFont(font, 10)
        canvas.drawString(
            left,
            FOOT - 12 * mm,
            "    ".join(
                (
                    _("Person in charge: %(name)s") % {"name": item.person_in_charge or "—"},
                    _("Handling officer: %(name)s") % {"name": item.handling_officer or "—"},
                    _("Contact: %(contact)s") % {"contact": item.contact or "—"},
                )
            ),
        )
        # The bureau's name and the date under its seal, as a stamp is put.
        canvas.setFont(font, 14)
        canvas.drawRightString(right, FOOT - 38 * mm, certificate.issuer)
        canvas.setFont(font, 12)
        canvas.drawRightString(right, FOOT - 47 * mm, date_text(certificate.issued_at))
        if seal is not None:
            canvas.drawImage(
                seal, right - 45 * mm, FOOT - 62 * mm, SEAL_SIDE, SEAL_SIDE, mask="auto", preserveAspectRatio=True
            )
        qr = qr_image(url, QR_SIDE)
        qr.drawOn(canvas, left, FOOT - 62 * mm)
        canvas.setFont(font, 8)
        canvas.drawString(left, FOOT - 66 * mm, _("Scan to verify"))
        canvas.setFont(font, 6.5)
        canvas.drawString(left, FOOT - 70 * mm, url)
        if certificate.revoked_at:
            canvas.setFont(font, 44)
            canvas.setFillColor(colors.Color(0.7, 0.1, 0.1, alpha=0.35))
            canvas.translate(width / 2, height / 2)
            canvas.rotate(30)
            canvas.drawCentredString(0, 0, _("Revoked"))
        canvas.restoreState()

    facts = [
        (_("Name"), certificate.holder_name),
        (_("Identity document"), f"{item.id_type_label} {item.id_number_masked}"),
        (_("Contributor number"), item.contributor_number),
        (_("Period"), _("%(start)s to %(end)s") % period),
        (_("Verified hours"), _("%(hours)s hours") % {"hours": number(certificate.hours)}),
    ]
    facts_table = Table([[para(k, s["cell"]), para(v, s["base"])] for k, v in facts], colWidths=[40 * mm, None])
    facts_table.setStyle(
        TableStyle(
            [("LINEBELOW", (0, 0), (-1, -1), 0.3, LINE), ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#5f6b7a"))]
        )
    )
    type_rows = [[para(_("Service type"), s["cell"]), para(_("Verified hours"), s["cell"])]]
    type_rows += [[para(name, s["cell"]), para(number(hours), s["num"])] for name, hours in item.type_lines]
    story = [
        para(
            _("Certificate number: %(number)s") % {"number": certificate.number},
            ParagraphStyle("no", parent=s["small"], alignment=TA_RIGHT),
        ),
        Spacer(1, 4 * mm),
        para(
            _("Volunteer Service Record Certificate"), ParagraphStyle("t", parent=s["title"], fontSize=26, leading=34)
        ),
        Spacer(1, 8 * mm),
        para(
            _(
                "This is to certify that %(name)s took part in pro-bono public legal service from %(start)s to "
                "%(end)s. The service records verified by the bureau come to %(hours)s hours in all, as follows."
            )
            % {**period, "name": certificate.holder_name, "hours": number(certificate.hours)},
            ParagraphStyle("body", parent=s["base"], fontSize=12, leading=20, firstLineIndent=24),
        ),
        Spacer(1, 5 * mm),
        facts_table,
        Spacer(1, 5 * mm),
        para(_("Hours by service type"), s["h2"]),
        grid(type_rows, [None, 35 * mm]),
        Spacer(1, 3 * mm),
        para(
            _("The figures are those of the verified service records when the certificate was issued."),
            s["small"],
        ),
    ]
    if certificate.revoked_at:
        story.append(
            para(
                _("Revoked on %(date)s: %(reason)s")
                % {"date": date_text(certificate.revoked_at), "reason": certificate.revoke_reason},
                ParagraphStyle("rv", parent=s["center"], textColor=BRAND),
            )
        )
    return build(
        A4,
        story,
        title=f"{certificate.title} {certificate.number}",
        author=certificate.issuer,
        on_page=page,
        margins=(24 * mm, 24 * mm, 22 * mm, FOOT - 15 * mm),
    )
