"""Reads for incentives: a person's spendable balance and its expiry dates, what they can get and why
not, their requests; staff's catalogue and queue.

The spendable balance, first in first out: spendable credits are the positive earned entries of the
sources the city lets people spend (`RewardsPolicy.credit_sources`), grouped by the date they expire;
what is used — spent net of refunds, expired, and negative earned entries (penalties, reversals) —
consumes the soonest-expiring credits first. So points due to expire are exactly the credits expiring
by today minus what has been used, and the expiry job posts that remainder, never more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pointbook.ledger.rules import STAR_HOURS, cents
from pointbook.ledger.selectors import points_summary
from pointbook.models import (
    Complaint,
    LedgerEntry,
    Redemption,
    Reward,
    RewardQualification,
    RewardsPolicy,
    RewardsWallet,
)

if TYPE_CHECKING:
    from volunteers.models import Contributor, Region

ZERO = Decimal(0)


@dataclass(slots=True)
class Lot:
    """Spendable points that expire together; `valid_until` is the last day they can be spent."""

    valid_until: date | None
    points: Decimal


@dataclass(slots=True)
class Balance:
    available: Decimal  # what can be spent now (negative only when penalties came after spending)
    credits: Decimal  # spendable earned points (positive entries)
    deductions: Decimal  # negative earned entries (penalties, reversals), as a positive number
    spent: Decimal
    refunded: Decimal
    expired: Decimal
    due: Decimal  # past its expiry date, not yet posted by the expiry job
    lots: list[Lot] = field(default_factory=list)


def _wallet_sums(wallet: RewardsWallet | None) -> tuple[Decimal, Decimal, Decimal]:
    if wallet is None:
        return ZERO, ZERO, ZERO
    return wallet.spent, wallet.refunded, wallet.expired


def balance_of(
    contributor_id: int,
    *,
    policy: RewardsPolicy | None = None,
    today: date | None = None,
    wallet: RewardsWallet | None = None,
    wallet_read: bool = True,
) -> Balance:
    """The person's spendable balance and its lots (two queries: the wallet, one grouped read of the
    person's spendable entries; one when the caller passes the wallet it holds locked)."""
    policy = policy or RewardsPolicy.current()
    today = today or timezone.localdate()
    if wallet is None and wallet_read:
        wallet = RewardsWallet.objects.filter(contributor_id=contributor_id).first()
    spent, refunded, expired = _wallet_sums(wallet)
    rows = (
        LedgerEntry.objects.earned()
        .filter(contributor_id=contributor_id, source__in=policy.credit_sources())
        .order_by()
        .values("effective_date")
        .annotate(pos=Sum("points", filter=Q(points__gt=0)), neg=Sum("points", filter=Q(points__lt=0)))
        .values_list("effective_date", "pos", "neg")
    )
    by_expiry: dict[date | None, Decimal] = {}
    deductions = ZERO
    for day, pos, neg in rows:
        deductions -= cents(neg)
        if pos:
            expires = policy.expires_on(day)
            by_expiry[expires] = by_expiry.get(expires, ZERO) + cents(pos)
    credits = sum(by_expiry.values(), ZERO)
    due_credits = sum((p for e, p in by_expiry.items() if e is not None and e <= today), ZERO)
    used = spent - refunded + expired + deductions
    consumed = max(used, due_credits)
    lots = []
    left = consumed
    for expires in sorted(by_expiry, key=lambda e: (e is None, e or today)):
        points = by_expiry[expires]
        take = min(left, points)
        left -= take
        if points - take > 0:
            lots.append(Lot(valid_until=expires - timedelta(days=1) if expires else None, points=points - take))
    return Balance(
        available=credits - consumed,
        credits=credits,
        deductions=deductions,
        spent=spent,
        refunded=refunded,
        expired=expired,
        due=max(ZERO, due_credits - used),
        lots=lots,
    )


def _prefixes(path: str) -> list[str]:
    """A region's path and its ancestors' (treebeard paths: four characters a level)."""
    step = 4
    return [path[:i] for i in range(step, len(path) + 1, step)]


def rewards_for(contributor: Contributor, *, today: date | None = None) -> QuerySet[Reward]:
    """Published rewards of the person's region and the regions above it, available today."""
    today = today or timezone.localdate()
    return (
        Reward.objects.filter(is_published=True, region__path__in=_prefixes(contributor.region.path))
        .filter(valid_from__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("venue")
        .order_by("kind", "cost", "id")
    )


@dataclass(slots=True)
class Facts:
    """What eligibility reads about a person, read once for a whole catalogue."""

    stars: int
    year_hours: Decimal
    complaint_this_year: bool
    held: dict[int, int]  # reward id -> requests this year that count against a limit
    balance: Balance


def facts_of(contributor: Contributor, *, today: date | None = None, balance: Balance | None = None) -> Facts:
    today = today or timezone.localdate()
    summary = points_summary(contributor, year=today.year)
    held = dict(
        Redemption.objects.filter(contributor=contributor, year=today.year, status__in=Redemption.HELD)
        .order_by()
        .values("reward_id")
        .annotate(n=Count("id"))
        .values_list("reward_id", "n")
    )
    return Facts(
        stars=summary["stars"],
        year_hours=summary["year_hours"],
        complaint_this_year=Complaint.objects.filter(contributor=contributor, date__year=today.year).exists(),
        held=held,
        balance=balance or balance_of(contributor.pk, today=today),
    )


def refusals(reward: Reward, contributor: Contributor, facts: Facts) -> list[str]:
    """Why the person cannot have the reward now, in their language; empty when they can."""
    reasons = []
    if reward.contributor_kinds and contributor.kind not in reward.contributor_kinds:
        reasons.append(_("not open to your kind of contributor"))
    if facts.stars < reward.min_stars:
        reasons.append(ngettext("needs %(n)d star", "needs %(n)d stars", reward.min_stars) % {"n": reward.min_stars})
    if facts.year_hours < reward.min_year_hours:
        reasons.append(
            _("needs %(hours)s verified hours this year") % {"hours": f"{reward.min_year_hours.normalize():f}"}
        )
    if reward.good_standing and facts.complaint_this_year:
        reasons.append(_("needs good standing: no upheld complaint this year"))
    if reward.stock is not None and reward.stock <= 0:
        reasons.append(_("out of stock"))
    if reward.per_person_per_year and facts.held.get(reward.pk, 0) >= reward.per_person_per_year:
        reasons.append(_("limit reached this year"))
    if reward.cost > facts.balance.available:
        short = reward.cost - max(facts.balance.available, ZERO)
        reasons.append(_("needs %(points)s more points") % {"points": f"{short.normalize():f}"})
    return reasons


def catalogue_for(contributor: Contributor, facts: Facts, *, today: date | None = None) -> list[Reward]:
    """The rewards the person can see, each with `.refusals` (empty: they can request it)."""
    rewards = list(rewards_for(contributor, today=today))
    for reward in rewards:
        reward.refusals = refusals(reward, contributor, facts)  # type: ignore[attr-defined]  # for templates
    return rewards


def redemptions_of(contributor: Contributor) -> QuerySet[Redemption]:
    return Redemption.objects.filter(contributor=contributor).select_related("reward", "reward__venue")


def qualifications_of(contributor: Contributor) -> list[RewardQualification]:
    return list(
        RewardQualification.objects.filter(contributor=contributor, reward__is_published=True).select_related("reward")
    )


def rewards_for_staff(scope: Region) -> QuerySet[Reward]:
    return (
        Reward.objects.filter(region__path__startswith=scope.path)
        .select_related("region", "venue")
        .annotate(open_requests=Count("redemptions", filter=Q(redemptions__status__in=Redemption.OPEN)))
        .order_by("-is_published", "kind", "id")
    )


def queue_for_staff(scope: Region, *, status: str = "") -> QuerySet[Redemption]:
    """Requests for the rewards of the staff member's area; open ones first by default."""
    qs = Redemption.objects.filter(reward__region__path__startswith=scope.path).select_related(
        "reward", "contributor", "contributor__user"
    )
    if status:
        return qs.filter(status=status).order_by("requested_at", "id")
    return qs.filter(status__in=Redemption.OPEN).order_by("status", "requested_at", "id")


def star_hours(stars: int) -> int:
    return STAR_HOURS[stars - 1] if stars else 0
