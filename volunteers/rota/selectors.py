from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from volunteers.models import Contributor, Handover, Membership, Organisation, Region, Shift, Signup
from volunteers.people.selectors import HOTLINE, in_region

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    class Places(TypedDict):
        """What `shifts_with_places` annotates."""

        held: int
        waiting: int
        free: int


def _signups_on_shift(*statuses: str) -> Coalesce:
    """A subquery counting the shift's sign-ups in `statuses` (0 when none), for annotations."""
    return Coalesce(
        Subquery(
            Signup.objects.filter(shift=OuterRef("pk"), status__in=statuses)
            .order_by()
            .values("shift")
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
        0,
    )


def shifts_with_places(queryset: QuerySet[Shift]) -> QuerySet[WithAnnotations[Shift, Places]]:
    """Shifts annotated with `held` (confirmed or offered places) and `free`, in the same query."""
    return queryset.annotate(
        held=_signups_on_shift(*Signup.HOLDS_SEAT), waiting=_signups_on_shift(Signup.Status.WAITING)
    ).annotate(free=F("capacity") - F("held"))


def shifts_upcoming(*, now: datetime, opportunity_id: int | None = None) -> QuerySet[WithAnnotations[Shift, Places]]:
    qs = Shift.objects.filter(status=Shift.Status.SCHEDULED, ends_at__gt=now)
    if opportunity_id is not None:
        qs = qs.filter(opportunity_id=opportunity_id)
    return shifts_with_places(qs.select_related("venue")).order_by("starts_at", "id")


def qualified_filter(kind: str, prefix: str = "") -> Q:
    """Shifts (or opportunities) whose `eligible_kinds` lets `kind` in. JSON `contains` is not
    available on SQLite, so this matches the quoted kind in the JSON text, which is exact."""
    return Q(**{f"{prefix}eligible_kinds": []}) | Q(**{f"{prefix}eligible_kinds__icontains": f'"{kind}"'})


def signups_for_shifts(contributor: Contributor | None, shift_ids: Iterable[int]) -> dict[int, Signup]:
    """{shift id: the person's open sign-up} for the shifts on one page."""
    if contributor is None:
        return {}
    return {
        s.shift_id: s
        for s in Signup.objects.filter(contributor=contributor, shift_id__in=shift_ids, status__in=Signup.OPEN)
    }


def _signups_of(contributor: Contributor) -> QuerySet[Signup]:
    return Signup.objects.filter(contributor=contributor).select_related(
        "shift__venue", "shift__service_type", "shift__opportunity"
    )


def my_shifts(contributor: Contributor, *, now: datetime) -> dict[str, Any]:
    """What My shifts shows, each list in one query: offers, upcoming places, waiting-list places
    (with position), and the past (a queryset to page through)."""
    mine = _signups_of(contributor)
    position = Subquery(
        Signup.objects.filter(shift=OuterRef("shift"), status=Signup.Status.WAITING)
        .filter(Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), id__lte=OuterRef("id")))
        .order_by()
        .values("shift")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return {
        "offers": list(mine.filter(status=Signup.Status.OFFERED, shift__ends_at__gt=now).order_by("offer_expires_at")),
        "upcoming": list(
            mine.filter(
                status__in=(Signup.Status.CONFIRMED, Signup.Status.PENDING_CONSENT), shift__ends_at__gt=now
            ).order_by("shift__starts_at")
        ),
        "waiting": list(
            mine.filter(status=Signup.Status.WAITING, shift__ends_at__gt=now)
            .annotate(position=position)
            .order_by("shift__starts_at")
        ),
        "past": mine.filter(
            Q(shift__ends_at__lte=now) | Q(shift__status=Shift.Status.CANCELLED) | ~Q(status__in=Signup.OPEN)
        )
        .select_related("service_record")
        .order_by("-shift__starts_at", "-id"),
    }


def calendar_signups(token: str | None) -> tuple[Contributor, list[Signup]] | tuple[None, None]:
    """The confirmed shifts behind a calendar token, or None when the token is unknown."""
    contributor = Contributor.objects.filter(calendar_token=token).first() if token else None
    if contributor is None:
        return None, None
    # The last three months and everything ahead: calendar apps keep what they have already seen.
    since = timezone.now() - timedelta(days=90)
    return contributor, list(
        _signups_of(contributor)
        .filter(status=Signup.Status.CONFIRMED, shift__ends_at__gte=since)
        .order_by("shift__starts_at")[:1000]
    )


def shifts_for_staff(
    region: Region, *, now: datetime, opportunity_id: int | None = None, past: bool = False
) -> QuerySet[WithAnnotations[Shift, Places]]:
    qs = in_region(Shift.objects.select_related("venue", "service_type", "opportunity"), region, "venue__region")
    if opportunity_id is not None:
        qs = qs.filter(opportunity_id=opportunity_id)
    qs = qs.filter(ends_at__lte=now) if past else qs.filter(ends_at__gt=now)
    return shifts_with_places(qs).order_by("-starts_at" if past else "starts_at", "id")


def shift_roster(shift: Shift) -> dict[str, list[Signup]]:
    """The shift's roster: `confirmed` (with their service records, by seat) and `queue` (offered
    and waiting, first come first), from one query."""
    signups = list(
        shift.signups.filter(status__in=Signup.OPEN)
        .select_related("contributor__user", "service_record")
        .order_by("seat", "created_at", "id")
    )
    return {
        "confirmed": [s for s in signups if s.status == Signup.Status.CONFIRMED],
        "queue": sorted(
            (s for s in signups if s.status != Signup.Status.CONFIRMED), key=lambda s: (s.created_at, s.id)
        ),
    }


def shifts_below_minimum(region: Region, *, now: datetime, days: int) -> QuerySet[WithAnnotations[Shift, Places]]:
    """Upcoming shifts in the subtree with fewer confirmed people than their minimum staffing."""
    confirmed = _signups_on_shift(Signup.Status.CONFIRMED)
    return (
        shifts_with_places(
            in_region(
                Shift.objects.select_related("venue", "service_type", "opportunity"), region, "venue__region"
            ).filter(status=Shift.Status.SCHEDULED, starts_at__gt=now, starts_at__lt=now + timedelta(days=days))
        )
        .annotate(confirmed=confirmed)
        .filter(confirmed__lt=F("min_staffing"))
        .order_by("starts_at", "id")
    )


def hotline_days_uncovered(region: Region, *, now: datetime, days: int) -> list[date] | None:
    """Days ahead on which no lawyer is confirmed on a 12348 hotline shift in the subtree (the
    Ministry expects one every day), or None when the subtree runs no hotline (a district when
    the city runs it)."""
    hotline = in_region(Shift.objects, region, "venue__region").filter(service_type__code=HOTLINE)
    if not hotline.exists():
        return None
    today = timezone.localtime(now).date()
    # Today counts whole: a lawyer who served this morning covered it.
    since = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    covered = {
        timezone.localtime(starts_at).date()
        for starts_at in hotline.filter(
            status=Shift.Status.SCHEDULED,
            starts_at__gte=since,
            starts_at__lt=since + timedelta(days=days),
            signups__status=Signup.Status.CONFIRMED,
            signups__contributor__kind=Contributor.Kind.LAWYER,
        )
        .values_list("starts_at", flat=True)
        .distinct()
        .iterator()
    }
    return [today + timedelta(days=n) for n in range(days) if today + timedelta(days=n) not in covered]


def handovers_offered_to(contributor: Contributor) -> QuerySet[Handover]:
    """Hand-overs offered to the person, whatever their state (for the offer page): by name, to
    their current firm, or to a waiting list they are on; never their own."""
    firm = Membership.objects.filter(
        contributor=contributor, status=Membership.Status.ACTIVE, organisation=OuterRef("organisation")
    )
    waiting = Signup.objects.filter(shift=OuterRef("shift"), contributor=contributor, status=Signup.Status.WAITING)
    return (
        Handover.objects.filter(
            Q(audience=Handover.Audience.COLLEAGUE, colleague=contributor)
            | Q(Exists(firm), audience=Handover.Audience.FIRM)
            | Q(Exists(waiting), audience=Handover.Audience.WAITLIST)
            | Q(taker=contributor)  # once taken from the waiting list, no longer waiting, still theirs
        )
        .exclude(giver=contributor)
        .select_related("giver", "shift__venue", "shift__service_type", "shift__opportunity")
    )


def handovers_open_for(contributor: Contributor, *, now: datetime) -> list[Handover]:
    """Open hand-overs the person may accept (My shifts' "offered to you"), soonest first."""
    return list(
        handovers_offered_to(contributor)
        .filter(status=Handover.Status.OFFERED, expires_at__gt=now)
        .order_by("shift__starts_at", "id")[:50]
    )


def handovers_open_by_signup(signup_ids: Iterable[int]) -> dict[int, Handover]:
    """{sign-up id: its open hand-over} for the giver's rows on My shifts."""
    return {
        h.signup_id: h
        for h in Handover.objects.filter(signup_id__in=list(signup_ids), status=Handover.Status.OFFERED).select_related(
            "colleague"
        )
    }


def consents_pending(organisation: Organisation) -> QuerySet[Signup]:
    """Sign-ups of the organisation's current members waiting for its consent, soonest shift first."""
    members = Membership.objects.filter(organisation=organisation, status=Membership.Status.ACTIVE).values(
        "contributor_id"
    )
    return (
        Signup.objects.filter(status=Signup.Status.PENDING_CONSENT, contributor_id__in=members)
        .select_related("contributor__user", "shift__venue", "shift__opportunity", "shift__service_type")
        .order_by("shift__starts_at", "id")
    )
