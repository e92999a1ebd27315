"""Yearly targets per region (as in the Yuxi plan) and the quarterly progress against them.

A region's plan names a yearly value per measure and the cumulative share of it expected by the end of
each quarter (Yuxi: 10 % by Q1, 60 % by Q2, 100 % by Q3; Q4 is the inspection). The actual figures are
read from approved service records in the region's subtree, cumulative from 1 January to each quarter's
end, in one aggregate query for the whole dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Aggregate, Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from pointbook.models import Target, TargetPlan
from volunteers.models import Region, ServiceRecord

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from volunteers.models import User

Metric = Target.Metric
METRICS = tuple(Metric)  # display order

# --- What counts as an actual (only records with status "approved", dated within the year) -----------
# Legal-education events: one approved record of this type is one event.
EDUCATION_TYPES = ("legal_education",)
# Service cases: one approved record of these types is one case.
CASE_TYPES = (
    "mediation",
    "legal_aid",
    "duty_lawyer",
    "notarisation",
    "forensic",
    "petition_representation",
    "enterprise_checkup",
)
# Consultations: the people served (people_served) on records of these types, summed.
CONSULTATION_TYPES = ("consultation", "hotline_12348", "village_adviser")
# Villages with an adviser: distinct village-level regions with at least one approved record of this type
# dated from 1 January to the quarter's end, so it is a count of villages, not of visits.
ADVISER_TYPE = "village_adviser"

# Yuxi's 10 % / 50 % / 40 % by Q1 / Q2 / Q3, as cumulative shares; Q4 is for inspection.
DEFAULT_SHARES = (10, 60, 100, 100)
QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))
MAX_TARGET = 10_000_000
YEARS = (2000, 2100)


def quarter_end(year: int, quarter: int) -> date:
    month, day = QUARTER_ENDS[quarter - 1]
    return date(year, month, day)


def quarters_ended(year: int, today: date) -> int:
    """How many quarters of `year` have ended by `today` (0 to 4)."""
    if year < today.year:
        return 4
    if year > today.year:
        return 0
    return sum(1 for q in range(1, 5) if quarter_end(year, q) < today)


def quarters_started(year: int, today: date) -> int:
    if year < today.year:
        return 4
    if year > today.year:
        return 0
    return (today.month - 1) // 3 + 1


# --- writing a plan ----------------------------------------------------------------------------------------


def _year_check(year: Any, errors: dict[str, list[str]]) -> int | None:
    """`year` as a whole number (None when it is not one), noting in `errors` when it is out of range."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = None
    if year is None or not YEARS[0] <= year <= YEARS[1]:
        errors["year"] = [_("Give a year between %(low)s and %(high)s.") % {"low": YEARS[0], "high": YEARS[1]}]
    return year


def _shares_check(shares: list[Any], errors: dict[str, list[str]]) -> None:
    """Note in `errors` what is wrong with the four cumulative shares: each a percent, none below the one
    before (checked only when every share is a percent, so one mistake is not reported twice)."""
    if len(shares) != 4:
        errors[NON_FIELD_ERRORS] = [_("Give the expected share for each of the four quarters.")]
        return
    for q, share in enumerate(shares, start=1):
        if not isinstance(share, int) or isinstance(share, bool) or not 0 <= share <= 100:
            errors[f"q{q}_share"] = [_("A share is a whole percent from 0 to 100.")]
    if not any(key.endswith("_share") for key in errors) and any(a > b for a, b in pairwise(shares)):
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _(
                "The shares are cumulative: each quarter's share must be at least the one before it "
                "(for example 10, 60, 100, 100)."
            )
        )


def _values_check(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Note in `errors` any measure we do not know and each missing or out-of-range target."""
    unknown = set(values) - set(Metric.values)
    if unknown:
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            _("Unknown measure: %(names)s.") % {"names": ", ".join(sorted(map(str, unknown)))}
        )
    for metric in METRICS:
        value = values.get(metric.value)
        if value is None:
            errors[metric.value] = [_("Give a target (0 if there is none).")]
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_TARGET:
            errors[metric.value] = [_("A target is a whole number from 0 to %(most)s.") % {"most": MAX_TARGET}]


def target_plan_set(
    *,
    region: Region,
    year: int | str | None,
    values: Mapping[str, Any] | None,
    shares: Iterable[Any] | None,
    actor: User | AnonymousUser | None,
    scope: Region | None = None,
) -> TargetPlan:
    """Set (or replace) `region`'s targets for `year`: `values` maps each measure to a whole number ≥ 0,
    `shares` are the cumulative percents expected by the end of Q1..Q4. The plan, its targets and an
    audit entry are written in one transaction; bad input raises ValidationError and changes nothing.
    With `scope`, a region outside it is refused."""
    if scope is not None and not scope.contains(region):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    year = _year_check(year, errors)
    shares = list(shares or ())
    _shares_check(shares, errors)
    values = dict(values or {})
    _values_check(values, errors)
    if errors:
        raise ValidationError(errors)
    assert year is not None  # a bad year is among the errors raised above

    with transaction.atomic():
        # Locks the plan row when it exists, so two people saving at once apply one after the other.
        plan = TargetPlan.objects.select_for_update().filter(region=region, year=year).first()
        before = None
        if plan is None:
            plan = TargetPlan(region=region, year=year)
        else:
            before = {
                "values": {t.metric: t.value for t in plan.targets.all()},
                "shares": [plan.q1_share, plan.q2_share, plan.q3_share, plan.q4_share],
            }
        plan.q1_share, plan.q2_share, plan.q3_share, plan.q4_share = shares
        plan.updated_by = actor if (actor is not None and actor.is_authenticated) else None
        plan.updated_at = timezone.now()
        plan.save()
        for metric in METRICS:
            Target.objects.update_or_create(plan=plan, metric=metric.value, defaults={"value": values[metric.value]})
        audit(
            actor=actor,
            action="target_plan_set",
            obj=plan,
            region=region.pk,
            year=year,
            values={m.value: values[m.value] for m in METRICS},
            shares=list(shares),
            before=before,
        )
    return plan


# --- reading progress --------------------------------------------------------------------------------------


@dataclass
class QuarterProgress:
    quarter: int
    share: int
    actual: int
    expected: Decimal  # target × share / 100, exact
    ended: bool
    started: bool
    behind: bool  # only for the quarter the region is judged at


@dataclass
class MetricProgress:
    metric: str
    label: str
    target: int
    quarters: list
    to_date: int  # cumulative actual to the end of the latest quarter that has started
    percent: int | None  # to_date of the target, None without a target
    behind: bool
    judged: QuarterProgress | None  # the quarter the measure is judged at


@dataclass
class RegionProgress:
    region: Region
    plan: TargetPlan
    metrics: list = field(default_factory=list)

    @property
    def behind(self) -> bool:
        return any(m.behind for m in self.metrics)

    @property
    def behind_metrics(self) -> list[MetricProgress]:
        return [m for m in self.metrics if m.behind]

    @property
    def shares(self) -> list[int]:
        return [self.plan.q1_share, self.plan.q2_share, self.plan.q3_share, self.plan.q4_share]


@dataclass
class Progress:
    scope: Region
    year: int
    # The quarter a region is judged at: the latest that has ended (None while Q1 runs, or a future year).
    judged_quarter: int | None
    regions: list  # RegionProgress, the scope first, then its direct children with a plan
    without_plan: list  # Region: the scope or direct children with no plan for the year

    @property
    def behind(self) -> list[RegionProgress]:
        return [r for r in self.regions if r.behind]


def _aggregates(year: int) -> dict[str, Aggregate]:
    """One aggregate per measure and quarter, cumulative from 1 January to the quarter's end."""
    aggregates: dict[str, Aggregate] = {}
    for q in range(1, 5):
        upto = Q(date__lte=quarter_end(year, q))
        aggregates[f"education_events_{q}"] = Count(
            Case(When(upto & Q(service_type__code__in=EDUCATION_TYPES), then="id"))
        )
        aggregates[f"service_cases_{q}"] = Count(Case(When(upto & Q(service_type__code__in=CASE_TYPES), then="id")))
        aggregates[f"consultations_{q}"] = Sum(
            Case(
                When(upto & Q(service_type__code__in=CONSULTATION_TYPES), then="people_served"),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        aggregates[f"villages_adviser_{q}"] = Count(
            Case(When(upto & Q(service_type__code=ADVISER_TYPE, region__level=Region.Level.VILLAGE), then="region_id")),
            distinct=True,
        )
    return aggregates


def actuals_by_child(scope: Region, year: int) -> dict[str, dict[tuple[str, int], int]]:
    """{path of scope or direct child: {(metric, quarter): actual}} for approved records of `year` in
    `scope`'s subtree, grouped by the child region their region lies in (records placed at the scope
    itself group under the scope's own path). One query."""
    prefix = Substr("region__path", 1, Region.steplen * (scope.depth + 1))
    rows = (
        ServiceRecord.objects.filter(
            status=ServiceRecord.Status.APPROVED,
            region__path__startswith=scope.path,
            date__gte=date(year, 1, 1),
            date__lte=date(year, 12, 31),
        )
        .annotate(bucket=prefix)
        .values("bucket")
        .order_by()
        .annotate(**_aggregates(year))
    )
    result = {}
    for row in rows:
        bucket = row.pop("bucket")
        result[bucket] = {
            (metric, int(q)): int(value or 0) for key, value in row.items() for metric, _sep, q in [key.rpartition("_")]
        }
    return result


def _totals(actuals: dict[str, dict[tuple[str, int], int]], paths: Iterable[str]) -> dict[tuple[str, int], int]:
    """Sum the per-child actuals over `paths` (all measures are additive across disjoint subtrees,
    villages too: a village lies in exactly one child)."""
    total: dict[tuple[str, int], int] = {}
    for path in paths:
        for key, value in actuals.get(path, {}).items():
            total[key] = total.get(key, 0) + value
    return total


def _metric_progress(
    metric: Target.Metric,
    target: int,
    shares: list[int],
    actual: dict[tuple[str, int], int],
    *,
    judged: int | None,
    started: int,
) -> MetricProgress:
    quarters = []
    for q, share in enumerate(shares, start=1):
        value = actual.get((metric.value, q), 0)
        expected = Decimal(target * share) / 100
        quarters.append(
            QuarterProgress(
                quarter=q,
                share=share,
                actual=value,
                expected=expected,
                ended=judged is not None and q <= judged,
                started=q <= started,
                behind=(q == judged and value * 100 < target * share),
            )
        )
    to_date = quarters[started - 1].actual if started else 0
    return MetricProgress(
        metric=metric.value,
        label=str(metric.label),
        target=target,
        quarters=quarters,
        to_date=to_date,
        percent=round(to_date * 100 / target) if target else None,
        behind=any(q.behind for q in quarters),
        judged=quarters[judged - 1] if judged else None,
    )


def targets_progress(scope_region: Region, year: int, *, today: date | None = None) -> Progress:
    """Targets against actuals for `scope_region` and each of its direct children that has a plan for
    `year`; the others are listed in `without_plan` ("no targets set").

    A region is behind when, at the end of the latest quarter that has ended, any measure's cumulative
    actual is below target × that quarter's share. We judge at quarter ends rather than pro rata within
    the running quarter: the Yuxi plan sets and reports progress per quarter, and work is not
    spread evenly over a quarter, so a pro-rata line would flag regions that are on schedule. While
    Q1 of the current year runs nothing is judged (judged_quarter is None); past years are judged at Q4.

    Four queries whatever the number of records: the regions, the plans, their targets, the actuals.
    """
    today = today or timezone.localdate()
    scope = scope_region
    regions = list(Region.objects.filter(path__startswith=scope.path, depth__lte=scope.depth + 1).order_by("path"))
    plans = {
        p.region_id: p for p in TargetPlan.objects.filter(region__in=regions, year=year).prefetch_related("targets")
    }
    actuals = actuals_by_child(scope, year) if plans else {}
    judged = quarters_ended(year, today) or None
    started = quarters_started(year, today)

    progress = Progress(scope=scope, year=year, judged_quarter=judged, regions=[], without_plan=[])
    for region in regions:
        plan = plans.get(region.pk)
        if plan is None:
            progress.without_plan.append(region)
            continue
        if region.pk == scope.pk:
            actual = _totals(actuals, actuals.keys())
        else:
            actual = actuals.get(region.path, {})
        targets = {t.metric: t.value for t in plan.targets.all()}
        item = RegionProgress(region=region, plan=plan)
        for metric in METRICS:
            if metric.value in targets:
                item.metrics.append(
                    _metric_progress(metric, targets[metric.value], item.shares, actual, judged=judged, started=started)
                )
        progress.regions.append(item)
    return progress
