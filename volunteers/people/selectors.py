"""Reads, each scoped to what the asking user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Manager, Model, Q, QuerySet
from django.http import Http404

from volunteers.models import Contributor, Membership, Organisation, Region, StaffProfile, Venue

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import AnonymousUser

    from volunteers.models import User

_M = TypeVar("_M", bound=Model)

# The 12348 public legal service hotline: the Ministry expects a lawyer on it every day.
HOTLINE = "hotline_12348"


def bureau_name() -> str:
    """Who issues what the site sends: settings.PB_BUREAU_NAME, or the city's justice bureau."""
    if settings.PB_BUREAU_NAME:
        return settings.PB_BUREAU_NAME
    root = Region.get_first_root_node()
    return f"{root.name}司法局" if root else "司法局"


def staff_region(user: User | AnonymousUser) -> Region | None:
    """The region a bureau staff member is responsible for, or None if they are not staff.

    A superuser without a staff profile sees the whole tree (the root region).
    """
    if not user.is_authenticated:
        return None
    try:
        profile = user.staff_profile
    except StaffProfile.DoesNotExist:
        profile = None
    if profile is not None:
        return profile.region
    if user.is_superuser:
        return Region.get_first_root_node()
    return None


def completed_contributor(user: User | AnonymousUser) -> Contributor | None:
    """The signed-in person's contributor profile if it is complete, else None (one query)."""
    if not user.is_authenticated:
        return None
    return Contributor.objects.filter(user=user, profile_completed_at__isnull=False).first()


def user_roles(user: User | AnonymousUser) -> dict[str, bool]:
    """What the navigation and home page offer: one flag per role."""
    if not user.is_authenticated:
        return {"contributor": False, "org_admin": False, "staff": False, "superuser": False}
    return {
        "contributor": Contributor.objects.filter(user=user, profile_completed_at__isnull=False).exists(),
        "org_admin": user.administered_organisations.exists(),
        "staff": staff_region(user) is not None,
        "superuser": user.is_superuser,
    }


def in_region(queryset: QuerySet[_M] | Manager[_M], region: Region, field: str | None = "region") -> QuerySet[_M]:
    """Rows whose `field` region lies in `region`'s subtree (field=None: the regions themselves)."""
    lookup = "path__startswith" if field is None else f"{field}__path__startswith"
    return queryset.filter(**{lookup: region.path})


def regions_for_staff(region: Region, *, q: str = "") -> QuerySet[Region]:
    qs = region.subtree().order_by("path")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs


def venues_for_staff(region: Region, *, q: str = "") -> QuerySet[Venue]:
    qs = in_region(Venue.objects.select_related("region"), region).order_by("region__path", "name")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(region__name__icontains=q))
    return qs


def organisations_for_staff(region: Region, *, q: str = "") -> QuerySet[Organisation]:
    qs = in_region(Organisation.objects.select_related("region"), region)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(licence_number__startswith=q))
    return qs.order_by("name")


def with_member_counts(organisations: Iterable[Organisation]) -> list[Organisation]:
    """Set `member_count` (current members) on a page of organisations with one grouped query,
    rather than grouping every organisation in the area before the page is cut."""
    organisations = list(organisations)
    counts = dict(
        Membership.objects.filter(organisation__in=organisations, status=Membership.Status.ACTIVE)
        .values_list("organisation")
        .annotate(n=Count("id"))
        .values_list("organisation", "n")
    )
    for organisation in organisations:
        organisation.member_count = counts.get(organisation.pk, 0)  # type: ignore[attr-defined]  # for the template
    return organisations


def contributors_for_staff(region: Region, *, q: str = "", kind: str = "") -> QuerySet[Contributor]:
    qs = in_region(Contributor.objects.select_related("region", "user"), region)
    if q:
        qs = qs.filter(
            Q(legal_name__icontains=q) | Q(licence_number__startswith=q) | Q(user__email__icontains=q) | Q(phone=q)
        )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("legal_name", "id")


def get_in_scope_or_404(queryset: QuerySet[_M], region: Region, pk: int | str, field: str | None = "region") -> _M:
    """One object of `queryset` inside `region`'s subtree; anything else is a 404, not a 403,
    so staff cannot learn what exists outside their area."""
    try:
        return in_region(queryset, region, field).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError):  # type: ignore[attr-defined]  # every concrete model has it
        raise Http404 from None


def organisation_for_admin_or_404(user: User, pk: int | str) -> Organisation:
    """An organisation the user administers. Someone who runs no organisation at all is refused
    (403); an admin asking for another organisation learns nothing (404)."""
    if not user.administered_organisations.exists():
        raise PermissionDenied
    try:
        return user.administered_organisations.select_related("region").get(pk=pk)
    except (Organisation.DoesNotExist, ValueError):
        raise Http404 from None


def organisations_matching(q: str, *, exclude: Organisation | None = None, limit: int = 20) -> list[Organisation]:
    """Organisations a person may ask to join, by name or licence number (a bounded page, so the
    profile stays the same size however many organisations the city has)."""
    qs = Organisation.objects.select_related("region").filter(Q(name__icontains=q) | Q(licence_number__startswith=q))
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.order_by("name")[:limit])


def organisation_members(organisation: Organisation) -> dict[str, list[Membership]]:
    """Pending requests, current members and the history, for the organisation's admins."""
    rows = list(
        organisation.memberships.select_related("contributor", "contributor__user", "decided_by").order_by(
            "-requested_at"
        )
    )
    return {
        "pending": [m for m in rows if m.status == Membership.Status.PENDING],
        "active": sorted(
            (m for m in rows if m.status == Membership.Status.ACTIVE), key=lambda m: m.contributor.legal_name
        ),
        "history": [m for m in rows if m.status not in (Membership.Status.PENDING, Membership.Status.ACTIVE)],
    }


def contributor_memberships(contributor: Contributor) -> list[Membership]:
    return list(contributor.memberships.select_related("organisation", "organisation__region"))


def current_membership(contributor: Contributor) -> Membership | None:
    return contributor.memberships.select_related("organisation").filter(status=Membership.Status.ACTIVE).first()


# --- Rota ------------------------------------------------------------------------------------------
