"""Approving many records at once (the demo's three years, a history import): what
`services.record_approve` does, for thousands of records, in batches, through the ledger's
many-entries write path `services.entries_post`. The same rules, the same caps (`award_proposal` over
`services.earned_so_far`), the same keys (`services.approval_keys`) and the same explanations as
approving each record on its own; `tests/pointbook/test_bulk_write_path.py` holds them equal.

A batch is one transaction: its people locked, its records claimed (`_records_to_approve`), their
awards computed with each person's caps counted from the ledger and from the batch so far, the
entries posted together, the records marked decided and one audit row written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Container, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from core.audit import audit
from core.bulk_insert import rows_insert
from pointbook.ledger.rules import award_proposal, is_night_or_holiday
from pointbook.ledger.services import (
    ENTRY_COLUMNS,
    Earned,
    Posting,
    approval_keys,
    earned_so_far,
    entries_post,
)
from pointbook.models import LedgerEntry, PointsRule, PublicHoliday
from volunteers.models import Contributor, ServiceRecord

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from volunteers.models import User

__all__ = ["DECIDED_COLUMNS", "ENTRY_COLUMNS", "records_add_approved", "records_approve_bulk"]


class _Rules:
    """Every rule version in memory, newest first per service type (there are a few dozen)."""

    def __init__(self) -> None:
        self.by_type: defaultdict[int, list[PointsRule]] = defaultdict(list)
        for rule in PointsRule.objects.order_by("-effective_from"):
            self.by_type[rule.service_type_id].append(rule)

    def in_force(self, service_type_id: int, day: date) -> PointsRule | None:
        return next((r for r in self.by_type[service_type_id] if r.effective_from <= day), None)


def _lock_people(records: Iterable[ServiceRecord]) -> None:
    # The people first, in id order, as `record_approve` does: caps read all their awards, so no
    # single approval of theirs can slip in between (and two lockers never wait in a circle).
    list(
        Contributor.objects.select_for_update()
        .filter(pk__in={r.contributor_id for r in records})
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _award_postings(
    records: Iterable[ServiceRecord],
    *,
    rules: _Rules,
    holidays: Container[date],
    earned: Earned,
    keys: Mapping[int, str],
) -> tuple[list[Posting], list[int], list[int], list[ServiceRecord]]:
    """The award postings of `records`, in order, each person's caps counted from `earned` (the ledger)
    plus the records before it here: what `record_approve` posts for each, one after the other.
    Returns (postings, ids awarded, ids capped out, records refused for want of a rule)."""
    postings, awarded, capped, refused = [], [], [], []
    for record in records:
        rule = rules.in_force(record.service_type_id, record.date)
        if rule is None:
            refused.append(record)
            continue
        day, year = earned.before(record.contributor_id, record.service_type_id, record.date)
        points, breakdown = award_proposal(
            record,
            rule,
            day_earned=day,
            year_earned=year,
            night_or_holiday=is_night_or_holiday(record, holidays),
        )
        if not points:
            capped.append(record.pk)
            continue
        earned.add(record.contributor_id, record.service_type_id, record.date, points)
        awarded.append(record.pk)
        postings.append(
            Posting(
                contributor_id=record.contributor_id,
                points=points,
                hours=record.hours,
                kind=LedgerEntry.Kind.AWARD,
                source=LedgerEntry.Source.SERVICE_RECORD,
                source_id=record.pk,
                idempotency_key=keys[record.pk],
                breakdown=breakdown,
                effective_date=record.date,
                rule_id=rule.pk,
                service_type_id=record.service_type_id,
            )
        )
    return postings, awarded, capped, refused


def _records_to_approve(
    batch: Sequence[ServiceRecord], *, actor: User | None
) -> tuple[list[ServiceRecord], list[ServiceRecord]]:
    """(decided, refused): the records of `batch` this approval decides, in the batch's order — those
    still waiting for a decision, locked (anything decided meanwhile is left alone) — and those it
    refuses because they are the actor's own work. Every check of who may approve which record
    belongs here, so that the bulk approval and `record_approve` refuse the same records."""
    waiting = dict(
        ServiceRecord.objects.select_for_update(of=("self",))
        .filter(pk__in=[r.pk for r in batch], status__in=ServiceRecord.WAITING)
        .values_list("pk", "contributor__user_id")
    )
    own = {pk for pk, user_id in waiting.items() if actor is not None and user_id == actor.pk}
    return [r for r in batch if r.pk in waiting and r.pk not in own], [r for r in batch if r.pk in own]


def _approve_batch(
    batch: list[ServiceRecord],
    *,
    actor: User | None,
    now: datetime,
    rules: _Rules,
    holidays: Container[date],
) -> tuple[int, int, list[ServiceRecord]]:
    with transaction.atomic():
        _lock_people(batch)
        records, own = _records_to_approve(batch, actor=actor)
        postings, awarded, capped, refused = _award_postings(
            records,
            rules=rules,
            holidays=holidays,
            earned=earned_so_far((r.contributor_id, r.service_type_id, r.date) for r in records),
            keys=approval_keys([r.pk for r in records]),
        )
        entries = entries_post(postings, actor=actor, now=now)
        decided = {
            "status": ServiceRecord.Status.APPROVED,
            "decided_at": now,
            "decided_by": actor,
            "decision_reason": "",
        }
        ServiceRecord.objects.filter(pk__in=awarded).update(capped_out=False, **decided)
        ServiceRecord.objects.filter(pk__in=capped).update(capped_out=True, **decided)
        if decided_ids := awarded + capped:
            # One audit row per batch, on its first record (the row names the range and counts).
            audit(
                actor=actor,
                action="records_approve_bulk",
                obj=ServiceRecord(pk=min(decided_ids)),
                records=len(decided_ids),
                first=min(decided_ids),
                last=max(decided_ids),
                entries=len(entries),
                first_entry=min(entries, default=None),
                last_entry=max(entries, default=None),
                capped=len(capped),
            )
    return len(entries), len(capped), refused + own


# What `records_add_approved` sets on each new record besides the caller's columns.
DECIDED_COLUMNS = ("status", "decided_at", "decided_by_id", "decision_reason", "capped_out")


def records_add_approved(
    *,
    actor: User | AnonymousUser | None,
    records: Sequence[ServiceRecord],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    batch_size: int = 5000,
    now: datetime | None = None,
) -> tuple[int, int, list[ServiceRecord]]:
    """Insert new service records already approved, with their award entries: work verified before
    this site (a history import). `rows[i]` is the record `records[i]` describes (as
    `records_approve_bulk` reads one, with its reserved id), in `columns` order without
    DECIDED_COLUMNS. The same rules, caps, keys and explanations as any approval; nothing to claim,
    as nobody else can see these rows yet. Returns (entries posted, capped out, records refused)."""
    now = now or timezone.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    actor_id = actor.pk if actor is not None else None
    rules, holidays = _Rules(), set(PublicHoliday.objects.values_list("date", flat=True))
    posted = capped_count = 0
    refused: list[ServiceRecord] = []
    capped: Collection[int]
    with transaction.atomic():
        for start in range(0, len(records), batch_size):
            batch, batch_rows = records[start : start + batch_size], rows[start : start + batch_size]
            _lock_people(batch)
            postings, _awarded, capped, no_rule = _award_postings(
                batch,
                rules=rules,
                holidays=holidays,
                earned=earned_so_far((r.contributor_id, r.service_type_id, r.date) for r in batch),
                keys=approval_keys([r.pk for r in batch]),
            )
            capped, no_rule_ids = set(capped), {r.pk for r in no_rule}
            approved = ServiceRecord.Status.APPROVED
            rows_insert(
                ServiceRecord,
                (*columns, *DECIDED_COLUMNS),
                [
                    (*row, approved, now, actor_id, "", record.pk in capped)
                    for record, row in zip(batch, batch_rows, strict=True)
                    if record.pk not in no_rule_ids
                ],
            )
            entries = entries_post(postings, actor=actor, now=now)
            if batch:
                audit(
                    actor=actor,
                    action="records_add_approved",
                    obj=ServiceRecord(pk=batch[0].pk),
                    records=len(batch) - len(no_rule),
                    first=batch[0].pk,
                    last=batch[-1].pk,
                    entries=len(entries),
                    capped=len(capped),
                )
            posted, capped_count, refused = posted + len(entries), capped_count + len(capped), refused + no_rule
    return posted, capped_count, refused


def records_approve_bulk(
    *,
    actor: User | AnonymousUser | None,
    records: Iterable[ServiceRecord],
    batch_size: int = 5000,
    now: datetime | None = None,
) -> tuple[int, int, list[ServiceRecord]]:
    """Approve `records` (an iterable of waiting ServiceRecords with `venue` loaded), in batches, as
    `record_approve` would one after the other in this order. Keep one person's records in one batch
    where you can (order by contributor): caps are counted per person and day across batches all the
    same. Returns (entries posted, approved with no points because a cap was reached, records refused
    for want of a rule or because they are the actor's own work)."""
    now = now or timezone.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    rules = _Rules()
    holidays = set(PublicHoliday.objects.values_list("date", flat=True))
    posted = capped = 0
    refused: list[ServiceRecord] = []
    batch: list[ServiceRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= batch_size:
            counts = _approve_batch(batch, actor=actor, now=now, rules=rules, holidays=holidays)
            posted, capped, refused = posted + counts[0], capped + counts[1], refused + counts[2]
            batch = []
    if batch:
        counts = _approve_batch(batch, actor=actor, now=now, rules=rules, holidays=holidays)
        posted, capped, refused = posted + counts[0], capped + counts[1], refused + counts[2]
    return posted, capped, refused
