"""Penalties and bonuses: no-shows and late cancellations (posted by a sweep over the rota, since
`volunteers` never calls the counting side), upheld complaints, and public ratings."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from pointbook.conduct import sightings
from pointbook.ledger.rules import (
    ATTENDANCE_CORRECTED,
    award_proposal,
    conduct_proposal,
    conduct_rule_in_force,
    rule_in_force,
)
from pointbook.ledger.services import EARNED_SOURCES, _require_scope, entry_post, entry_reverse
from pointbook.models import Complaint, ConductRule, LedgerEntry, PublicRating
from volunteers.models import Contributor, ServiceRecord, Signup
from volunteers.people.duties import refuse_own

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from volunteers.models import Region, User, Venue


def _service_points(
    *,
    service_type_id: int,
    day: date,
    hours: Decimal,
    venue: Venue | None,
    started_at: datetime,
    special_groups: Iterable[str] = (),
) -> Decimal:
    """What the service would earn under its points rule, caps aside: the base of "× the service's
    points" penalties and bonuses. 0 when no rule is in force."""
    rule = rule_in_force(service_type_id, day)
    if rule is None:
        return Decimal(0)
    probe = SimpleNamespace(
        hours=hours, venue=venue, special_groups=list(special_groups), started_at=started_at, date=day
    )
    return award_proposal(probe, rule)[0]


def _conduct_post(
    *,
    event: str,
    contributor: Contributor,
    source: str,
    source_id: int,
    key: str,
    day: date,
    base_points: Decimal,
    about: str,
    actor: User | None = None,
) -> LedgerEntry | None:
    """Post the penalty or bonus the rule in force on `day` gives, or nothing (no rule, or 0 points)."""
    rule = conduct_rule_in_force(event, day)
    if rule is None:
        return None
    points, breakdown = conduct_proposal(rule, base_points=base_points, text=about)
    if not points:
        return None
    kind = LedgerEntry.Kind.BONUS if points > 0 else LedgerEntry.Kind.PENALTY
    return entry_post(
        contributor=contributor,
        points=points,
        kind=kind,
        source=source,
        source_id=source_id,
        idempotency_key=key,
        breakdown=breakdown,
        effective_date=day,
        conduct_rule=rule,
        actor=actor,
    )


def _shift_points(signup: Signup) -> Decimal:
    shift = signup.shift
    hours = Decimal((shift.ends_at - shift.starts_at).total_seconds()) / 3600
    return _service_points(
        service_type_id=shift.service_type_id,
        day=timezone.localdate(shift.starts_at),
        hours=hours.quantize(Decimal("0.01")),
        venue=shift.venue,
        started_at=shift.starts_at,
    )


def _standing(source: str, source_id: OuterRef) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(
        source=source, source_id=source_id, kind=LedgerEntry.Kind.PENALTY, reversed_by__isnull=True
    )


def conduct_sweep(*, since_days: int = 60, now: datetime | None = None) -> tuple[int, int]:
    """Post the penalty for each no-show and late cancellation of the last `since_days` that has none,
    and reverse the penalty of a no-show later corrected to attended, each entry with its audit row in
    one transaction. Safe to run twice at once: every posting has a key derived from the sign-up.
    Returns (posted, reversed)."""
    now = now or timezone.now()
    since = now - timedelta(days=since_days)
    posted = reversed_ = 0
    cases = (
        (
            LedgerEntry.Source.NO_SHOW,
            ConductRule.Event.NO_SHOW,
            Signup.objects.filter(attendance=Signup.Attendance.NO_SHOW, attendance_marked_at__gte=since),
        ),
        (
            LedgerEntry.Source.LATE_CANCEL,
            ConductRule.Event.LATE_CANCEL,
            Signup.objects.filter(status=Signup.Status.LATE_CANCELLED, cancelled_at__gte=since),
        ),
    )
    for source, event, signups in cases:
        penalised = _standing(source, OuterRef("pk"))
        todo = (
            signups.annotate(penalised=Exists(penalised))
            .filter(penalised=False)
            .select_related("shift__venue", "contributor")
            .order_by("pk")
        )
        for signup in todo.iterator(chunk_size=500):
            # Penalties already taken back (a corrected no-show marked again): sweeps running at
            # once count the same, so they build the same key and post one entry between them.
            earlier = LedgerEntry.objects.filter(
                source=source, source_id=signup.pk, kind=LedgerEntry.Kind.PENALTY, reversed_by__isnull=False
            ).count()
            day = timezone.localdate(signup.shift.starts_at)
            with transaction.atomic():  # each penalty with its audit row
                entry = _conduct_post(
                    event=event,
                    contributor=signup.contributor,
                    source=source,
                    source_id=signup.pk,
                    key=f"{source}:{signup.pk}:{earlier + 1}",
                    day=day,
                    base_points=_shift_points(signup),
                    about=day.isoformat(),
                )
                if entry is not None:
                    audit(actor=None, action="conduct_penalty", obj=entry, signup=signup.pk, event=event)
            posted += entry is not None
    # A no-show corrected to attended no longer owes its penalty.
    corrected = Signup.objects.filter(pk=OuterRef("source_id")).exclude(attendance=Signup.Attendance.NO_SHOW)
    stale = (
        LedgerEntry.objects.filter(
            source=LedgerEntry.Source.NO_SHOW, kind=LedgerEntry.Kind.PENALTY, reversed_by__isnull=True
        )
        .filter(Exists(corrected))
        .select_related("contributor")
    )
    for entry in stale.iterator(chunk_size=500):
        with transaction.atomic():
            reversal = entry_reverse(actor=None, entry=entry, reason=ATTENDANCE_CORRECTED)
            audit(actor=None, action="conduct_penalty_reverse", obj=reversal, reverses=entry.pk, signup=entry.source_id)
        reversed_ += 1
    return posted, reversed_


@transaction.atomic
def complaint_uphold(
    *, actor: User, scope: Region | None, record: ServiceRecord, reason: str, now: datetime | None = None
) -> tuple[Complaint, LedgerEntry | None]:
    """Staff uphold a complaint about the service behind `record`: the complaint is kept (it counts
    against commendations) and the penalty rule in force posts its entry."""
    now = now or timezone.now()
    record = ServiceRecord.objects.select_related("region", "venue", "contributor").get(pk=record.pk)
    _require_scope(scope, record)
    refuse_own(actor, record.contributor)
    if record.status != ServiceRecord.Status.APPROVED:
        raise ValidationError(_("A complaint is upheld about an approved service record."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say what was upheld; the contributor sees it.")})
    complaint = Complaint.objects.create(
        contributor=record.contributor,
        record=record,
        region=record.region,
        date=timezone.localdate(now),
        reason=reason.strip()[:500],
        upheld_by=actor,
        upheld_at=now,
    )
    base = _service_points(
        service_type_id=record.service_type_id,
        day=record.date,
        hours=record.hours,
        venue=record.venue,
        started_at=record.started_at,
        special_groups=record.special_groups,
    )
    entry = _conduct_post(
        event=ConductRule.Event.COMPLAINT,
        contributor=record.contributor,
        source=LedgerEntry.Source.COMPLAINT,
        source_id=complaint.pk,
        key=f"complaint:{complaint.pk}",
        day=complaint.date,
        base_points=base,
        about=record.date.isoformat(),
        actor=actor,
    )
    audit(
        actor=actor,
        action="complaint_uphold",
        obj=complaint,
        record=record.pk,
        entry=entry.pk if entry else None,
        reason=complaint.reason,
    )
    return complaint, entry


@transaction.atomic
def record_unflag(*, actor: User, scope: Region | None, record: ServiceRecord) -> None:
    """Staff have looked at a record a poor rating flagged: clear the flag (audited)."""
    _require_scope(scope, record)
    refuse_own(actor, record.contributor)
    ServiceRecord.objects.filter(pk=record.pk).update(flagged=False)
    audit(actor=actor, action="record_unflag", obj=record)


def rating_link(*, contributor: Contributor, record: ServiceRecord, now: datetime | None = None) -> PublicRating:
    """The record's public rating link: created when the contributor first shows it, renewed (a new
    token) once expired unless someone has rated. Only approved records of the contributor."""
    now = now or timezone.now()
    if record.contributor_id != contributor.pk or record.status != ServiceRecord.Status.APPROVED:
        raise ValidationError(_("Only your approved records can be rated."))
    expires = now + timedelta(days=settings.PB_RATING_LINK_DAYS)
    with transaction.atomic():
        rating = PublicRating.objects.select_for_update().filter(record=record).first()
        if rating is None:
            rating = PublicRating.objects.create(
                record=record, token=secrets.token_urlsafe(24), expires_at=expires, created_at=now
            )
        elif rating.score is None and rating.expires_at <= now:
            rating.token, rating.expires_at = secrets.token_urlsafe(24), expires
            rating.save(update_fields=["token", "expires_at"])
    return rating


GOOD_SCORE, POOR_SCORE = 4, 2


def _rating_bonuses_in(contributor_id: int, year: int) -> int:
    """Rating bonuses the person holds for `year` (reversed ones aside): what the yearly cap counts."""
    return LedgerEntry.objects.filter(
        contributor_id=contributor_id,
        source=LedgerEntry.Source.RATING,
        kind=LedgerEntry.Kind.BONUS,
        effective_date__year=year,
        reversed_by__isnull=True,
    ).count()


def _rating_bonus_post(rating: PublicRating, *, actor: User | None = None) -> tuple[str, LedgerEntry | None]:
    """Post the good rating's bonus (dated the day it was rated, under the rule in force that day)
    unless the person already has PB_RATING_BONUSES_PER_YEAR of that year. Returns (CAPPED, None) or
    (POSTED, the entry, or None when the rule gives nothing). One key per rating: posting twice is one
    entry."""
    record = rating.record
    day = timezone.localdate(rating.rated_at)
    # The person's row first: two ratings at once must not both find room under the cap.
    Contributor.objects.select_for_update().filter(pk=record.contributor_id).first()
    if _rating_bonuses_in(record.contributor_id, day.year) >= settings.PB_RATING_BONUSES_PER_YEAR:
        return PublicRating.Bonus.CAPPED, None
    base = LedgerEntry.objects.filter(source__in=EARNED_SOURCES, source_id=record.pk).values_list("points", flat=True)
    return PublicRating.Bonus.POSTED, _conduct_post(
        event=ConductRule.Event.GOOD_RATING,
        contributor=record.contributor,
        source=LedgerEntry.Source.RATING,
        source_id=rating.pk,
        key=f"rating:{rating.pk}",
        day=day,
        base_points=sum(base, Decimal(0)),
        about=record.date.isoformat(),
        actor=actor,
    )


def rating_submit(
    *,
    token: str,
    score: int,
    comment: str = "",
    rater: User | AnonymousUser | None = None,
    seen: Collection[tuple[str, str]] = (),
    now: datetime | None = None,
) -> PublicRating:
    """Someone served rates once through the link. A poor rating flags the record for staff. A good
    one earns the bonus rule's entry, unless the person has had the year's PB_RATING_BONUSES_PER_YEAR
    (then none), and only once staff confirm it when it came from a browser or address the contributor
    used signed in (`seen`: the rater's, from `sightings.marks`). An expired, unknown or used link is
    refused, and so is the contributor rating their own service signed in (`rater`)."""
    now = now or timezone.now()
    if score not in range(1, 6):
        raise ValidationError({"score": _("Choose from one to five stars.")})
    with transaction.atomic():
        rating = (
            PublicRating.objects.select_for_update(of=("self",))
            .select_related("record__contributor", "record__venue")
            .filter(token=token)
            .first()
        )
        if rating is None or rating.expires_at <= now or rating.record.status != ServiceRecord.Status.APPROVED:
            raise ValidationError(_("This rating link has expired or does not exist."))
        if rating.score is not None:
            raise ValidationError(_("This service has already been rated. Thank you."))
        if rater is not None and rater.is_authenticated and rating.record.contributor.user_id == rater.pk:
            raise ValidationError(_("You cannot rate your own service; show the link to the person you served."))
        rating.score, rating.comment, rating.rated_at = score, comment.strip()[:500], now
        record = rating.record
        if score >= GOOD_SCORE and conduct_rule_in_force(ConductRule.Event.GOOD_RATING, timezone.localdate(now)):
            rating.held_because = sightings.seen_as(record.contributor.user_id, seen, now=now)
            if rating.held_because:
                rating.bonus = PublicRating.Bonus.HELD
                audit(actor=None, action="rating_bonus_hold", obj=rating, because=rating.held_because)
            else:
                rating.bonus, entry = _rating_bonus_post(rating)
                audit(actor=None, action="rating_bonus_post", obj=rating, bonus=rating.bonus, entry=entry and entry.pk)
        rating.save(update_fields=["score", "comment", "rated_at", "bonus", "held_because"])
        if score <= POOR_SCORE:
            # Kept as data, not words: staff read it in their own language.
            ServiceRecord.objects.filter(pk=record.pk).update(flagged=True, flag_reason=f"rating:{score}")
            audit(actor=rater, action="record_flag", obj=record, reason=f"rating:{score}", rating=rating.pk)
    return rating


def _held_rating(scope: Region | None, rating: PublicRating) -> PublicRating:
    rating = (
        PublicRating.objects.select_for_update(of=("self",))
        .select_related("record__contributor", "record__region")
        .get(pk=rating.pk)
    )
    _require_scope(scope, rating.record)
    return rating


@transaction.atomic
def rating_bonus_confirm(
    *, actor: User, scope: Region | None, rating: PublicRating, now: datetime | None = None
) -> LedgerEntry | None:
    """Staff confirm a held rating bonus: it is posted as it would have been (the rating's day, its
    rule, within that year's cap: past it, none). Confirming again posts nothing more. Nobody confirms
    a bonus for themself."""
    now = now or timezone.now()
    rating = _held_rating(scope, rating)
    refuse_own(actor, rating.record.contributor)
    if rating.bonus == PublicRating.Bonus.CONFIRMED:
        return LedgerEntry.objects.filter(idempotency_key=f"rating:{rating.pk}").first()
    if rating.bonus != PublicRating.Bonus.HELD:
        raise ValidationError(_("This rating's bonus is not waiting for a decision."))
    outcome, entry = _rating_bonus_post(rating, actor=actor)
    rating.bonus = PublicRating.Bonus.CAPPED if outcome == PublicRating.Bonus.CAPPED else PublicRating.Bonus.CONFIRMED
    rating.bonus_decided_by, rating.bonus_decided_at = actor, now
    rating.save(update_fields=["bonus", "bonus_decided_by", "bonus_decided_at"])
    audit(actor=actor, action="rating_bonus_confirm", obj=rating, bonus=rating.bonus, entry=entry and entry.pk)
    return entry


@transaction.atomic
def rating_bonus_decline(
    *, actor: User, scope: Region | None, rating: PublicRating, now: datetime | None = None
) -> PublicRating:
    """Staff decline a held rating bonus (the rating itself stays). Nobody declines their own."""
    now = now or timezone.now()
    rating = _held_rating(scope, rating)
    refuse_own(actor, rating.record.contributor)
    if rating.bonus == PublicRating.Bonus.DECLINED:
        return rating
    if rating.bonus != PublicRating.Bonus.HELD:
        raise ValidationError(_("This rating's bonus is not waiting for a decision."))
    rating.bonus = PublicRating.Bonus.DECLINED
    rating.bonus_decided_by, rating.bonus_decided_at = actor, now
    rating.save(update_fields=["bonus", "bonus_decided_by", "bonus_decided_at"])
    audit(actor=actor, action="rating_bonus_decline", obj=rating, because=rating.held_because)
    return rating
