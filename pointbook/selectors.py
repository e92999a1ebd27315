"""Reads of points: balances, verified hours, star level and the entries behind them."""

from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from volunteers.models import ServiceRecord

from .models import LedgerEntry
from .rules import explain, stars_for


def points_summary(contributor, *, year=None):
    """Balance for the year and lifetime, verified hours, stars and progress: one query."""
    year = year or timezone.localdate().year
    totals = LedgerEntry.objects.filter(contributor=contributor).aggregate(
        lifetime=Sum("points"), year=Sum("points", filter=Q(effective_date__year=year)),
        all_hours=Sum("hours"), year_hours=Sum("hours", filter=Q(effective_date__year=year)))
    hours = totals["all_hours"] or Decimal(0)
    stars, next_at = stars_for(hours)
    previous = ([0, 100, 300, 600, 1000, 1500][stars])
    progress = None if next_at is None else int(100 * (hours - previous) / (next_at - previous))
    return {"year": year, "lifetime": totals["lifetime"] or Decimal(0), "year_points": totals["year"] or Decimal(0),
            "hours": hours, "year_hours": totals["year_hours"] or Decimal(0), "stars": stars,
            "next_star_at": next_at, "to_next": (next_at - hours) if next_at else None, "progress": progress}


def entries_for(contributor):
    """Newest first; each gets `.text`, its explanation in the reader's language (from its data)."""
    return LedgerEntry.objects.filter(contributor=contributor).order_by("-created_at", "-id")


def explain_page(entries):
    for entry in entries:
        entry.text = explain(entry.kind, entry.breakdown) or entry.explanation
    return entries


def records_waiting(region):
    """The staff queue: records in the subtree waiting for a decision, oldest first."""
    return (ServiceRecord.objects.filter(status=ServiceRecord.Status.VERIFIED_ATTENDANCE,
                                         region__path__startswith=region.path)
            .select_related("contributor", "service_type", "venue").order_by("created_at", "id"))
