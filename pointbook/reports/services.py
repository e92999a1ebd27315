"""Recognition reports and monthly digests: asking for one, the monthly schedule, and what staff see.

A report is a `RecognitionReport` row, a job (`core.jobs`): asked for in a transaction, built by a
worker once that commits."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.jobs import job_enqueue
from pointbook.models import RecognitionReport
from volunteers.models import Region, StaffProfile
from volunteers.people.selectors import staff_region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from volunteers.models import User

FIRST_YEAR = 2000


def _check_period(kind: str, year: int, month: int | None, today: date) -> int | None:
    if kind not in RecognitionReport.Kind.values:
        raise ValidationError({"kind": _("Choose an annual report or a monthly digest.")})
    if not isinstance(year, int) or not FIRST_YEAR <= year <= today.year:
        raise ValidationError(
            {"year": _("Choose a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": today.year}}
        )
    if kind == RecognitionReport.Kind.MONTHLY:
        if not isinstance(month, int) or not 1 <= month <= 12:
            raise ValidationError({"month": _("A monthly digest needs a month.")})
        if (year, month) > (today.year, today.month):
            raise ValidationError({"month": _("That month has not started yet.")})
        return month
    return None


@transaction.atomic
def report_request(
    *,
    region: Region,
    kind: str,
    year: int,
    month: int | None = None,
    actor: User | AnonymousUser | None = None,
    today: date | None = None,
) -> RecognitionReport:
    """Ask for a report of `region` and queue its build. Staff may ask only for regions in their own
    subtree (`actor` None: the schedule). The same report already queued or being built is returned
    instead of a second one."""
    today = today or timezone.localdate()
    month = _check_period(kind, year, month, today)
    if actor is not None:
        scope = staff_region(actor)
        if scope is None or not scope.contains(region):
            raise ValidationError({"region": _("This region is outside your area.")})
    # One asker at a time per region, so two clicks (or the schedule and a person) make one report.
    Region.objects.select_for_update().filter(pk=region.pk).first()
    same = RecognitionReport.objects.filter(
        region=region, kind=kind, year=year, month=month, status__in=RecognitionReport.OPEN
    ).first()
    if same is not None:
        return same
    report = job_enqueue(
        RecognitionReport(
            region=region,
            kind=kind,
            year=year,
            month=month,
            requested_by=actor if actor is not None and actor.is_authenticated else None,
        )
    )
    audit(actor=actor, action="report.request", obj=report, region=region.code, kind=kind, year=year, month=month)
    return report


def monthly_digests_queue(*, today: date | None = None) -> list[RecognitionReport]:
    """Queue last month's digest for every region that has bureau staff, once: a region that already
    has a digest of that month (however it ended) gets none. Safe to run every day, or twice at once."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    last_month = first - timedelta(days=1)
    year, month = last_month.year, last_month.month
    queued = []
    region_ids = StaffProfile.objects.order_by().values_list("region_id", flat=True).distinct()
    for region in Region.objects.filter(pk__in=region_ids).order_by("path"):
        with transaction.atomic():
            Region.objects.select_for_update().filter(pk=region.pk).first()
            if RecognitionReport.objects.filter(
                region=region, kind=RecognitionReport.Kind.MONTHLY, year=year, month=month
            ).exists():
                continue
            queued.append(
                report_request(
                    region=region, kind=RecognitionReport.Kind.MONTHLY, year=year, month=month, actor=None, today=today
                )
            )
    return queued


# --- reads -----------------------------------------------------------------------------------------


def reports_for_staff(
    scope: Region, *, year: int | None = None, region: Region | None = None
) -> QuerySet[RecognitionReport]:
    """Stored reports of regions in the staff member's subtree, newest first."""
    reports = (
        RecognitionReport.objects.filter(region__path__startswith=scope.path)
        .select_related("region", "requested_by")
        .order_by("-created_at", "-pk")
    )
    if year:
        reports = reports.filter(year=year)
    if region is not None:
        reports = reports.filter(region=region)
    return reports


def report_for_staff(scope: Region, pk: int) -> RecognitionReport | None:
    """The report, if its region is in the staff member's subtree; otherwise None."""
    return reports_for_staff(scope).filter(pk=pk).first()


def report_years(scope: Region) -> list[int]:
    years = set(
        RecognitionReport.objects.filter(region__path__startswith=scope.path)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)
