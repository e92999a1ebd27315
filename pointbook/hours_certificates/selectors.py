"""Reads for hours certificates: the verified hours of a period, the settings a region issues under, and
the certificates each person may see (their own; staff, their area's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import QuerySet, Sum

from pointbook.ledger.rules import cents
from pointbook.ledger.services import EARNED_SOURCES
from pointbook.models import HoursCertificate, HoursCertificateConfig, LedgerEntry
from volunteers.people.selectors import bureau_name

if TYPE_CHECKING:
    from volunteers.models import Contributor, Region


@dataclass
class PeriodHours:
    hours: Decimal
    points: Decimal
    by_type: list[dict] = field(default_factory=list)  # {"name_zh", "name_en", "hours"}, most hours first


def period_hours(contributor: Contributor, starts_on: date, ends_on: date) -> PeriodHours:
    """The person's verified hours (and points earned) from `starts_on` to `ends_on`, both included, in
    all and by service type: earned entries only (approved records, their reversals, re-scoring), dated
    by the service. One grouped query."""
    rows = (
        LedgerEntry.objects.filter(
            contributor=contributor,
            source__in=EARNED_SOURCES,
            effective_date__gte=starts_on,
            effective_date__lte=ends_on,
        )
        .order_by()
        .values("service_type_id", "service_type__name_zh", "service_type__name_en", "service_type__sort_order")
        .annotate(h=Sum("hours"), p=Sum("points"))
    )
    lines, hours, points = [], Decimal("0.00"), Decimal("0.00")
    for row in rows:
        line_hours, line_points = cents(row["h"]), cents(row["p"])
        hours, points = hours + line_hours, points + line_points
        if line_hours > 0:
            lines.append(
                {
                    "name_zh": row["service_type__name_zh"] or "其他",
                    "name_en": row["service_type__name_en"] or "Other",
                    "hours": str(line_hours),
                    "_order": (-line_hours, row["service_type__sort_order"] or 0, row["service_type__name_zh"] or ""),
                }
            )
    lines.sort(key=lambda line: line.pop("_order"))
    return PeriodHours(hours=hours, points=points, by_type=lines)


@dataclass
class Settings:
    """What a region's hours certificates say about their issuer; `region` is where it was set (None:
    nowhere yet, the site's defaults)."""

    bureau_name: str
    person_in_charge: str
    handling_officer: str
    contact: str
    seal: str  # file name in evidence_storage, or ""
    auto_issue: bool
    region: Region | None
    config: HoursCertificateConfig | None


def settings_for(region: Region) -> Settings:
    """The settings of `region`: its own, or its nearest ancestor's (one query)."""
    steps = [region.path[: region.steplen * depth] for depth in range(1, region.depth + 1)]
    config = (
        HoursCertificateConfig.objects.select_related("region")
        .filter(region__path__in=steps)
        .order_by("-region__depth")
        .first()
    )
    if config is None:
        return Settings(bureau_name(), "", "", "", "", False, None, None)
    return Settings(
        config.bureau_name,
        config.person_in_charge,
        config.handling_officer,
        config.contact,
        config.seal.name or "",
        config.auto_issue,
        config.region,
        config,
    )


def certificates_of(contributor: Contributor) -> QuerySet[HoursCertificate]:
    return HoursCertificate.objects.filter(contributor=contributor).select_related("certificate")


def for_staff(scope: Region) -> QuerySet[HoursCertificate]:
    """Requests and certificates of people whose region (when they asked) is in `scope`'s subtree."""
    return HoursCertificate.objects.filter(region__path__startswith=scope.path).select_related(
        "contributor", "certificate", "certificate__revoked_by", "decided_by"
    )


def pending_for_staff(scope: Region) -> QuerySet[HoursCertificate]:
    return for_staff(scope).filter(status=HoursCertificate.Status.PENDING).order_by("requested_at", "id")


def decided_for_staff(scope: Region, *, q: str = "") -> QuerySet[HoursCertificate]:
    """Issued and declined, newest first; `q` finds a certificate number or a name."""
    decided = for_staff(scope).exclude(status=HoursCertificate.Status.PENDING).order_by("-decided_at", "-id")
    if q:
        from django.db.models import Q

        decided = decided.filter(Q(certificate__number__icontains=q) | Q(contributor__legal_name__icontains=q))
    return decided
