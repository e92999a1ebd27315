"""Reads of service requests, each scoped to who asks: staff their region's subtree, a contributor
the requests assigned to them (and those published for them to take), the public only a status."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from volunteers.models import Contributor, Region, RequestEvent, RequestTerms, ServiceRequest, ServiceType
from volunteers.people.selectors import in_region
from volunteers.rota.services import kinds_text
from volunteers.service_requests.services import SATISFIED

if TYPE_CHECKING:
    from volunteers.models import User

State = ServiceRequest.State


def _listed(queryset: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    return queryset.select_related("service_type", "region", "queue_region", "assignee")


def overdue_q(now: datetime) -> Q:
    """Past the service type's time limit: not accepted in time, or not finished in time."""
    return Q(state__in=ServiceRequest.WAITING_ACCEPT, accept_due_at__lt=now) | Q(
        state=State.ACCEPTED, finish_due_at__lt=now
    )


def requests_for_staff(
    scope: Region, *, state: str = "", overdue: bool = False, now: datetime | None = None
) -> QuerySet[ServiceRequest]:
    """Requests of people in the staff member's subtree, newest first; open ones by default."""
    now = now or timezone.now()
    qs = in_region(ServiceRequest.objects.all(), scope)
    if state in State.values:
        qs = qs.filter(state=state)
    elif state != "all":
        qs = qs.exclude(state=State.CLOSED)
    if overdue:
        qs = qs.filter(overdue_q(now))
    return _listed(qs).order_by("-created_at", "-id")


def overdue_count(scope: Region, *, now: datetime | None = None) -> int:
    return in_region(ServiceRequest.objects.all(), scope).filter(overdue_q(now or timezone.now())).count()


def request_for_staff(scope: Region, pk: int) -> ServiceRequest | None:
    return _listed(in_region(ServiceRequest.objects.all(), scope)).filter(pk=pk).first()


def requests_of(contributor: Contributor) -> QuerySet[ServiceRequest]:
    """Requests assigned to the contributor: the ones to answer and to finish first."""
    order = Case(
        When(state=State.DISPATCHED, then=Value(0)),
        When(state=State.ACCEPTED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return _listed(ServiceRequest.objects.filter(assignee=contributor)).order_by(order, "-created_at", "-id")


def kinds_types(kind: str) -> tuple[list[int], list[int]]:
    """(service types whose requests only some kinds may take and `kind` may, those it may not)."""
    allowed: list[int] = []
    refused: list[int] = []
    for type_id, kinds in RequestTerms.objects.values_list("service_type_id", "eligible_kinds"):
        if kinds:
            (allowed if kind in kinds else refused).append(type_id)
    return allowed, refused


def claimable_for(contributor: Contributor, *, limit: int = 20) -> list[ServiceRequest]:
    """Published requests the contributor may take (their kind, not declined by them), nearest first."""
    _allowed, refused = kinds_types(contributor.kind)
    declined = RequestEvent.objects.filter(contributor=contributor, kind=RequestEvent.Kind.DECLINED).values(
        "request_id"
    )
    qs = (
        ServiceRequest.objects.filter(state=State.PUBLISHED)
        .exclude(service_type_id__in=refused)
        .exclude(pk__in=declined)
        .annotate(near=_nearness("region__path", contributor.region.path))
    )
    return list(_listed(qs).order_by("-near", "created_at")[:limit])


def _nearness(field: str, path: str) -> Case:
    """How many levels of the region tree `field` shares with `path` (the same village: 4)."""
    step = Region.steplen
    depth = len(path) // step
    return Case(
        *[When(**{f"{field}__startswith": path[: d * step]}, then=Value(d)) for d in range(depth, 0, -1)],
        default=Value(0),
        output_field=IntegerField(),
    )


def suggestions(request: ServiceRequest, *, actor: User, now: datetime | None = None, limit: int = 10) -> list[Any]:
    """Who could take the request: completed profiles of a kind its service type asks for, who have
    not declined it, not the staff member themself; nearest first, then the least loaded this month
    (requests dispatched to or taken by them since the 1st)."""
    now = now or timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    from volunteers.service_requests.services import terms_for

    kinds, _h, _d = terms_for(request.service_type_id)
    declined = RequestEvent.objects.filter(request=request, kind=RequestEvent.Kind.DECLINED).values("contributor_id")
    qs = (
        Contributor.objects.filter(profile_completed_at__isnull=False)
        .exclude(pk__in=declined)
        .exclude(user=actor)
        .select_related("region")
    )
    if kinds:
        qs = qs.filter(kind__in=kinds)
    loaded = RequestEvent.objects.filter(
        kind__in=[RequestEvent.Kind.DISPATCHED, RequestEvent.Kind.ACCEPTED], created_at__gte=month_start
    )
    qs = qs.annotate(
        near=_nearness("region__path", request.region.path),
        load=Count(
            "service_requests",
            filter=Q(service_requests__in=loaded.values("request_id"))
            | Q(service_requests__state__in=[State.DISPATCHED, State.ACCEPTED]),
            distinct=True,
        ),
    )
    return list(qs.order_by("-near", "load", "legal_name", "pk")[:limit])


def monthly_figures(scope: Region, first: date, last: date) -> list[dict[str, Any]]:
    """Per district (or the scope itself when it is one) for requests registered from `first` to `last`:
    received, finished, finished on time, rated, satisfied and the satisfaction rate (%). One query."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(last, datetime.max.time(), tzinfo=tz)
    level = max(scope.level, Region.Level.DISTRICT)
    base = ServiceRequest.objects.filter(
        created_at__gte=start, created_at__lte=end, region__path__startswith=OuterRef("path")
    )
    measures = {
        "received": Q(),
        "finished": Q(state=State.CLOSED),
        "on_time": Q(state=State.CLOSED, closed_at__lte=F("finish_due_at")),
        "rated": Q(public_score__isnull=False),
        "satisfied": Q(public_score__gte=SATISFIED),
    }
    units = (
        scope.subtree()
        .filter(level=level)
        .order_by("path")
        .annotate(
            **{
                name: Coalesce(
                    Subquery(
                        base.filter(condition)
                        .order_by()
                        .annotate(one=Value(1))
                        .values("one")
                        .annotate(n=Count("pk"))
                        .values("n")[:1],
                        output_field=IntegerField(),
                    ),
                    0,
                )
                for name, condition in measures.items()
            }
        )
    )
    rows = []
    for unit in units:
        figures = {name: getattr(unit, name) for name in measures}
        rated = figures["rated"]
        rate = (Decimal(figures["satisfied"] * 100) / rated).quantize(Decimal("0.1")) if rated else None
        rows.append({"region": unit, **figures, "satisfaction": rate})
    return rows


def service_types_with_terms() -> list[ServiceType]:
    """Active service types, each with its request terms (or none: the defaults apply), in one query."""
    types = list(
        ServiceType.objects.filter(is_active=True).select_related("request_terms").order_by("sort_order", "code")
    )
    for service_type in types:
        terms = getattr(service_type, "request_terms", None)
        service_type.kinds = kinds_text(terms.eligible_kinds) if terms else ""  # type: ignore[attr-defined]
    return types
