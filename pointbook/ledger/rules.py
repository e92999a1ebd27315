"""Pure functions that turn a service record and the rule in force into a proposed award, and
explain any entry in the reader's language. Only `services.entry_post` writes."""

from __future__ import annotations

from collections.abc import Container
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.language import localized
from pointbook.models import ConductRule, PointsRule, PublicHoliday

if TYPE_CHECKING:
    from volunteers.models import ServiceRecord

CENT = Decimal("0.01")
# Reasons the system gives (not a person): stored as a code, explained in the reader's language.
ATTENDANCE_CORRECTED = "attendance corrected"
# Star levels by cumulative verified hours (the volunteer-service record rules): 1★ at 100 h … 5★ at 1,500 h.
STAR_HOURS = (100, 300, 600, 1000, 1500)


def rule_in_force(service_type_id: int, day: date) -> PointsRule | None:
    """The version of the service type's rule in force on `day`, or None."""
    return (
        PointsRule.objects.filter(service_type_id=service_type_id, effective_from__lte=day)
        .order_by("-effective_from")
        .first()
    )


def conduct_rule_in_force(event: str, day: date) -> ConductRule | None:
    """The version of the penalty or bonus rule for `event` in force on `day`, or None."""
    return ConductRule.objects.filter(event=event, effective_from__lte=day).order_by("-effective_from").first()


def is_night_or_holiday(record: ServiceRecord | SimpleNamespace, holidays: Container[date] | None = None) -> bool:
    """Starts between 20:00 and 06:00 local time, or falls on a public holiday (`holidays`, a set of
    dates, saves the query when many records are scored)."""
    start = timezone.localtime(record.started_at)
    if start.hour >= 20 or start.hour < 6:
        return True
    if holidays is not None:
        return record.date in holidays
    return PublicHoliday.objects.filter(date=record.date).exists()


def award_proposal(
    record: ServiceRecord | SimpleNamespace,
    rule: PointsRule,
    *,
    day_earned: Decimal = Decimal(0),
    year_earned: Decimal = Decimal(0),
    night_or_holiday: bool | None = None,
) -> tuple[Decimal, dict[str, Any]]:
    """(points, breakdown) for an approved service record under `rule`. `day_earned` and
    `year_earned` are what the person already holds for this service type that day and year: the
    caps count all their records, not this one alone. Points may come out 0 (cap already reached)."""
    hours = Decimal(record.hours)
    factors = []
    points = hours * rule.points_per_hour
    if record.venue is not None and record.venue.is_rural and rule.rural_multiplier != 1:
        points *= rule.rural_multiplier
        factors.append({"name": "rural", "times": str(rule.rural_multiplier)})
    if record.special_groups and rule.special_group_multiplier != 1:
        points *= rule.special_group_multiplier
        factors.append({"name": "special_group", "times": str(rule.special_group_multiplier)})
    if rule.night_holiday_multiplier != 1:
        if night_or_holiday is None:
            night_or_holiday = is_night_or_holiday(record)
        if night_or_holiday:
            points *= rule.night_holiday_multiplier
            factors.append({"name": "night_holiday", "times": str(rule.night_holiday_multiplier)})
    points = points.quantize(CENT, rounding=ROUND_HALF_UP)
    asked = points
    cap = cap_kind = earned = None
    for kind, limit, already in (("day", rule.daily_cap, day_earned), ("year", rule.yearly_cap, year_earned)):
        if limit is not None and already + points > limit:
            points = max(Decimal(0), limit - already).quantize(CENT)
            cap, cap_kind, earned = limit, kind, Decimal(already).quantize(CENT)
    breakdown = {
        "hours": str(hours),
        "per_hour": str(rule.points_per_hour),
        "factors": factors,
        "cap": str(cap) if cap is not None else None,
        "cap_kind": cap_kind,
        "earned_before": str(earned) if earned else None,
        "asked": str(asked),
        "rule": rule.pk,
        "rule_from": rule.effective_from.isoformat(),
        "points": str(points),
    }
    return points, breakdown


def conduct_proposal(rule: ConductRule, *, base_points: Decimal, text: str) -> tuple[Decimal, dict[str, Any]]:
    """(points, breakdown) of a penalty or bonus: fixed points + a multiple of `base_points`."""
    points = (rule.fixed_points + rule.times_points * Decimal(base_points)).quantize(CENT, rounding=ROUND_HALF_UP)
    return points, {
        "event": rule.event,
        "fixed": str(rule.fixed_points),
        "times": str(rule.times_points),
        "base": str(base_points),
        "conduct_rule": rule.pk,
        "points": str(points),
        "about": text,
    }


def _number(text: str) -> str:
    value = Decimal(text)
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}".rstrip("0")


def explain(kind: str, breakdown: dict[str, Any]) -> str:
    """The entry's explanation in the active language, from its breakdown."""
    if kind == "award" and "per_hour" in breakdown:
        parts = [
            _("%(hours)s h × %(rate)s pts/h")
            % {"hours": _number(breakdown["hours"]), "rate": _number(breakdown["per_hour"])}
        ]
        labels = {
            "rural": _("× %(times)s rural venue"),
            "special_group": _("× %(times)s special group served"),
            "night_holiday": _("× %(times)s night or public holiday"),
        }
        for factor in breakdown.get("factors", []):
            parts.append(labels[factor["name"]] % {"times": _number(factor["times"])})
        return f"{' '.join(parts)}{_cap_text(breakdown)} = {_number(breakdown['points'])}"
    if kind == "adjustment" and "rescored_from" in breakdown:
        return _("Re-scored under the rule from %(date)s: %(before)s → %(after)s") % {
            "date": breakdown["rule_from"],
            "before": _number(breakdown["rescored_from"]),
            "after": _number(breakdown["rescored_to"]),
        }
    if kind in ("spend", "refund", "expiry"):
        return _spending_text(kind, breakdown)
    if "event" in breakdown:
        return _conduct_text(breakdown)
    if kind == "reversal":
        reason = breakdown.get("reason", "")
        if reason == ATTENDANCE_CORRECTED:
            reason = _("attendance corrected to attended")
        return _("Reverses the entry of %(date)s: %(reason)s") % {
            "date": breakdown.get("reversed_date", ""),
            "reason": reason,
        }
    return breakdown.get("text", "")


def _spending_text(kind: str, breakdown: dict[str, Any]) -> str:
    """Spending entries (incentives): the reward's name in the reader's language, or the expiry."""
    reward = localized(breakdown.get("reward_zh", ""), breakdown.get("reward_en", ""))
    if kind == "spend":
        return _("Spent on “%(reward)s”") % {"reward": reward}
    if kind == "refund":
        reasons = {
            "cancelled": _("cancelled"),
            "rejected": _("not granted"),
            "expired": _("not collected in time"),
        }
        return _("Refund for “%(reward)s”: %(why)s") % {
            "reward": reward,
            "why": reasons.get(breakdown.get("why", ""), ""),
        }
    return _("Points earned up to %(date)s expired unspent") % {"date": breakdown.get("through", "")}


def _cap_text(breakdown: dict[str, Any]) -> str:
    if not breakdown.get("cap"):
        return ""
    values = {"cap": _number(breakdown["cap"]), "before": _number(breakdown.get("earned_before") or "0")}
    if breakdown.get("cap_kind") == "year":
        text = (
            _("capped at %(cap)s a year, %(before)s already earned")
            if breakdown.get("earned_before")
            else _("capped at %(cap)s a year")
        )
    else:
        text = (
            _("capped at %(cap)s a day, %(before)s already earned that day")
            if breakdown.get("earned_before")
            else _("capped at %(cap)s a day")
        )
    return f" ({text % values})"


def _conduct_text(breakdown: dict[str, Any]) -> str:
    events = {
        "no_show": _("No-show"),
        "late_cancel": _("Late cancellation"),
        "complaint": _("Upheld complaint"),
        "good_rating": _("Good public rating"),
    }
    parts = []
    if Decimal(breakdown["times"]) != 0:
        parts.append(
            _("%(times)s × %(base)s points of the service")
            % {"times": _number(breakdown["times"]), "base": _number(breakdown["base"])}
        )
    if Decimal(breakdown["fixed"]) != 0:
        parts.append(_number(breakdown["fixed"]))
    about = f" ({breakdown['about']})" if breakdown.get("about") else ""
    return f"{events.get(breakdown['event'], '')}{about}: {' + '.join(parts)} = {_number(breakdown['points'])}"


def cents(value: Decimal | float | str | None) -> Decimal:
    """A sum to the cent (SQLite adds decimals as floats: 30 - 29.70 = 0.300000000000001)."""
    return Decimal(value or 0).quantize(CENT)


def stars_for(hours: Decimal) -> tuple[int, int | None]:
    """(stars, hours needed for the next star or None) for cumulative verified hours."""
    stars = sum(1 for threshold in STAR_HOURS if hours >= threshold)
    return stars, (STAR_HOURS[stars] if stars < len(STAR_HOURS) else None)
