"""Demo targets: a plan for the city and each district for this year and the last, with the Yuxi shares
(10 / 60 / 100 / 100 %), sized from the demo's own approved records so that some districts are behind
and others ahead at the quarter they are judged at. Run after `demo_points`; plans are written through
`target_plan_set`, so each has its audit entry, and running it again replaces them.
"""

import math

from django.utils import timezone

from pointbook.targets.services import METRICS, actuals_by_child, quarters_ended, target_plan_set
from volunteers.models import Region, StaffProfile

SHARES = (10, 60, 100, 100)
# Actual ÷ expected at the judged quarter: below 1 is behind, above 1 ahead.
BEHIND_RATIOS = {"education_events": 0.8, "service_cases": 0.85, "consultations": 1.1, "villages_adviser": 1.05}
AHEAD_RATIOS = {"education_events": 1.15, "service_cases": 1.25, "consultations": 1.3, "villages_adviser": 1.1}
CITY_RATIO = 1.05  # the city as a whole is a little ahead
GROWTH = 1.05  # a year's targets before any quarter has ended: last year's actuals and a little more


def _nice(value, *, up):
    """Round to a number a bureau would write down, in the direction that keeps ahead ahead and behind behind."""
    step = 10 if value >= 200 else 5 if value >= 50 else 1
    rounded = (math.ceil if up else math.floor)(value / step) * step
    return int(rounded)


def _district_values(actual, *, judged, behind, villages, last_year):
    values = {}
    for metric in METRICS:
        key = metric.value
        if judged:
            ratio = (BEHIND_RATIOS if behind else AHEAD_RATIOS)[key]
            done = actual.get((key, judged), 0)
            target = done * 100 / SHARES[judged - 1] / ratio
            value = _nice(target, up=ratio < 1)
            if ratio < 1:
                value = max(value, done + 1)  # stays behind whatever the rounding did
        else:
            value = _nice(last_year.get((key, 4), 0) * GROWTH, up=True)
        if key == "villages_adviser":
            value = min(value, villages)
        values[key] = max(value, 0)
    return values


def demo_targets(year=None, *, today=None):
    """Plans for the root city and each district, for `year` (default: this year) and the year before.
    Returns counts for seed_demo's summary."""
    today = today or timezone.localdate()
    year = year or today.year
    city = Region.get_first_root_node()
    if city is None:
        return {"target plans": 0}
    districts = list(Region.objects.filter(path__startswith=city.path, depth=city.depth + 1).order_by("path"))
    villages = {d.path: 0 for d in districts}
    for path in Region.objects.filter(path__startswith=city.path, level=Region.Level.VILLAGE).values_list(
        "path", flat=True
    ):
        key = path[: Region.steplen * (city.depth + 1)]
        villages[key] = villages.get(key, 0) + 1
    profile = StaffProfile.objects.select_related("user").filter(region=city).order_by("id").first()
    actor = profile.user if profile else None

    made = 0
    for plan_year in (year - 1, year):
        actuals = actuals_by_child(city, plan_year)
        last_year = actuals_by_child(city, plan_year - 1)
        judged = quarters_ended(plan_year, today)
        city_values = {metric.value: 0 for metric in METRICS}
        for i, district in enumerate(districts):
            # About a third of the districts are behind (at least one of two), not the same ones each year.
            behind = i % 3 == plan_year % 2
            values = _district_values(
                actuals.get(district.path, {}),
                judged=judged,
                behind=behind,
                villages=villages.get(district.path, 0),
                last_year=last_year.get(district.path, {}),
            )
            target_plan_set(region=district, year=plan_year, values=values, shares=SHARES, actor=actor)
            made += 1
            for key, value in values.items():
                city_values[key] += value
        # The city hands its districts a little more than its own target, which it is meeting.
        city_actual = {}
        for per_child in actuals.values():
            for key, value in per_child.items():
                city_actual[key] = city_actual.get(key, 0) + value
        for metric in METRICS:
            key = metric.value
            if judged:
                own = _nice(city_actual.get((key, judged), 0) * 100 / SHARES[judged - 1] / CITY_RATIO, up=False)
                city_values[key] = min(city_values[key], own)
        target_plan_set(region=city, year=plan_year, values=city_values, shares=SHARES, actor=actor)
        made += 1
    return {"target plans": made}
