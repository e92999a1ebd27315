"""Approving many records at once (the demo's three years, a history import): the same rules,
caps, idempotency keys and invariants as `services.record_approve`, written in batches.

A batch is one transaction: its records are claimed with a conditional update (only those still
waiting), their awards computed with each person's caps counted from the ledger and from the
batch so far, and the entries inserted together. A key already used makes the whole batch fail
(IntegrityError), as a replayed posting must never add a second entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Container, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from core.audit import audit
from core.bulk_insert import rows_insert
from pointbook.ledger.rules import award_proposal, explain, is_night_or_holiday
from pointbook.ledger.services import CENT, EARNED_SOURCES
from pointbook.models import LedgerEntry, PointsRule, PublicHoliday
from volunteers.models import Contributor, ServiceRecord

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from volunteers.models import User

    # What a person holds per (person, service type, day) and per (person, service type, year).
    DayEarned = defaultdict[tuple[int, int | None, date], Decimal]
    YearEarned = defaultdict[tuple[int, int | None, int], Decimal]
    # The explanations already made, by what they depend on (rule, hours, factors, cap, earned before).
    Texts = dict[tuple[Any, ...], str]


class _Rules:
    """Every rule version in memory, newest first per service type (there are a few dozen)."""

    def __init__(self) -> None:
        self.by_type: defaultdict[int, list[PointsRule]] = defaultdict(list)
        for rule in PointsRule.objects.order_by("-effective_from"):
            self.by_type[rule.service_type_id].append(rule)

    def in_force(self, service_type_id: int, day: date) -> PointsRule | None:
        return next((r for r in self.by_type[service_type_id] if r.effective_from <= day), None)


def _earned(contributor_ids: Iterable[int]) -> tuple[DayEarned, YearEarned]:
    """What these people hold per (person, type, day) and (person, type, year): the caps' start."""
    entries = LedgerEntry.objects.filter(contributor_id__in=contributor_ids, source__in=EARNED_SOURCES)
    day, year = defaultdict(Decimal), defaultdict(Decimal)
    for row in entries.values("contributor_id", "service_type_id", "effective_date").annotate(s=Sum("points")):
        day[(row["contributor_id"], row["service_type_id"], row["effective_date"])] = Decimal(row["s"]).quantize(CENT)
    for row in (
        entries.annotate(y=ExtractYear("effective_date"))
        .values("contributor_id", "service_type_id", "y")
        .annotate(s=Sum("points"))
    ):
        year[(row["contributor_id"], row["service_type_id"], row["y"])] = Decimal(row["s"]).quantize(CENT)
    return day, year


ENTRY_COLUMNS = (
    "contributor_id",
    "points",
    "hours",
    "kind",
    "source",
    "source_id",
    "rule_id",
    "service_type_id",
    "explanation",
    "breakdown",
    "idempotency_key",
    "effective_date",
    "actor_id",
    "created_at",
)


def _lock_people(records: Iterable[ServiceRecord]) -> None:
    # The people first, in id order, as `record_approve` does: caps read all their awards, so no
    # single approval of theirs can slip in between (and two lockers never wait in a circle).
    list(
        Contributor.objects.select_for_update()
        .filter(pk__in={r.contributor_id for r in records})
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _awards(
    records: Iterable[ServiceRecord],
    *,
    actor_id: int | None,
    now: datetime,
    rules: _Rules,
    holidays: Container[date],
    texts: Texts,
    earlier: Mapping[int, int],
) -> tuple[list[tuple[Any, ...]], list[int], list[int], list[ServiceRecord]]:
    """The award entries of `records` (rows for ENTRY_COLUMNS), with each person's caps counted from the
    ledger and from the records before in the batch; and the ids capped out, the ids awarded, and the
    records refused for want of a rule. `earlier` counts each record's earlier awards (for its key)."""
    day, year = _earned({r.contributor_id for r in records})
    entries, capped, awarded, refused = [], [], [], []
    for record in records:
        rule = rules.in_force(record.service_type_id, record.date)
        if rule is None:
            refused.append(record)
            continue
        day_key = (record.contributor_id, record.service_type_id, record.date)
        year_key = (record.contributor_id, record.service_type_id, record.date.year)
        points, breakdown = award_proposal(
            record,
            rule,
            day_earned=day[day_key],
            year_earned=year[year_key],
            night_or_holiday=is_night_or_holiday(record, holidays),
        )
        if not points:
            capped.append(record.pk)
            continue
        day[day_key] += points
        year[year_key] += points
        awarded.append(record.pk)
        text_key = (
            rule.pk,
            breakdown["hours"],
            tuple(f["name"] for f in breakdown["factors"]),
            breakdown["cap"],
            breakdown["earned_before"],
        )
        text = texts.get(text_key)
        if text is None:
            text = texts[text_key] = explain("award", breakdown)[:300]
        entries.append(
            (
                record.contributor_id,
                points,
                record.hours,
                LedgerEntry.Kind.AWARD,
                LedgerEntry.Source.SERVICE_RECORD,
                record.pk,
                rule.pk,
                record.service_type_id,
                text,
                breakdown,
                f"record:{record.pk}:award:{earlier.get(record.pk, 0) + 1}",
                record.date,
                actor_id,
                now,
            )
        )
    return entries, capped, awarded, refused


def _approve_batch(
    records: list[ServiceRecord],
    *,
    actor: User | None,
    now: datetime,
    rules: _Rules,
    holidays: Container[date],
    texts: Texts,
) -> tuple[int, int, list[ServiceRecord]]:
    ids = [r.pk for r in records]
    actor_id = actor.pk if actor is not None else None
    with transaction.atomic():
        _lock_people(records)
        # Claim: only records still waiting are ours; anything decided meanwhile is left alone.
        waiting = set(
            ServiceRecord.objects.select_for_update()
            .filter(pk__in=ids, status__in=ServiceRecord.WAITING)
            .values_list("pk", flat=True)
        )
        records = [r for r in records if r.pk in waiting]
        earlier = dict(
            LedgerEntry.objects.filter(
                source=LedgerEntry.Source.SERVICE_RECORD, source_id__in=waiting, kind=LedgerEntry.Kind.AWARD
            )
            .values("source_id")
            .annotate(n=Count("id"))
            .values_list("source_id", "n")
        )
        entries, capped, awarded, refused = _awards(
            records, actor_id=actor_id, now=now, rules=rules, holidays=holidays, texts=texts, earlier=earlier
        )
        rows_insert(LedgerEntry, ENTRY_COLUMNS, entries)
        decided = {
            "status": ServiceRecord.Status.APPROVED,
            "decided_at": now,
            "decided_by": actor,
            "decision_reason": "",
        }
        ServiceRecord.objects.filter(pk__in=awarded).update(capped_out=False, **decided)
        ServiceRecord.objects.filter(pk__in=capped).update(capped_out=True, **decided)
        if records:
            # One audit row per batch, on its first record (the rows name the range and counts).
            audit(
                actor=actor,
                action="records_approve_bulk",
                obj=ServiceRecord(pk=min(waiting)),
                records=len(records),
                first=min(waiting),
                last=max(waiting),
                entries=len(entries),
                capped=len(capped),
            )
    return len(entries), len(capped), refused


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
    from django.utils import translation

    now = now or timezone.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    actor_id = actor.pk if actor is not None else None
    texts: Texts
    rules, holidays, texts = _Rules(), set(PublicHoliday.objects.values_list("date", flat=True)), {}
    posted = capped_count = 0
    refused: list[ServiceRecord] = []
    capped: Collection[int]
    with translation.override("zh-hans"), transaction.atomic():  # stored text in the default language
        for start in range(0, len(records), batch_size):
            batch, batch_rows = records[start : start + batch_size], rows[start : start + batch_size]
            _lock_people(batch)
            entries, capped, _awarded, no_rule = _awards(
                batch, actor_id=actor_id, now=now, rules=rules, holidays=holidays, texts=texts, earlier={}
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
            rows_insert(LedgerEntry, ENTRY_COLUMNS, entries)
            if batch:
                audit(
                    actor=actor,
                    action="records_add_approved",
                    obj=ServiceRecord(pk=batch[0].pk),
                    records=len(batch),
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
    """Approve `records` (an iterable of waiting ServiceRecords with `venue` loaded), in batches.
    Keep one person's records in one batch where you can (order by contributor): caps are counted
    per person and day across batches all the same. Returns (entries posted, approved with no
    points because a cap was reached, records refused for want of a rule)."""
    from django.utils import translation

    now = now or timezone.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    rules = _Rules()
    holidays = set(PublicHoliday.objects.values_list("date", flat=True))
    posted = capped = 0
    refused: list[ServiceRecord] = []
    batch: list[ServiceRecord] = []
    with translation.override("zh-hans"):  # stored text in the default language, as entry_post does
        texts: Texts = {}
        for record in records:
            batch.append(record)
            if len(batch) >= batch_size:
                counts = _approve_batch(batch, actor=actor, now=now, rules=rules, holidays=holidays, texts=texts)
                posted, capped, refused = posted + counts[0], capped + counts[1], refused + counts[2]
                batch = []
        if batch:
            counts = _approve_batch(batch, actor=actor, now=now, rules=rules, holidays=holidays, texts=texts)
            posted, capped, refused = posted + counts[0], capped + counts[1], refused + counts[2]
    return posted, capped, refused
