"""Pure functions that turn a service record and the rule in force into a proposed award, and
explain any entry in the reader's language. Only `services.entry_post` writes."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .models import PointsRule

CENT = Decimal("0.01")
# Star levels by cumulative verified hours (seed 001): 1★ at 100 h … 5★ at 1,500 h.
STAR_HOURS = (100, 300, 600, 1000, 1500)


def rule_in_force(service_type_id, day):
    """The version of the service type's rule in force on `day`, or None."""
    return (PointsRule.objects.filter(service_type_id=service_type_id, effective_from__lte=day)
            .order_by("-effective_from").first())


def award_proposal(record, rule):
    """(points, breakdown) for an approved service record under `rule`."""
    hours = Decimal(record.hours)
    factors = []
    points = hours * rule.points_per_hour
    if record.venue is not None and record.venue.is_rural and rule.rural_multiplier != 1:
        points *= rule.rural_multiplier
        factors.append({"name": "rural", "times": str(rule.rural_multiplier)})
    capped = rule.daily_cap is not None and points > rule.daily_cap
    if capped:
        points = rule.daily_cap
    points = points.quantize(CENT, rounding=ROUND_HALF_UP)
    breakdown = {"hours": str(hours), "per_hour": str(rule.points_per_hour), "factors": factors,
                 "cap": str(rule.daily_cap) if capped else None, "rule": rule.pk,
                 "rule_from": rule.effective_from.isoformat(), "points": str(points)}
    return points, breakdown


def _number(text):
    value = Decimal(text)
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}".rstrip("0")


def explain(kind, breakdown):
    """The entry's explanation in the active language, from its breakdown."""
    if kind == "award" and "per_hour" in breakdown:
        parts = [_("%(hours)s h × %(rate)s pts/h") % {"hours": _number(breakdown["hours"]),
                                                    "rate": _number(breakdown["per_hour"])}]
        for factor in breakdown.get("factors", []):
            if factor["name"] == "rural":
                parts.append(_("× %(times)s rural venue") % {"times": _number(factor["times"])})
        text = " ".join(parts)
        if breakdown.get("cap"):
            text += " " + _("(capped at %(cap)s a day)") % {"cap": _number(breakdown["cap"])}
        return f"{text} = {_number(breakdown['points'])}"
    if kind == "reversal":
        return _("Reverses the entry of %(date)s: %(reason)s") % {"date": breakdown.get("reversed_date", ""),
                                                                   "reason": breakdown.get("reason", "")}
    return breakdown.get("text", "")


def stars_for(hours):
    """(stars, hours needed for the next star or None) for cumulative verified hours."""
    stars = sum(1 for threshold in STAR_HOURS if hours >= threshold)
    return stars, (STAR_HOURS[stars] if stars < len(STAR_HOURS) else None)
