"""Every write to people and places goes through here, with its audit row in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.audit import audit
from volunteers.models import Contributor, Membership, Organisation, Region, StaffProfile, Venue
from volunteers.people.duties import refuse_own
from volunteers.people.licences import licence_normalise, licence_validate

if TYPE_CHECKING:
    from django.db.models import Model
    from django_stubs_ext import StrOrPromise

    from volunteers.models import ServiceType, User

# Uniqueness is the database's job (constraints); these are what a person reads when it says no.
LICENCE_TAKEN = gettext_lazy("This practice licence number is already registered.")
ORGANISATION_LICENCE_TAKEN = gettext_lazy("An organisation with this licence number already exists.")
VENUE_NAME_TAKEN = gettext_lazy("This region already has a venue with this name.")
REGION_CODE_TAKEN = gettext_lazy("Another region already uses this code.")
ALREADY_ANSWERED = gettext_lazy("This request has already been answered.")


def _check_licence(*, kind: str, licence_number: str | None) -> str | None:
    number = licence_normalise(licence_number) or None
    if kind not in Contributor.LICENSED_KINDS:
        # Mediators and volunteers hold no practice licence; drop whatever was typed.
        return None
    try:
        licence_validate(kind, number)
    except ValidationError as exc:
        raise ValidationError({"licence_number": exc.messages}) from None
    return number


def _save_model(obj: Model, *, field: str, message: StrOrPromise) -> None:
    """Save, turning the database's unique-constraint refusal into `message` on `field`."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationError({field: message}) from None


def _save_contributor(contributor: Contributor, *, specialities: Iterable[ServiceType] | None) -> None:
    _save_model(contributor, field="licence_number", message=LICENCE_TAKEN)
    if specialities is not None:
        contributor.specialities.set(specialities)


@transaction.atomic
def profile_complete(
    *,
    user: User,
    kind: str,
    legal_name: str,
    phone: str,
    region: Region,
    specialities: Iterable[ServiceType] = (),
    licence_number: str | None = "",
    organisation: Organisation | None = None,
    public_listing: bool | None = None,
) -> Contributor:
    """Create or update the signed-in person's contributor profile, and optionally ask to join
    an organisation. Raises ValidationError (keyed by field) and writes nothing on bad input."""
    existing = Contributor.objects.filter(user=user).first()
    number = _check_licence(kind=kind, licence_number=licence_number)
    contributor = existing or Contributor(user=user)
    if existing is not None and (existing.legal_name, existing.licence_number) != (legal_name.strip(), number):
        contributor.verified_at = None  # what the bureau checked has changed: it is checked again
    contributor.kind = kind
    contributor.legal_name = legal_name.strip()
    contributor.phone = phone
    contributor.region = region
    contributor.licence_number = number
    if public_listing is not None:
        contributor.public_listing = public_listing
    if contributor.profile_completed_at is None:
        contributor.profile_completed_at = timezone.now()
    _save_contributor(contributor, specialities=specialities)
    audit(
        actor=user,
        action="profile_complete" if existing is None else "profile_update",
        obj=contributor,
        kind=kind,
        region=region.code,
        licence_number=number,
        public_listing=contributor.public_listing,
    )
    if organisation is not None:
        membership_request(contributor=contributor, organisation=organisation)
    return contributor


@transaction.atomic
def contributor_update(
    *,
    actor: User,
    contributor: Contributor,
    kind: str,
    legal_name: str,
    phone: str,
    region: Region,
    licence_number: str | None = "",
    verified: bool | None = None,
    licensed_on: date | None = None,
) -> Contributor:
    """Staff correct a contributor's profile (within their region: the view checks scope)."""
    number = _check_licence(kind=kind, licence_number=licence_number)
    before = {
        "kind": contributor.kind,
        "legal_name": contributor.legal_name,
        "phone": contributor.phone,
        "region": contributor.region.code,
        "licence_number": contributor.licence_number,
        "licensed_on": str(contributor.licensed_on or ""),
    }
    contributor.kind = kind
    contributor.licensed_on = licensed_on
    contributor.legal_name = legal_name.strip()
    contributor.phone = phone
    contributor.region = region
    contributor.licence_number = number
    if verified is not None and verified != (contributor.verified_at is not None):
        refuse_own(actor, contributor)
        contributor.verified_at = timezone.now() if verified else None
    _save_contributor(contributor, specialities=None)
    audit(
        actor=actor,
        action="contributor_update",
        obj=contributor,
        before=before,
        after={
            "kind": kind,
            "legal_name": contributor.legal_name,
            "phone": phone,
            "region": region.code,
            "licence_number": number,
            "licensed_on": str(licensed_on or ""),
            "verified": contributor.verified_at is not None,
        },
    )
    return contributor


# --- Memberships --------------------------------------------------------------------------------


@transaction.atomic
def membership_request(*, contributor: Contributor, organisation: Organisation) -> Membership:
    """Ask to join `organisation`. One open request at a time; asking again replaces it."""
    active = contributor.memberships.filter(status=Membership.Status.ACTIVE).first()
    if active and active.organisation_id == organisation.pk:
        raise ValidationError({"organisation": _("You are already a member of this organisation.")})
    pending = contributor.memberships.select_for_update().filter(status=Membership.Status.PENDING).first()
    if pending:
        if pending.organisation_id == organisation.pk:
            return pending
        pending.status = Membership.Status.WITHDRAWN
        pending.decided_at = timezone.now()
        pending.save(update_fields=["status", "decided_at"])
    membership = Membership.objects.create(contributor=contributor, organisation=organisation)
    audit(actor=contributor.user, action="membership_request", obj=membership, organisation=organisation.pk)
    return membership


def _lock_pending(membership: Membership) -> Membership:
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if locked.status != Membership.Status.PENDING:
        raise ValidationError(ALREADY_ANSWERED)
    return locked


@transaction.atomic
def membership_confirm(*, actor: User, membership: Membership, today: date | None = None) -> Membership:
    """The organisation's admin accepts a request. A current membership elsewhere ends today."""
    today = today or timezone.localdate()
    membership = _lock_pending(membership)
    previous = (
        Membership.objects.select_for_update()
        .filter(contributor_id=membership.contributor_id, status=Membership.Status.ACTIVE)
        .first()
    )
    if previous is not None:
        previous.status = Membership.Status.ENDED
        previous.ended_on = max(today, previous.started_on)  # type: ignore[type-var]  # active: started_on set (db constraint)
        previous.note = gettext_noop("Moved to another organisation")
        previous.save(update_fields=["status", "ended_on", "note"])
        audit(actor=actor, action="membership_end", obj=previous, reason="moved")
    membership.status = Membership.Status.ACTIVE
    membership.started_on = today
    membership.decided_by = actor
    membership.decided_at = timezone.now()
    membership.save(update_fields=["status", "started_on", "decided_by", "decided_at"])
    audit(actor=actor, action="membership_confirm", obj=membership)
    return membership


@transaction.atomic
def membership_decline(*, actor: User, membership: Membership, reason: str = "") -> Membership:
    membership = _lock_pending(membership)
    membership.status = Membership.Status.DECLINED
    membership.decided_by = actor
    membership.decided_at = timezone.now()
    membership.note = reason[:200]
    membership.save(update_fields=["status", "decided_by", "decided_at", "note"])
    audit(actor=actor, action="membership_decline", obj=membership, reason=reason)
    return membership


@transaction.atomic
def membership_end(*, actor: User, membership: Membership, reason: str = "", today: date | None = None) -> Membership:
    """End a current membership (the admin removes a member, or the member leaves)."""
    today = today or timezone.localdate()
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Membership.Status.ACTIVE:
        raise ValidationError(_("This person is no longer a member."))
    membership.status = Membership.Status.ENDED
    membership.ended_on = max(today, membership.started_on)  # type: ignore[type-var]  # active: started_on set (db constraint)
    membership.note = reason[:200]
    membership.save(update_fields=["status", "ended_on", "note"])
    audit(actor=actor, action="membership_end", obj=membership, reason=reason)
    return membership


@transaction.atomic
def membership_withdraw(*, contributor: Contributor, membership: Membership) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk, contributor=contributor)
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(ALREADY_ANSWERED)
    membership.status = Membership.Status.WITHDRAWN
    membership.decided_at = timezone.now()
    membership.save(update_fields=["status", "decided_at"])
    audit(actor=contributor.user, action="membership_withdraw", obj=membership)
    return membership


# --- Places and organisations (staff) -----------------------------------------------------------


def _require_in_scope(scope: Region, region: Region | None, field: str = "region") -> None:
    if region is None or not scope.contains(region):
        raise ValidationError({field: _("Choose a region inside your own area.")})


@transaction.atomic
def organisation_save(
    *, actor: User, scope: Region, organisation: Organisation | None = None, **fields: Any
) -> Organisation:
    """Create or update an organisation inside the staff member's `scope` region."""
    _require_in_scope(scope, fields["region"])
    organisation = organisation or Organisation()
    creating = organisation.pk is None
    fields["licence_number"] = licence_normalise(fields["licence_number"])
    for name, value in fields.items():
        setattr(organisation, name, value)
    _save_model(organisation, field="licence_number", message=ORGANISATION_LICENCE_TAKEN)
    audit(
        actor=actor,
        action="organisation_create" if creating else "organisation_update",
        obj=organisation,
        licence_number=organisation.licence_number,
        region=organisation.region.code,
        good_standing=organisation.good_standing,
    )
    return organisation


@transaction.atomic
def organisation_admin_add(*, actor: User, organisation: Organisation, user: User) -> None:
    organisation.admins.add(user)
    audit(actor=actor, action="organisation_admin_add", obj=organisation, user=user.pk)


@transaction.atomic
def organisation_admin_remove(*, actor: User, organisation: Organisation, user: User) -> None:
    organisation.admins.remove(user)
    audit(actor=actor, action="organisation_admin_remove", obj=organisation, user=user.pk)


@transaction.atomic
def venue_save(*, actor: User, scope: Region, venue: Venue | None = None, **fields: Any) -> Venue:
    _require_in_scope(scope, fields["region"])
    venue = venue or Venue()
    creating = venue.pk is None
    for name, value in fields.items():
        setattr(venue, name, value)
    _save_model(venue, field="name", message=VENUE_NAME_TAKEN)
    audit(actor=actor, action="venue_create" if creating else "venue_update", obj=venue, region=venue.region.code)
    return venue


@transaction.atomic
def region_add_child(*, actor: User, scope: Region, parent: Region, code: str, name: str) -> Region:
    _require_in_scope(scope, parent, field="parent")
    if parent.level >= Region.Level.VILLAGE:
        raise ValidationError(_("A village or community cannot have regions under it."))
    try:
        with transaction.atomic():
            region = parent.add_child(code=code, name=name, level=parent.level + 1)
    except IntegrityError:
        raise ValidationError({"code": REGION_CODE_TAKEN}) from None
    audit(actor=actor, action="region_create", obj=region, parent=parent.code)
    return region


@transaction.atomic
def region_update(*, actor: User, scope: Region, region: Region, code: str, name: str) -> Region:
    _require_in_scope(scope, region, field="name")
    before = {"code": region.code, "name": region.name}
    region.code, region.name = code, name
    _save_model(region, field="code", message=REGION_CODE_TAKEN)
    audit(actor=actor, action="region_update", obj=region, before=before)
    return region


# Bureau staff use the Wagtail admin for opportunities; cms's migration gives this group its page
# permissions, and the Wagtail hooks narrow them to each person's region.
BUREAU_STAFF_GROUP = "Bureau staff"


@transaction.atomic
def staff_profile_save(*, actor: User, user: User, region: Region, title: str = "") -> StaffProfile:
    """Make `user` bureau staff for `region` (or move them), with access to the Wagtail admin."""
    profile, created = StaffProfile.objects.update_or_create(user=user, defaults={"region": region, "title": title})
    group, _created = Group.objects.get_or_create(name=BUREAU_STAFF_GROUP)
    user.groups.add(group)
    audit(actor=actor, action="staff_profile_save", obj=profile, region=region.code, created=created)
    return profile


def sessions_clear_expired() -> int:
    """Delete expired sessions; returns how many went."""
    deleted, _details = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
