"""Writes for incentives: the catalogue, requests and their decisions, hand-over at the venue,
cancellation, refunds, expiry of uncollected rewards and of unspent points.

Every change of a balance is a ledger entry (`entry_post`, with a key) of a spending kind, which
earned figures leave out, plus the same amount on the person's `RewardsWallet` in the same
transaction. Locks, always in this order so two writers never wait on each other in a circle: the
person's wallet, then the reward (its stock), then the request.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from pointbook.incentives import selectors
from pointbook.ledger.rules import STAR_HOURS, cents
from pointbook.ledger.services import entry_post
from pointbook.models import (
    Complaint,
    LedgerEntry,
    Redemption,
    Reward,
    RewardQualification,
    RewardsPolicy,
    RewardsWallet,
)
from volunteers.models import Contributor
from volunteers.people.duties import refuse_own

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from volunteers.models import Region, User

Kind = LedgerEntry.Kind
Status = Redemption.Status
# Unambiguous characters (no 0/O, 1/I/L): 31^8 ≈ 8.5 × 10^11 codes, read aloud or typed at a counter.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def code_normalise(code: str) -> str:
    """What a person typed, as stored: capitals, no spaces or dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _code_new() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if not Redemption.objects.filter(code=code).exists():  # the unique constraint backs this
            return code


def _wallet_locked(contributor_id: int) -> RewardsWallet:
    """The person's wallet row, created if new, locked until the transaction ends."""
    RewardsWallet.objects.bulk_create([RewardsWallet(contributor_id=contributor_id)], ignore_conflicts=True)
    return RewardsWallet.objects.select_for_update().get(contributor_id=contributor_id)


def _reward_names(reward: Reward) -> dict[str, str]:
    return {"reward_zh": reward.title_zh, "reward_en": reward.title_en}


# --- The catalogue ------------------------------------------------------------------------------------

REWARD_FIELDS = (
    "region",
    "kind",
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "cost",
    "stock",
    "per_person_per_year",
    "venue",
    "needs_approval",
    "contributor_kinds",
    "min_stars",
    "min_year_hours",
    "good_standing",
    "valid_from",
    "valid_until",
    "is_published",
)


def _reward_check(reward: Reward) -> None:
    if reward.kind == Reward.Kind.MATERIAL:
        if reward.stock is None:
            raise ValidationError({"stock": _("A material reward needs its stock.")})
        if reward.cost <= 0:
            raise ValidationError({"cost": _("A material reward costs points.")})
        if reward.venue_id is None:
            raise ValidationError({"venue": _("A material reward needs a pick-up venue.")})
    else:
        reward.stock = None
        reward.venue = None
        reward.needs_approval = True  # policy support is granted by a staff decision
    if reward.valid_until and reward.valid_until < reward.valid_from:
        raise ValidationError({"valid_until": _("The end comes before the start.")})


@transaction.atomic
def reward_save(*, actor: User, scope: Region, reward: Reward | None, data: dict[str, Any]) -> Reward:
    """Create or change a reward of the staff member's area (a restock is a change of `stock`)."""
    if not data["region"].path.startswith(scope.path):
        raise ValidationError({"region": _("Choose a region in your area.")})
    if reward is None:
        reward = Reward(created_by=actor)
    else:
        reward = Reward.objects.select_for_update().get(pk=reward.pk)  # a request may be taking stock now
    for name in REWARD_FIELDS:
        setattr(reward, name, data[name])
    _reward_check(reward)
    created = reward.pk is None
    reward.save()
    audit(
        actor=actor,
        action="reward_create" if created else "reward_update",
        obj=reward,
        title=reward.title_zh,
        cost=str(reward.cost),
        stock=reward.stock,
        published=reward.is_published,
    )
    return reward


@transaction.atomic
def rewards_policy_update(*, actor: User, **values: Any) -> RewardsPolicy:
    policy = RewardsPolicy.objects.select_for_update().get(pk=RewardsPolicy.current().pk)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.updated_at = timezone.now()
    policy.save()
    audit(actor=actor, action="rewards_policy_update", obj=policy, **{k: str(v) for k, v in values.items()})
    return policy


# --- Requests -----------------------------------------------------------------------------------------


def redemption_request(
    *, user: User | AnonymousUser, contributor: Contributor, reward_id: int, now: datetime | None = None
) -> Redemption:
    """Ask for a reward: checks eligibility, stock, the yearly limit and the balance under the
    person's wallet lock, takes one from stock and debits the cost — all or nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        wallet = _wallet_locked(contributor.pk)
        reward = (
            selectors.rewards_for(contributor, today=today).select_for_update(of=("self",)).filter(pk=reward_id).first()
        )
        if reward is None:
            raise ValidationError(_("This reward is not available to you."))
        policy = RewardsPolicy.current()
        balance = selectors.balance_of(contributor.pk, policy=policy, today=today, wallet=wallet)
        reasons = selectors.refusals(reward, contributor, selectors.facts_of(contributor, today=today, balance=balance))
        if reasons:
            raise ValidationError(_("You cannot have this reward: %(why)s.") % {"why": "; ".join(reasons)})
        if reward.stock is not None:
            # Under the lock this always takes one; the condition is the database's guarantee too.
            if not Reward.objects.filter(pk=reward.pk, stock__gt=0).update(stock=F("stock") - 1):
                raise ValidationError(_("This reward is out of stock."))
        ready = reward.kind == Reward.Kind.MATERIAL and not reward.needs_approval
        redemption = Redemption.objects.create(
            reward=reward,
            contributor=contributor,
            status=Status.READY if ready else Status.PENDING,
            points=reward.cost,
            year=today.year,
            code=_code_new(),
            requested_at=now,
            pickup_until=now + timedelta(days=policy.pickup_days) if ready else None,
        )
        if reward.cost > 0:
            entry_post(
                contributor=contributor,
                points=-reward.cost,
                kind=Kind.SPEND,
                source=LedgerEntry.Source.REDEMPTION,
                source_id=redemption.pk,
                idempotency_key=f"redemption:{redemption.pk}:debit",
                breakdown={**_reward_names(reward), "redemption": redemption.pk, "points": str(-reward.cost)},
                effective_date=today,
                actor=user,
            )
            RewardsWallet.objects.filter(pk=wallet.pk).update(spent=F("spent") + reward.cost, updated_at=now)
        audit(actor=user, action="redemption_request", obj=redemption, reward=reward.pk, points=str(reward.cost))
    return redemption


def _locked(redemption_id: int) -> tuple[Redemption, RewardsWallet]:
    """The request and its person's wallet, locked in the one order (wallet first)."""
    contributor_id = Redemption.objects.values_list("contributor_id", flat=True).get(pk=redemption_id)
    wallet = _wallet_locked(contributor_id)
    redemption = (
        Redemption.objects.select_for_update(of=("self",)).select_related("reward", "contributor").get(pk=redemption_id)
    )
    return redemption, wallet


def _give_back(
    redemption: Redemption, *, status: str, actor: User | AnonymousUser | None, why: str, now: datetime
) -> None:
    """Close an open request with its points refunded and its item back in stock."""
    reward = redemption.reward
    if reward.stock is not None:
        Reward.objects.filter(pk=reward.pk).update(stock=F("stock") + 1)
    if redemption.points > 0:
        entry_post(
            contributor=redemption.contributor,
            points=redemption.points,
            kind=Kind.REFUND,
            source=LedgerEntry.Source.REDEMPTION,
            source_id=redemption.pk,
            idempotency_key=f"redemption:{redemption.pk}:refund",
            breakdown={**_reward_names(reward), "redemption": redemption.pk, "why": why},
            effective_date=timezone.localdate(now),
            actor=actor,
        )
        RewardsWallet.objects.filter(pk=redemption.contributor_id).update(
            refunded=F("refunded") + redemption.points, updated_at=now
        )
    redemption.status, redemption.closed_at = status, now
    redemption.save(update_fields=["status", "closed_at", "decided_at", "decided_by", "reason"])


def redemption_cancel(
    *, user: User, contributor: Contributor, redemption_id: int, now: datetime | None = None
) -> Redemption:
    """The person withdraws a request not yet handed over or granted: points and stock come back."""
    now = now or timezone.now()
    with transaction.atomic():
        if not Redemption.objects.filter(pk=redemption_id, contributor=contributor).exists():
            raise ValidationError(_("This request is not yours."))
        redemption, _wallet = _locked(redemption_id)
        if redemption.status not in Redemption.OPEN:
            raise ValidationError(
                _("This request is %(status)s: it can no longer be cancelled.")
                % {"status": redemption.get_status_display()}
            )
        _give_back(redemption, status=Status.CANCELLED, actor=user, why="cancelled", now=now)
        audit(actor=user, action="redemption_cancel", obj=redemption, points=str(redemption.points))
    return redemption


def redemption_decide(
    *,
    actor: User,
    scope: Region,
    redemption_id: int,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Redemption:
    """Staff approve (a material reward becomes ready to collect; policy support is granted) or
    refuse (points and stock come back) a request waiting for them. Not their own."""
    now = now or timezone.now()
    with transaction.atomic():
        if not Redemption.objects.filter(pk=redemption_id, reward__region__path__startswith=scope.path).exists():
            raise ValidationError(_("No such request in your area."))
        redemption, _wallet = _locked(redemption_id)
        refuse_own(actor, redemption.contributor)
        if redemption.status != Status.PENDING:
            raise ValidationError(
                _("This request is %(status)s: nothing to decide.") % {"status": redemption.get_status_display()}
            )
        if not approve and not reason.strip():
            raise ValidationError(_("Say why the request is not granted: the contributor reads it."))
        redemption.decided_at, redemption.decided_by, redemption.reason = now, actor, reason.strip()[:300]
        if not approve:
            _give_back(redemption, status=Status.REJECTED, actor=actor, why="rejected", now=now)
        elif redemption.reward.kind == Reward.Kind.MATERIAL:
            redemption.status = Status.READY
            redemption.pickup_until = now + timedelta(days=RewardsPolicy.current().pickup_days)
            redemption.save(update_fields=["status", "pickup_until", "decided_at", "decided_by", "reason"])
        else:
            redemption.status, redemption.closed_at = Status.GRANTED, now
            redemption.save(update_fields=["status", "closed_at", "decided_at", "decided_by", "reason"])
        audit(
            actor=actor,
            action="redemption_approve" if approve else "redemption_reject",
            obj=redemption,
            status=redemption.status,
            reason=redemption.reason,
        )
    return redemption


def redemption_by_code(scope: Region, code: str) -> Redemption | None:
    """A request by its code, for staff of the reward's area or of the area of its pick-up venue (a
    city-wide reward is collected at a district's centre and handed over by that district's staff)."""
    return (
        Redemption.objects.filter(code=code_normalise(code))
        .filter(Q(reward__region__path__startswith=scope.path) | Q(reward__venue__region__path__startswith=scope.path))
        .select_related("reward", "reward__venue", "contributor")
        .first()
    )


def code_problem(redemption: Redemption | None, now: datetime) -> str:
    """Why a pick-up code cannot be handed over now, in words for the counter; "" when it can."""
    if redemption is None:
        return _("No reward of your area has this code. Check the letters and digits and try again.")
    if redemption.status == Status.FULFILLED:
        when = timezone.localtime(redemption.handed_over_at).strftime("%Y-%m-%d %H:%M")
        return _("Already handed over (%(when)s).") % {"when": when}
    if redemption.status == Status.PENDING:
        return _("This request still waits for a staff decision.")
    if redemption.status == Status.EXPIRED or (
        redemption.status == Status.READY and redemption.pickup_until and redemption.pickup_until <= now
    ):
        return _("This code has expired: the reward was not collected in time.")
    if redemption.status != Status.READY:
        return _("This request is %(status)s: nothing to hand over.") % {"status": redemption.get_status_display()}
    return ""


def redemption_hand_over(*, actor: User, scope: Region, code: str, now: datetime | None = None) -> Redemption:
    """At the venue: staff enter (or scan) the person's code and hand the reward over. Not their own."""
    now = now or timezone.now()
    with transaction.atomic():
        found = redemption_by_code(scope, code)
        if found is None:
            raise ValidationError(code_problem(None, now))
        redemption, _wallet = _locked(found.pk)
        refuse_own(actor, redemption.contributor)
        problem = code_problem(redemption, now)
        if problem:
            raise ValidationError(problem)
        redemption.status, redemption.handed_over_at, redemption.handed_over_by = Status.FULFILLED, now, actor
        redemption.closed_at = now
        redemption.save(update_fields=["status", "handed_over_at", "handed_over_by", "closed_at"])
        audit(actor=actor, action="redemption_hand_over", obj=redemption, code=redemption.code)
    return redemption


# --- Policy support: who qualifies --------------------------------------------------------------------


def qualifiers_mark(*, actor: User, scope: Region, reward: Reward, year: int | None = None) -> int:
    """Mark everyone in the reward's region (inside the staff member's area) who meets its thresholds
    this year; they see it on My points. Nobody marks themselves. Returns how many were newly marked."""
    if reward.kind != Reward.Kind.POLICY or not reward.region.path.startswith(scope.path):
        raise ValidationError(_("Only policy support of your area has people marked as qualifying."))
    year = year or timezone.localdate().year
    people = Contributor.objects.filter(region__path__startswith=reward.region.path, profile_completed_at__isnull=False)
    if reward.contributor_kinds:
        people = people.filter(kind__in=reward.contributor_kinds)
    if reward.good_standing:
        people = people.exclude(pk__in=Complaint.objects.filter(date__year=year).values("contributor_id"))
    people = people.exclude(user=actor)
    earned = LedgerEntry.objects.earned().filter(contributor__in=people, effective_date__lte=date(year, 12, 31))
    sums = (
        earned.order_by()
        .values("contributor_id")
        .annotate(lifetime=Sum("hours"), this_year=Sum("hours", filter=Q(effective_date__year=year)))
    )
    if reward.min_stars:
        sums = sums.filter(lifetime__gte=STAR_HOURS[reward.min_stars - 1])
    if reward.min_year_hours:
        sums = sums.filter(this_year__gte=reward.min_year_hours)
    ids = [row["contributor_id"] for row in sums]
    if not reward.min_stars and not reward.min_year_hours:
        ids = list(people.values_list("pk", flat=True))
    with transaction.atomic():
        before = RewardQualification.objects.filter(reward=reward).count()
        RewardQualification.objects.bulk_create(
            [RewardQualification(reward=reward, contributor_id=pk, marked_by=actor) for pk in ids],
            ignore_conflicts=True,
            batch_size=1000,
        )
        added = RewardQualification.objects.filter(reward=reward).count() - before
        audit(actor=actor, action="reward_qualifiers_mark", obj=reward, year=year, marked=added)
    return added


# --- The daily job: uncollected rewards, then unspent points past their date ---------------------------


def uncollected_expire(*, now: datetime | None = None) -> int:
    """Ready rewards not collected by their date go back to stock, their points refunded."""
    now = now or timezone.now()
    ids = list(
        Redemption.objects.filter(status=Status.READY, pickup_until__lte=now)
        .order_by("id")
        .values_list("id", flat=True)
    )
    done = 0
    for pk in ids:
        with transaction.atomic():
            redemption, _wallet = _locked(pk)
            if redemption.status != Status.READY or redemption.pickup_until is None or redemption.pickup_until > now:
                continue  # handed over or cancelled meanwhile
            _give_back(redemption, status=Status.EXPIRED, actor=None, why="expired", now=now)
            audit(actor=None, action="redemption_expire", obj=redemption, points=str(redemption.points))
            done += 1
    return done


def points_expire(*, today: date | None = None, chunk: int = 2000) -> tuple[int, Decimal]:
    """Post, for everyone, the spendable points whose expiry date has come and that were not used
    (first in, first out; see selectors). Streams the ledger grouped by person; a person's expiry is
    worked out again under their wallet lock before posting, under a key naming the day and what was
    used before, so a rerun (or a second worker) posts nothing twice. Returns (entries, points)."""
    today = today or timezone.localdate()
    policy = RewardsPolicy.current()
    through = policy.expired_through(today)
    if through is None:
        return 0, Decimal(0)
    # Per person: positive credits dated up to `through`, and every deduction (all dates).
    grouped = (
        LedgerEntry.objects.earned()
        .filter(source__in=policy.credit_sources())
        .filter(Q(points__lt=0) | Q(effective_date__lte=through))
        .order_by("contributor_id")
        .values("contributor_id")
        .annotate(
            due=Sum("points", filter=Q(points__gt=0, effective_date__lte=through)),
            neg=Sum("points", filter=Q(points__lt=0)),
        )
        .filter(due__gt=0)
        .values_list("contributor_id", "due", "neg")
    )
    posted, total, after = 0, Decimal(0), 0
    while True:
        # A page of people at a time (by id, each page its own query): memory stays flat and the writes
        # below never run while a read of the ledger is open.
        rows = list(grouped.filter(contributor_id__gt=after)[:chunk])
        if not rows:
            break
        after = rows[-1][0]
        wallets = {w.pk: w for w in RewardsWallet.objects.filter(contributor_id__in=[r[0] for r in rows])}
        for contributor_id, due, neg in rows:
            spent, refunded, expired = selectors._wallet_sums(wallets.get(contributor_id))
            if cents(due) - (spent - refunded + expired - cents(neg)) <= 0:
                continue  # a quick look; the posting below decides under the lock
            amount = _expire_one(contributor_id, policy=policy, today=today, through=through)
            if amount:
                posted += 1
                total += amount
    return posted, total


def _expire_one(contributor_id: int, *, policy: RewardsPolicy, today: date, through: date) -> Decimal:
    with transaction.atomic():
        wallet = _wallet_locked(contributor_id)
        balance = selectors.balance_of(contributor_id, policy=policy, today=today, wallet=wallet)
        if balance.due <= 0:
            return Decimal(0)
        entry_post(
            contributor=Contributor(pk=contributor_id),
            points=-balance.due,
            kind=Kind.EXPIRY,
            source=LedgerEntry.Source.EXPIRY,
            source_id=contributor_id,
            idempotency_key=f"expiry:{contributor_id}:{through.isoformat()}:{wallet.used}",
            breakdown={"through": through.isoformat(), "points": str(-balance.due)},
            effective_date=today,
        )
        RewardsWallet.objects.filter(pk=contributor_id).update(
            expired=F("expired") + balance.due, updated_at=timezone.now()
        )
        return balance.due


def rewards_daily(*, now: datetime | None = None) -> dict[str, Any]:
    """The nightly incentives job."""
    now = now or timezone.now()
    uncollected = uncollected_expire(now=now)
    entries, points = points_expire(today=timezone.localdate(now))
    return {"uncollected": uncollected, "expiry_entries": entries, "expired_points": str(points)}


# --- Checks (ledger_verify) ---------------------------------------------------------------------------


def incentives_check() -> list[str]:
    """Spending's invariants: wallets equal their spending entries; every request has exactly one
    debit (none when free) and one refund exactly when given back; stock never below zero; no
    spendable balance below zero unless a penalty came after the person's last spending."""
    return _wallets_check() + _redemptions_check() + _balances_check()


def _wallets_check() -> list[str]:
    problems = []
    sums: dict[int, dict[str, Decimal]] = {}
    for cid, kind, s in (
        LedgerEntry.objects.spending()
        .order_by()
        .values("contributor_id", "kind")
        .annotate(s=Sum("points"))
        .values_list("contributor_id", "kind", "s")
    ):
        sums.setdefault(cid, {})[kind] = cents(s)
    for wallet in RewardsWallet.objects.all().iterator(chunk_size=2000):
        got = sums.pop(wallet.pk, {})
        if (
            -got.get(Kind.SPEND, Decimal(0)) != wallet.spent
            or got.get(Kind.REFUND, Decimal(0)) != wallet.refunded
            or -got.get(Kind.EXPIRY, Decimal(0)) != wallet.expired
        ):
            problems.append(f"wallet of contributor {wallet.pk}: differs from its spending entries")
    for cid in sums:
        problems.append(f"contributor {cid}: spending entries without a wallet")
    return problems


def _redemptions_check() -> list[str]:
    problems = []
    counts: dict[int, dict[str, int]] = {}
    for source_id, kind in (
        LedgerEntry.objects.filter(source=LedgerEntry.Source.REDEMPTION)
        .values_list("source_id", "kind")
        .iterator(chunk_size=5000)
    ):
        per = counts.setdefault(source_id, {})
        per[kind] = per.get(kind, 0) + 1
    for pk, status, points in Redemption.objects.values_list("pk", "status", "points").iterator(chunk_size=5000):
        per = counts.pop(pk, {})
        want_debit = 1 if points > 0 else 0
        want_refund = want_debit if status in Redemption.REFUNDED else 0
        if per.get(Kind.SPEND, 0) != want_debit:
            problems.append(f"redemption {pk}: {per.get(Kind.SPEND, 0)} debits")
        if per.get(Kind.REFUND, 0) != want_refund:
            problems.append(f"redemption {pk}: {per.get(Kind.REFUND, 0)} refunds ({status})")
    for pk in counts:
        problems.append(f"redemption {pk}: entries for a request that does not exist")
    for pk in Reward.objects.filter(stock__lt=0).values_list("pk", flat=True):
        problems.append(f"reward {pk}: stock below zero")
    return problems


def _balances_check() -> list[str]:
    problems = []
    policy = RewardsPolicy.current()
    today = timezone.localdate()
    for wallet in RewardsWallet.objects.all().iterator(chunk_size=2000):
        balance = selectors.balance_of(wallet.pk, policy=policy, today=today, wallet=wallet)
        if balance.available < 0:
            last_debit = LedgerEntry.objects.filter(
                contributor_id=wallet.pk, kind__in=(Kind.SPEND, Kind.EXPIRY)
            ).aggregate(m=Max("id"))["m"]
            penalty_after = (
                LedgerEntry.objects.earned()
                .filter(contributor_id=wallet.pk, points__lt=0, id__gt=last_debit or 0)
                .exists()
            )
            if not penalty_after:
                problems.append(f"contributor {wallet.pk}: spendable balance {balance.available} below zero")
    return problems
