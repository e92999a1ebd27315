"""Issuing, revoking and verifying documents the public can check by QR code: award certificates,
firm public-service statements and hours certificates (pointbook.hours_certificates). The code in the QR link is random (cannot be guessed or derived); the
number printed on the document is for people to quote."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.http import absolute_url
from pointbook.models import Certificate
from pointbook.standings.services import masked_name
from volunteers.people.duties import refuse_own
from volunteers.people.selectors import bureau_name

PREFIX = {Certificate.Kind.AWARD: "ZS", Certificate.Kind.STATEMENT: "SM", Certificate.Kind.HOURS: "JL"}


def issuer_name():
    return bureau_name()


@transaction.atomic
def certificate_issue(
    *,
    kind,
    holder_name,
    title_zh,
    title_en,
    year,
    hours,
    points,
    actor=None,
    contributor=None,
    organisation=None,
    nomination=None,
    issuer=None,
):
    """A new certificate numbered `ZS2026-000123` (award), `SM2026-000124` (statement) or `JL2026-000125`
    (hours). Nobody issues an award or hours certificate to themselves; a statement records figures and
    decides nothing. `issuer`: the issuing bureau, when not the site's (a region's hours settings)."""
    if kind in (Certificate.Kind.AWARD, Certificate.Kind.HOURS):
        refuse_own(actor, contributor, organisation)
    code = secrets.token_urlsafe(24)
    certificate = Certificate.objects.create(
        kind=kind,
        number=code,
        code=code,
        holder_name=holder_name,
        title_zh=title_zh,
        title_en=title_en,
        year=year,
        hours=hours,
        points=points,
        issuer=issuer or issuer_name(),
        contributor=contributor,
        organisation=organisation,
        nomination=nomination,
    )
    # Numbered from the row id: unique without a counter to race on.
    certificate.number = f"{PREFIX[kind]}{year}-{certificate.pk:06d}"
    certificate.save(update_fields=["number"])
    audit(actor=actor, action="certificate.issue", obj=certificate, number=certificate.number)
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate_id, actor, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for revoking.")})
    certificate = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("contributor", "organisation")
        .get(pk=certificate_id)
    )
    if certificate.revoked_at is not None:
        return certificate
    refuse_own(actor, certificate.contributor, certificate.organisation)
    certificate.revoked_at, certificate.revoked_by, certificate.revoke_reason = timezone.now(), actor, reason
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit(actor=actor, action="certificate.revoke", obj=certificate, reason=reason)
    return certificate


def certificates_for_staff(scope):
    """The certificates a staff member of `scope` may see and revoke: awards of their area's categories,
    statements of their area's organisations, hours certificates of people asking in their area."""
    return Certificate.objects.filter(
        Q(kind=Certificate.Kind.AWARD, nomination__category__region__path__startswith=scope.path)
        | Q(kind=Certificate.Kind.STATEMENT, organisation__region__path__startswith=scope.path)
        | Q(kind=Certificate.Kind.HOURS, hours_detail__region__path__startswith=scope.path)
    )


def statements_for_staff(scope, *, q=""):
    """Firms' statements issued in `scope`, newest first; `q` finds a number or an organisation's name."""
    statements = (
        certificates_for_staff(scope)
        .filter(kind=Certificate.Kind.STATEMENT)
        .select_related("organisation", "revoked_by")
        .order_by("-issued_at", "-id")
    )
    if q:
        statements = statements.filter(
            Q(number__icontains=q) | Q(organisation__name__icontains=q) | Q(holder_name__icontains=q)
        )
    return statements


def certificate_by_code(code):
    return Certificate.objects.select_related("contributor", "hours_detail").filter(code=code).first() if code else None


def public_holder_name(certificate):
    """The holder's name as the public may see it: family name only for someone who opted out."""
    person = certificate.contributor
    if certificate.kind == Certificate.Kind.AWARD and person is not None and not person.public_listing:
        return masked_name(certificate.holder_name)
    return certificate.holder_name


def verify_url(certificate):
    """The absolute address the QR code carries."""
    return absolute_url(reverse("certificate_verify", args=[certificate.code]))
