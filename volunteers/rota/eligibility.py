"""Rules an opportunity can ask for beyond a kind of contributor: years in practice, a clean conduct
record, the firm's consent (e.g. the Chongqing 12348 rota: one year in practice, no sanction in three
years, the firm agrees).

Upheld complaints live in `pointbook` (conduct), which this app must not import. `pointbook`
registers where to read them when it starts (`complaints_source_set`, as the `tasks` app registers
the job dispatcher with `core.jobs`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from volunteers.models import Contributor, Membership, Organisation

log = logging.getLogger(__name__)

# (contributor, since) → the date of the latest upheld complaint on or after `since`, or None.
ComplaintsSource = Callable[[Contributor, date], date | None]
_complaints_source: ComplaintsSource | None = None


class NoComplaintsSource(RuntimeError):
    """Nothing registered where upheld complaints are: the rule cannot be checked, so it refuses."""


def complaints_source_set(source: ComplaintsSource | None) -> None:
    global _complaints_source
    _complaints_source = source


def last_upheld_complaint(contributor: Contributor, since: date) -> date | None:
    if _complaints_source is None:
        log.error("No source of upheld complaints registered; the no-complaint rule refuses everyone")
        raise NoComplaintsSource
    return _complaints_source(contributor, since)


def years_before(day: date, years: int) -> date:
    """The same day `years` years earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def current_firm(contributor: Contributor) -> Organisation | None:
    """The organisation the person is a confirmed member of today (at most one)."""
    membership = (
        Membership.objects.filter(contributor=contributor, status=Membership.Status.ACTIVE)
        .select_related("organisation")
        .first()
    )
    return membership.organisation if membership else None
