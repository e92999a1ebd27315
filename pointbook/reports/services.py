"""Recognition reports and monthly digests: asking for one, the monthly schedule, and what staff see.

A report is a `RecognitionReport` row; the Celery job `tasks.reports.report_build_task` builds
it (queued by name once the row is committed: this app does not import `tasks`)."""

from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pointbook.models import RecognitionReport
from volunteers.models import Region, StaffProfile
from volunteers.people.selectors import staff_region
from volunteers.people.services import audit

BUILD_TASK = "tasks.reports.report_build_task"
FIRST_YEAR = 2000
OPEN = (RecognitionReport.Status.QUEUED, RecognitionReport.Status.RUNNING)


def lease():
    """How long a build may go without a sign of life before another delivery takes it over."""
    return timedelta(seconds=getattr(settings, "PB_REPORT_LEASE_SECONDS", 1800))


def _queue_build(report_id):
    # PB_REPORT_QUEUE: None is Celery's default queue (a test gives its worker a queue of its own).
    options = {"queue": settings.PB_REPORT_QUEUE} if getattr(settings, "PB_REPORT_QUEUE", None) else {}
    transaction.on_commit(lambda: current_app.signature(BUILD_TASK, args=[report_id]).apply_async(**options))


def _check_period(kind, year, month, today):
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
def report_request(*, region, kind, year, month=None, actor=None, today=None):
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
    same = RecognitionReport.objects.filter(region=region, kind=kind, year=year, month=month, status__in=OPEN).first()
    if same is not None:
        return same
    report = RecognitionReport.objects.create(
        region=region,
        kind=kind,
        year=year,
        month=month,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit(actor=actor, action="report.request", obj=report, region=region.code, kind=kind, year=year, month=month)
    _queue_build(report.pk)
    return report


def monthly_digests_queue(*, today=None):
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


def reports_requeue_stale(*, now=None):
    """Queue again the builds whose delivery was lost: queued, or running without a sign of life, for
    longer than the lease (a worker killed mid-build, a broker that dropped the message). The build
    claims a report by a conditional update, so a job that was only slow is not built twice."""
    now = now or timezone.now()
    cutoff = now - lease()
    stale = list(
        RecognitionReport.objects.filter(status=RecognitionReport.Status.QUEUED, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    stale += RecognitionReport.objects.filter(
        status=RecognitionReport.Status.RUNNING, finished_at__lt=cutoff
    ).values_list("pk", flat=True)
    with transaction.atomic():
        for pk in stale:
            _queue_build(pk)
    return len(stale)


# --- reads -----------------------------------------------------------------------------------------


def reports_for_staff(scope, *, year=None, region=None):
    """Stored reports of regions in the staff member's subtree, newest first."""
    reports = (
        RecognitionReport.objects.filter(region__path__startswith=scope.path)
        .select_related("region", "requested_by")
        .order_by("-created_at", "-id")
    )
    if year:
        reports = reports.filter(year=year)
    if region is not None:
        reports = reports.filter(region=region)
    return reports


def report_for_staff(scope, pk):
    """The report, if its region is in the staff member's subtree; otherwise None."""
    return reports_for_staff(scope).filter(pk=pk).first()


def report_years(scope):
    years = set(
        RecognitionReport.objects.filter(region__path__startswith=scope.path)
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    years.add(timezone.localdate().year)
    return sorted(years, reverse=True)
