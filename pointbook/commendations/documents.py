"""PDF documents the public can verify: the award certificate (荣誉证书) and a firm's public-service
statement. Both are written in the active language with the shipped CJK font (core.pdf), carry the
issuing bureau, the document's number and date, and a QR code leading to the verification page."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from core.pdf import BRAND, LINE, build, cjk_font, date_text, grid, number, para, qr_image, styles
from pointbook.commendations.certificates import verify_url
from pointbook.standings.as_of import as_of_text

# --- the award certificate ----------------------------------------------------------------------------------


def certificate_pdf(certificate):
    """An award certificate (荣誉证书) as PDF bytes: who, which award, the year, their verified hours and
    points, the issuing bureau, the certificate's number and date, and a QR code to verify it."""
    s = styles()
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
        para(certificate.issuer, ParagraphStyle("issuer-c", parent=s["issuer"], alignment=TA_CENTER)),
        Spacer(1, 6 * mm),
        para(_("Certificate of Honour"), s["title"]),
        Spacer(1, 8 * mm),
        para(certificate.holder_name, s["name"]),
        Spacer(1, 4 * mm),
        para(_("For outstanding pro-bono legal service in %(year)s, awarded") % {"year": certificate.year}, s["award"]),
        para(f"“{certificate.title}”", s["name"]),
        Spacer(1, 4 * mm),
        para(
            _("Verified hours in %(year)s: %(hours)s · Points: %(points)s")
            % {"year": certificate.year, "hours": number(certificate.hours), "points": number(certificate.points)},
            s["award"],
        ),
        Spacer(1, 10 * mm),
    ]
    qr_side = 30 * mm
    bottom = Table(
        [
            [
                [qr_image(url, qr_side), para(_("Scan to verify"), s["small"])],
                [
                    para(_("Certificate number: %(number)s") % {"number": certificate.number}, s["base"]),
                    para(_("Verify at %(url)s") % {"url": url}, s["small"]),
                ],
                [para(certificate.issuer, s["right"]), para(date_text(certificate.issued_at), s["right"])],
            ]
        ],
        colWidths=[qr_side + 6 * mm, 95 * mm, None],
    )
    bottom.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    story.append(bottom)
    if certificate.revoked_at:
        story.append(
            para(
                _("Revoked on %(date)s: %(reason)s")
                % {"date": date_text(certificate.revoked_at), "reason": certificate.revoke_reason},
                s["center"],
            )
        )
    return build(
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
    s = styles()
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
                    para(certificate.issuer, s["issuer"]),
                    para(f"{certificate.title} · {record.year}", s["h1"]),
                    para(organisation.name, s["h2"]),
                ],
                [qr_image(url, qr_side), para(_("Scan to verify"), s["small"])],
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
        (_("Issued on"), date_text(certificate.issued_at)),
        (_("Members"), len(record.members)),
        (_("Verified hours"), number(record.hours)),
        (_("Points"), number(record.points)),
        (_("Rank among organisations"), rank),
        (
            _("Members below the %(hours)s-hour guideline") % {"hours": number(record.guideline_hours)},
            len(record.below_guideline),
        ),
    ]
    if record.firm_commendations:
        facts.append((_("Commendations of the organisation"), "; ".join(c.title for c in record.firm_commendations)))
    facts_table = Table([[para(k, s["cell"]), para(v, s["cell"])] for k, v in facts], colWidths=[55 * mm, None])
    facts_table.setStyle(
        TableStyle(
            [("LINEBELOW", (0, 0), (-1, -1), 0.3, LINE), ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#5f6b7a"))]
        )
    )

    story = [heading, Spacer(1, 3 * mm), facts_table]

    # Members, as many pages as it takes (the header row repeats).
    story.append(para(_("Members"), s["h2"]))
    header = [
        para(h, s["cell"])
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
        hours = number(member.hours) + (" *" if member.below_guideline else "")
        name = member.legal_name + (" †" if member.part_year else "")
        rows.append(
            [
                para(name, s["cell"]),
                para(member.kind_label, s["cell"]),
                para(member.licence_number, s["cell"]),
                para(hours, s["num"]),
                para(number(member.points), s["num"]),
                para(member.stars, s["num"]),
                para("; ".join(c.title for c in member.commendations), s["cell"]),
            ]
        )
        if member.below_guideline:
            shaded.append(len(rows) - 1)
    rows.append(
        [
            para(_("Total"), s["cell"]),
            "",
            "",
            para(number(record.hours), s["num"]),
            para(number(record.points), s["num"]),
            "",
            "",
        ]
    )
    if record.members:
        story.append(
            grid(rows, [26 * mm, 24 * mm, 34 * mm, 18 * mm, 18 * mm, 12 * mm, None], repeat=True, shaded=shaded)
        )
        story.append(
            para(
                _(
                    "* Below the yearly guideline of %(hours)s hours (shaded). † A member for part of the "
                    "year: counted only for the days they belonged."
                )
                % {"hours": number(record.guideline_hours)},
                s["small"],
            )
        )
    else:
        story.append(para(_("No members in %(year)s.") % {"year": record.year}, s["base"]))

    story.append(para(_("By service type"), s["h2"]))
    type_rows = [[para(h, s["cell"]) for h in (_("Service type"), _("Verified hours"), _("Points"))]]
    type_rows += [
        [para(line.name, s["cell"]), para(number(line.hours), s["num"]), para(number(line.points), s["num"])]
        for line in record.by_type
    ]
    if len(type_rows) == 1:
        type_rows.append([para(_("None yet"), s["cell"]), "", ""])
    story.append(grid(type_rows, [None, 30 * mm, 30 * mm]))

    story.append(para(_("By month"), s["h2"]))
    month_rows = [
        [para(_("Month"), s["cell"])] + [para(line.month, s["num"]) for line in record.by_month],
        [para(_("Hours"), s["cell"])] + [para(number(line.hours), s["num"]) for line in record.by_month],
        [para(_("Points"), s["cell"])] + [para(number(line.points), s["num"]) for line in record.by_month],
    ]
    story.append(grid(month_rows, [18 * mm] + [None] * 12))

    story += [
        Spacer(1, 6 * mm),
        para(
            _(
                "%(issuer)s certifies that the hours and points above are those verified in %(year)s for the members "
                "of %(organisation)s, counted for the days each belonged to it."
            )
            % {"issuer": certificate.issuer, "year": record.year, "organisation": organisation.name},
            s["base"],
        ),
        para(
            _("Statement %(number)s, issued on %(date)s. Check it by scanning the QR code or at %(url)s")
            % {"number": certificate.number, "date": date_text(certificate.issued_at), "url": url},
            s["small"],
        ),
    ]
    return build(
        A4,
        story,
        title=f"{certificate.title} {organisation.name} {record.year}",
        author=certificate.issuer,
        on_page=footer,
    )
