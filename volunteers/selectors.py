"""Reads, each scoped to what the asking user may see."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from .models import Contributor, Membership, Organisation, Region, Shift, Signup, StaffProfile, Venue

# The 12348 public legal service hotline: the Ministry expects a lawyer on it every day.
HOTLINE = "hotline_12348"


def bureau_name():
    """Who issues what the site sends: settings.PB_BUREAU_NAME, or the city's justice bureau."""
    if settings.PB_BUREAU_NAME:
        return settings.PB_BUREAU_NAME
    root = Region.get_first_root_node()
    return f"{root.name}司法局" if root else "司法局"


def staff_region(user):
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


def completed_contributor(user):
    """The signed-in person's contributor profile if it is complete, else None (one query)."""
    if not user.is_authenticated:
        return None
    return Contributor.objects.filter(user=user, profile_completed_at__isnull=False).first()


def user_roles(user):
    """What the navigation and home page offer: one flag per role."""
    if not user.is_authenticated:
        return {"contributor": False, "org_admin": False, "staff": False, "superuser": False}
    return {
        "contributor": Contributor.objects.filter(user=user, profile_completed_at__isnull=False).exists(),
        "org_admin": user.administered_organisations.exists(),
        "staff": staff_region(user) is not None,
        "superuser": user.is_superuser,
    }


def _in_region(queryset, region, field="region"):
    """Rows whose `field` region lies in `region`'s subtree (field=None: the regions themselves)."""
    lookup = "path__startswith" if field is None else f"{field}__path__startswith"
    return queryset.filter(**{lookup: region.path})


def regions_for_staff(region, *, q=""):
    qs = region.subtree().order_by("path")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    return qs


def venues_for_staff(region, *, q=""):
    qs = _in_region(Venue.objects.select_related("region"), region).order_by("region__path", "name")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(region__name__icontains=q))
    return qs


def organisations_for_staff(region, *, q=""):
    qs = _in_region(Organisation.objects.select_related("region"), region)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(licence_number__startswith=q))
    return qs.order_by("name")


def with_member_counts(organisations):
    """Set `member_count` (current members) on a page of organisations with one grouped query,
    rather than grouping every organisation in the area before the page is cut."""
    organisations = list(organisations)
    counts = dict(
        Membership.objects.filter(organisation__in=organisations, status=Membership.Status.ACTIVE)
        .values_list("organisation").annotate(n=Count("id")).values_list("organisation", "n")
    )
    for organisation in organisations:
        organisation.member_count = counts.get(organisation.pk, 0)
    return organisations


def contributors_for_staff(region, *, q="", kind=""):
    qs = _in_region(Contributor.objects.select_related("region", "user"), region)
    if q:
        qs = qs.filter(
            Q(legal_name__icontains=q) | Q(licence_number__startswith=q) | Q(user__email__icontains=q) | Q(phone=q)
        )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("legal_name", "id")


def get_in_scope_or_404(queryset, region, pk, field="region"):
    """One object of `queryset` inside `region`'s subtree; anything else is a 404, not a 403,
    so staff cannot learn what exists outside their area."""
    try:
        return _in_region(queryset, region, field).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404 from None


def organisation_for_admin_or_404(user, pk):
    """An organisation the user administers. Someone who runs no organisation at all is refused
    (403); an admin asking for another organisation learns nothing (404)."""
    if not user.administered_organisations.exists():
        raise PermissionDenied
    try:
        return user.administered_organisations.select_related("region").get(pk=pk)
    except (Organisation.DoesNotExist, ValueError):
        raise Http404 from None


def organisations_matching(q, *, exclude=None, limit=20):
    """Organisations a person may ask to join, by name or licence number (a bounded page, so the
    profile stays the same size however many organisations the city has)."""
    qs = Organisation.objects.select_related("region").filter(Q(name__icontains=q) | Q(licence_number__startswith=q))
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.order_by("name")[:limit])


def organisation_members(organisation):
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


def contributor_memberships(contributor):
    return list(contributor.memberships.select_related("organisation", "organisation__region"))


def current_membership(contributor):
    return (
        contributor.memberships.select_related("organisation")
        .filter(status=Membership.Status.ACTIVE)
        .first()
    )



# --- Rota ------------------------------------------------------------------------------------------


def _signups_on_shift(*statuses):
    """A subquery counting the shift's sign-ups in `statuses` (0 when none), for annotations."""
    return Coalesce(Subquery(
        Signup.objects.filter(shift=OuterRef("pk"), status__in=statuses)
        .order_by().values("shift").annotate(n=Count("id")).values("n")[:1]
    ), 0)


def shifts_with_places(queryset):
    """Shifts annotated with `held` (confirmed or offered places) and `free`, in the same query."""
    return queryset.annotate(held=_signups_on_shift(*Signup.HOLDS_SEAT),
                             waiting=_signups_on_shift(Signup.Status.WAITING)).annotate(free=F("capacity") - F("held"))


def shifts_upcoming(*, now, opportunity_id=None):
    qs = Shift.objects.filter(status=Shift.Status.SCHEDULED, ends_at__gt=now)
    if opportunity_id is not None:
        qs = qs.filter(opportunity_id=opportunity_id)
    return shifts_with_places(qs.select_related("venue")).order_by("starts_at", "id")


def qualified_filter(kind, prefix=""):
    """Shifts (or opportunities) whose `eligible_kinds` lets `kind` in. JSON `contains` is not
    available on SQLite, so this matches the quoted kind in the JSON text, which is exact."""
    return Q(**{f"{prefix}eligible_kinds": []}) | Q(**{f"{prefix}eligible_kinds__icontains": f'"{kind}"'})


def signups_for_shifts(contributor, shift_ids):
    """{shift id: the person's open sign-up} for the shifts on one page."""
    if contributor is None:
        return {}
    return {s.shift_id: s for s in Signup.objects.filter(contributor=contributor, shift_id__in=shift_ids,
                                                           status__in=Signup.OPEN)}


def _signups_of(contributor):
    return Signup.objects.filter(contributor=contributor).select_related(
        "shift__venue", "shift__service_type", "shift__opportunity")


def my_shifts(contributor, *, now):
    """What My shifts shows, each list in one query: offers, upcoming places, waiting-list places
    (with position), and the past (a queryset to page through)."""
    mine = _signups_of(contributor)
    position = Subquery(
        Signup.objects.filter(shift=OuterRef("shift"), status=Signup.Status.WAITING)
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__lte=OuterRef("id")))
        .order_by().values("shift").annotate(n=Count("id")).values("n")[:1])
    return {
        "offers": list(mine.filter(status=Signup.Status.OFFERED, shift__ends_at__gt=now).order_by("offer_expires_at")),
        "upcoming": list(mine.filter(status=Signup.Status.CONFIRMED, shift__ends_at__gt=now)
                         .order_by("shift__starts_at")),
        "waiting": list(mine.filter(status=Signup.Status.WAITING, shift__ends_at__gt=now)
                        .annotate(position=position).order_by("shift__starts_at")),
        "past": mine.filter(Q(shift__ends_at__lte=now) | Q(shift__status=Shift.Status.CANCELLED)
                            | ~Q(status__in=Signup.OPEN))
        .select_related("service_record").order_by("-shift__starts_at", "-id"),
    }


def calendar_signups(token):
    """The confirmed shifts behind a calendar token, or None when the token is unknown."""
    contributor = Contributor.objects.filter(calendar_token=token).first() if token else None
    if contributor is None:
        return None, None
    # The last three months and everything ahead: calendar apps keep what they have already seen.
    since = timezone.now() - timedelta(days=90)
    return contributor, list(_signups_of(contributor).filter(status=Signup.Status.CONFIRMED, shift__ends_at__gte=since)
                             .order_by("shift__starts_at")[:1000])


def shifts_for_staff(region, *, now, opportunity_id=None, past=False):
    qs = _in_region(Shift.objects.select_related("venue", "service_type", "opportunity"), region, "venue__region")
    if opportunity_id is not None:
        qs = qs.filter(opportunity_id=opportunity_id)
    qs = qs.filter(ends_at__lte=now) if past else qs.filter(ends_at__gt=now)
    return shifts_with_places(qs).order_by("-starts_at" if past else "starts_at", "id")


def shift_roster(shift):
    """The shift's roster: `confirmed` (with their service records, by seat) and `queue` (offered
    and waiting, first come first), from one query."""
    signups = list(shift.signups.filter(status__in=Signup.OPEN)
                   .select_related("contributor__user", "service_record").order_by("seat", "created_at", "id"))
    return {"confirmed": [s for s in signups if s.status == Signup.Status.CONFIRMED],
            "queue": sorted((s for s in signups if s.status != Signup.Status.CONFIRMED),
                            key=lambda s: (s.created_at, s.id))}


def shifts_below_minimum(region, *, now, days):
    """Upcoming shifts in the subtree with fewer confirmed people than their minimum staffing."""
    confirmed = _signups_on_shift(Signup.Status.CONFIRMED)
    return shifts_with_places(
        _in_region(Shift.objects.select_related("venue", "service_type", "opportunity"), region, "venue__region")
        .filter(status=Shift.Status.SCHEDULED, starts_at__gt=now, starts_at__lt=now + timedelta(days=days))
    ).annotate(confirmed=confirmed).filter(confirmed__lt=F("min_staffing")).order_by("starts_at", "id")


def hotline_days_uncovered(region, *, now, days):
    """Days ahead on which no lawyer is confirmed on a 12348 hotline shift in the subtree (the
    Ministry expects one every day), or None when the subtree runs no hotline (a district when
    the city runs it)."""
    hotline = _in_region(Shift.objects, region, "venue__region").filter(service_type__code=HOTLINE)
    if not hotline.exists():
        return None
    today = timezone.localtime(now).date()
    # Today counts whole: a lawyer who served this morning covered it.
    since = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    covered = {
        timezone.localtime(starts_at).date()
        for starts_at in hotline.filter(
            status=Shift.Status.SCHEDULED, starts_at__gte=since, starts_at__lt=since + timedelta(days=days),
            signups__status=Signup.Status.CONFIRMED, signups__contributor__kind=Contributor.Kind.LAWYER,
        ).values_list("starts_at", flat=True).distinct().iterator()
    }
    return [today + timedelta(days=n) for n in range(days) if today + timedelta(days=n) not in covered]
