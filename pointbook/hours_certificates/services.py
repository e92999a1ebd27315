"""Hours certificates (志愿服务记录证明): a contributor asks for one over a year or a date range; it is
issued at once or after a staff sign-off, as the region's settings say. Issuing copies the figures,
the masked identity and the officers onto the row, and numbers it as a `Certificate` (QR code, public
verification page, revocation with a reason: pointbook.commendations.certificates)."""

from __future__ import annotations

import secrets
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from pointbook.commendations.certificates import certificate_issue
from pointbook.hours_certificates.selectors import period_hours, settings_for
from pointbook.models import Certificate, HoursCertificate, HoursCertificateConfig
from volunteers.models import Contributor
from volunteers.people.duties import refuse_own
from volunteers.people.identity import contributor_number, id_number_masked

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from volunteers.models import Region, User

TITLE_ZH = "志愿服务记录证明"
TITLE_EN = "Volunteer service record certificate"
# The longest period one certificate may cover, in years.
MAX_YEARS = 5


def period_check(starts_on: date, ends_on: date, *, today: date | None = None) -> None:
    """A clear refusal for a period no certificate can cover."""
    today = today or timezone.localdate()
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end of the period is before its start.")})
    if ends_on > today:
        raise ValidationError({"ends_on": _("The period cannot end in the future: choose a day up to today.")})
    try:
        limit = starts_on.replace(year=starts_on.year + MAX_YEARS)
    except ValueError:  # 29 February
        limit = starts_on.replace(year=starts_on.year + MAX_YEARS, day=28)
    if ends_on >= limit:
        raise ValidationError(
            {"ends_on": _("A certificate covers at most %(years)s years: ask for several.") % {"years": MAX_YEARS}}
        )


def officer_name(user: User) -> str:
    """How a member of staff signs: their name (family name first), else their email address."""
    return f"{user.last_name}{user.first_name}".strip() or user.email


def hours_request(*, contributor: Contributor, actor: User, starts_on: date, ends_on: date) -> HoursCertificate:
    """Ask for a certificate of the person's verified hours from `starts_on` to `ends_on`. Refused (nothing
    saved) for a bad period, a period without verified hours, a person without an identity document on
    their profile, or a period already waiting. Issued at once when the region's settings say so."""
    period_check(starts_on, ends_on)
    try:
        with transaction.atomic():
            # One request at a time per person: a double press waits here and then finds the first.
            person = Contributor.objects.select_for_update().select_related("region").get(pk=contributor.pk)
            if not (person.id_type and person.id_number):
                raise ValidationError(_("Give your identity document first: the certificate must name it."))
            if HoursCertificate.objects.filter(
                contributor=person, starts_on=starts_on, ends_on=ends_on, status=HoursCertificate.Status.PENDING
            ).exists():
                raise ValidationError(_("A request for this period is already waiting for sign-off."))
            if period_hours(person, starts_on, ends_on).hours <= 0:
                raise ValidationError(_("You have no verified hours in this period: there is nothing to certify."))
            request = HoursCertificate.objects.create(
                contributor=person, region=person.region, starts_on=starts_on, ends_on=ends_on, requested_by=actor
            )
            audit(
                actor=actor,
                action="hours_certificate.request",
                obj=request,
                starts_on=str(starts_on),
                ends_on=str(ends_on),
            )
            if settings_for(person.region).auto_issue:
                return _issue(request, actor=None)
            return request
    except IntegrityError:  # the partial unique constraint, should the lock ever be bypassed
        raise ValidationError(_("A request for this period is already waiting for sign-off.")) from None


def _locked_pending(request_id: int) -> HoursCertificate:
    request = (
        HoursCertificate.objects.select_for_update(of=("self",))
        .select_related("contributor", "region")
        .get(pk=request_id)
    )
    if request.status != HoursCertificate.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    return request


@transaction.atomic
def hours_issue(*, request_id: int, actor: User) -> HoursCertificate:
    """A member of staff signs the request off: they are the handling officer (经办人) printed on it.
    Nobody certifies their own hours."""
    request = _locked_pending(request_id)
    refuse_own(actor, request.contributor)
    return _issue(request, actor=actor)


def _issue(request: HoursCertificate, *, actor: User | None) -> HoursCertificate:
    """Copy the figures, identity and officers as they are now and number the certificate."""
    person = request.contributor
    figures = period_hours(person, request.starts_on, request.ends_on)
    if figures.hours <= 0:
        raise ValidationError(_("No verified hours in this period any more: decline the request instead."))
    settings = settings_for(request.region)
    certificate = certificate_issue(
        kind=Certificate.Kind.HOURS,
        holder_name=person.legal_name,
        title_zh=TITLE_ZH,
        title_en=TITLE_EN,
        year=request.ends_on.year,
        hours=figures.hours,
        points=figures.points,
        actor=actor,
        contributor=person,
        issuer=settings.bureau_name,
    )
    request.status, request.certificate = HoursCertificate.Status.ISSUED, certificate
    request.decided_at, request.decided_by = certificate.issued_at, actor
    request.id_type, request.id_number_masked = person.id_type, id_number_masked(person.id_number)
    request.contributor_number = contributor_number(person)
    request.by_type = figures.by_type
    request.person_in_charge, request.contact, request.seal = settings.person_in_charge, settings.contact, settings.seal
    request.handling_officer = officer_name(actor) if actor is not None else settings.handling_officer
    request.save()
    audit(
        actor=actor,
        action="hours_certificate.issue",
        obj=request,
        number=certificate.number,
        hours=str(figures.hours),
        automatic=actor is None,
    )
    return request


@transaction.atomic
def hours_decline(*, request_id: int, actor: User, reason: str) -> HoursCertificate:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for declining.")})
    request = _locked_pending(request_id)
    refuse_own(actor, request.contributor)
    request.status, request.decline_reason = HoursCertificate.Status.DECLINED, reason[:300]
    request.decided_at, request.decided_by = timezone.now(), actor
    request.save(update_fields=["status", "decline_reason", "decided_at", "decided_by"])
    audit(actor=actor, action="hours_certificate.decline", obj=request, reason=reason)
    return request


# --- the region's settings --------------------------------------------------------------------------------

SEAL_MAX_BYTES = 1024 * 1024
SEAL_MAX_SIDE = 2000
SEAL_MIN_SIDE = 100
_SEAL_KINDS = ((b"\x89PNG\r\n\x1a\n", "PNG", "png"), (b"\xff\xd8\xff", "JPEG", "jpg"))


def seal_check(upload: UploadedFile) -> str:
    """The seal's extension ("png" or "jpg"), or a clear refusal: the type is read from the content,
    and the image must open, be roughly square and of a printable size."""
    from PIL import Image

    name, size = upload.name, upload.size or 0
    if size == 0:
        raise ValidationError({"seal": _("%(name)s is empty.") % {"name": name}})
    if size > SEAL_MAX_BYTES:
        raise ValidationError(
            {"seal": _("%(name)s is larger than 1 MB: a seal image needs far less.") % {"name": name}}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = next(((fmt, ext) for magic, fmt, ext in _SEAL_KINDS if head.startswith(magic)), None)
    if kind is None:
        raise ValidationError(
            {
                "seal": _("%(name)s is not a PNG or JPEG image (checked from its content, not its name).")
                % {"name": name}
            }
        )
    try:
        with Image.open(upload) as image:
            image.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            width, height = image.size
    except Exception:  # Pillow raises many kinds for a broken file; all mean the same to the user
        raise ValidationError({"seal": _("%(name)s is a damaged image.") % {"name": name}}) from None
    finally:
        upload.seek(0)
    if not (SEAL_MIN_SIDE <= min(width, height) and max(width, height) <= SEAL_MAX_SIDE):
        raise ValidationError(
            {
                "seal": _(
                    "The seal image must be between %(min)s and %(max)s pixels on each side; this one is %(w)s × %(h)s."
                )
                % {"min": SEAL_MIN_SIDE, "max": SEAL_MAX_SIDE, "w": width, "h": height}
            }
        )
    if max(width, height) > 2 * min(width, height):
        raise ValidationError(
            {
                "seal": _("A seal image is about as wide as it is high; this one is %(w)s × %(h)s.")
                % {"w": width, "h": height}
            }
        )
    return kind[1]


@transaction.atomic
def settings_save(
    *,
    region: Region,
    actor: User,
    bureau_name: str,
    person_in_charge: str,
    handling_officer: str,
    contact: str,
    auto_issue: bool,
    seal: UploadedFile | None = None,
) -> HoursCertificateConfig:
    """Save `region`'s own settings (made on first save). A new seal is checked first; the old file is
    kept, since certificates issued under it still print it."""
    extension = seal_check(seal) if seal is not None else None
    config = HoursCertificateConfig.objects.select_for_update().filter(region=region).first()
    if config is None:
        config = HoursCertificateConfig(region=region)
    config.bureau_name, config.person_in_charge = bureau_name, person_in_charge
    config.handling_officer, config.contact, config.auto_issue = handling_officer, contact, auto_issue
    config.updated_at, config.updated_by = timezone.now(), actor
    config.full_clean(exclude=["seal", "region"])
    if seal is not None:
        config.seal.save(f"seal-{region.code}-{secrets.token_hex(8)}.{extension}", seal, save=False)
    config.save()
    audit(actor=actor, action="hours_certificate.settings", obj=config, auto_issue=auto_issue, seal=config.seal.name)
    return config
