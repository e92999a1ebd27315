"""Reads of points: balances, verified hours, star level and the entries behind them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from pointbook.ledger.rules import cents, explain, stars_for
from pointbook.ledger.services import EARNED_SOURCES, POINTS
from pointbook.models import (
    Complaint,
    ConductRule,
    LedgerEntry,
    PointsRule,
    PublicRating,
)
from volunteers.models import EvidenceFile, Membership, Region, ServiceRecord

if TYPE_CHECKING:
    from volunteers.models import Contributor, Organisation, ServiceType

_Entries = TypeVar("_Entries", bound=Iterable[LedgerEntry])


def points_summary(contributor: Contributor, *, year: int | None = None) -> dict[str, Any]:
    """Balance for the year and lifetime, verified hours, stars and progress: one query."""
    year = year or timezone.localdate().year
    totals = (
        LedgerEntry.objects.earned()
        .filter(contributor=contributor)
        .aggregate(
            lifetime=Sum("points"),
            year=Sum("points", filter=Q(effective_date__year=year)),
            all_hours=Sum("hours"),
            year_hours=Sum("hours", filter=Q(effective_date__year=year)),
        )
    )
    totals = {name: cents(value) for name, value in totals.items()}
    hours = totals["all_hours"]
    stars, next_at = stars_for(hours)
    previous = [0, 100, 300, 600, 1000, 1500][stars]
    progress = None if next_at is None else int(100 * (hours - previous) / (next_at - previous))
    return {
        "year": year,
        "lifetime": totals["lifetime"],
        "year_points": totals["year"],
        "hours": hours,
        "year_hours": totals["year_hours"],
        "stars": stars,
        "next_star_at": next_at,
        "to_next": (next_at - hours) if next_at else None,
        "progress": progress,
    }


def entries_for(contributor: Contributor) -> QuerySet[LedgerEntry]:
    """Earned entries (spending is on My rewards), latest service date first (the date the page shows),
    then the latest posted; each gets `.text`, its explanation in the reader's language (from its data)."""
    return (
        LedgerEntry.objects.earned().filter(contributor=contributor).order_by("-effective_date", "-created_at", "-id")
    )


def explain_page(entries: _Entries) -> _Entries:
    for entry in entries:
        entry.text = explain(entry.kind, entry.breakdown) or entry.explanation  # type: ignore[attr-defined]  # for templates
    return entries


def _with_points(records: QuerySet[ServiceRecord]) -> QuerySet[ServiceRecord]:
    """Each record with `points`: what it holds in the ledger now (award, reversals, re-scoring)."""
    held = (
        LedgerEntry.objects.filter(source__in=EARNED_SOURCES, source_id=OuterRef("pk"))
        .order_by()
        .values("source_id")
        .annotate(s=Sum("points"))
        .values("s")
    )
    # Rounded in the query: SQLite adds decimals as floats (10 - 0.80 - 9.10 = 0.0999999999999996).
    return records.annotate(points=Round(Coalesce(Subquery(held), Decimal(0), output_field=POINTS), 2))


def records_waiting(region: Region) -> QuerySet[ServiceRecord]:
    """The staff queue: records in the subtree waiting for a decision, oldest first."""
    # A subquery, not a join + GROUP BY: counted only for the page's rows.
    files = Subquery(
        EvidenceFile.objects.filter(record=OuterRef("pk"))
        .order_by()
        .values("record")
        .annotate(n=Count("id"))
        .values("n")
    )
    regions = Region.objects.filter(path__startswith=region.path).values("pk")
    return (
        ServiceRecord.objects.filter(status__in=ServiceRecord.WAITING, region_id__in=regions)
        .select_related("contributor", "service_type", "venue")
        .annotate(files=Coalesce(files, 0))
        .order_by("created_at", "id")
    )


def records_waiting_page(region: Region, number: int | str | None, per_page: int) -> Page[ServiceRecord]:
    """One page of the queue: the page's ids are found on the index alone, then only those rows are
    joined (sorting thousands of joined rows to show thirty took a tenth of a second)."""
    page: Page[Any] = Paginator(
        records_waiting(region).select_related(None).values_list("pk", flat=True), per_page
    ).get_page(number)
    rows = records_waiting(region).in_bulk(list(page.object_list))
    page.object_list = [rows[pk] for pk in page.object_list if pk in rows]
    return page


def records_flagged(region: Region) -> QuerySet[ServiceRecord]:
    """Approved records a poor public rating put in front of staff, newest first."""
    return (
        ServiceRecord.objects.filter(
            flagged=True, region_id__in=Region.objects.filter(path__startswith=region.path).values("pk")
        )
        .select_related("contributor", "service_type", "venue", "rating")
        .order_by("-decided_at", "-id")
    )


def record_for_staff(region: Region, pk: int) -> ServiceRecord | None:
    return (
        ServiceRecord.objects.filter(region__path__startswith=region.path, pk=pk)
        .select_related("contributor__user", "service_type", "venue", "region", "decided_by", "signup__shift")
        .first()
    )


def records_of(contributor: Contributor) -> QuerySet[ServiceRecord]:
    """A contributor's own records, newest first, with the points each holds."""
    return (
        _with_points(ServiceRecord.objects.filter(contributor=contributor))
        .select_related("service_type", "venue", "region")
        .order_by("-date", "-id")
    )


def record_of(contributor: Contributor, pk: int) -> ServiceRecord | None:
    return records_of(contributor).select_related("rating").filter(pk=pk).first()


def record_entries(record: ServiceRecord) -> list[LedgerEntry]:
    """The entries a record produced (award, reversals, re-scoring, its rating's bonus, upheld
    complaints' penalties), oldest first, explained."""
    about = (
        Q(source__in=EARNED_SOURCES, source_id=record.pk)
        | Q(source=LedgerEntry.Source.RATING, source_id__in=PublicRating.objects.filter(record=record).values("pk"))
        | Q(source=LedgerEntry.Source.COMPLAINT, source_id__in=Complaint.objects.filter(record=record).values("pk"))
    )
    entries = LedgerEntry.objects.filter(about, contributor=record.contributor_id).order_by("created_at", "id")
    return explain_page(list(entries))


def member_records(organisation: Organisation, *, year: int) -> QuerySet[ServiceRecord]:
    """An organisation's members' records of `year` (counted by the dates each belonged), read-only
    for its admins: status, hours and the points each holds."""
    counted = Membership.objects.filter(
        organisation=organisation, status__in=[Membership.Status.ACTIVE, Membership.Status.ENDED]
    )
    belonged = counted.filter(contributor=OuterRef("contributor"), started_on__lte=OuterRef("date")).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=OuterRef("date"))
    )
    # The members of that year first (an index on person and date), then the exact days each belonged.
    members = (
        counted.filter(started_on__lte=date(year, 12, 31))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=date(year, 1, 1)))
        .values("contributor_id")
    )
    records = ServiceRecord.objects.filter(
        contributor_id__in=members, date__gte=date(year, 1, 1), date__lte=date(year, 12, 31)
    ).filter(Exists(belonged))
    return _with_points(records).select_related("contributor", "service_type").order_by("-date", "-id")


def rules_by_type() -> QuerySet[ServiceType]:
    """Every service type with its rule versions, newest first (one query each way)."""
    from volunteers.models import ServiceType

    return ServiceType.objects.order_by("sort_order", "code").prefetch_related(
        Prefetch("points_rules", PointsRule.objects.select_related("created_by").order_by("-effective_from"))
    )


def conduct_rules() -> QuerySet[ConductRule]:
    return ConductRule.objects.select_related("created_by").order_by("event", "-effective_from")
