"""Re-scoring after a rule change: what would change (who, how many points) before anything is
posted, then adjustment entries for the differences. Nothing already posted is edited."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date as Date
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from core.audit import audit
from core.jobs import job_enqueue
from pointbook.ledger.rules import award_proposal, is_night_or_holiday
from pointbook.ledger.services import CENT, EARNED_SOURCES, POINTS, entry_post
from pointbook.models import LedgerEntry, PointsRule, PublicHoliday
from volunteers.models import Contributor, ServiceRecord


@dataclass
class Change:
    record_id: int
    contributor_id: int
    name: str
    date: Date
    hours: Decimal
    current: Decimal
    target: Decimal
    rule: PointsRule

    @property
    def delta(self):
        return self.target - self.current


@dataclass(slots=True)
class _Venue:
    is_rural: bool


@dataclass(slots=True)
class _Scored:
    """What scoring reads of a record, fetched as plain values (no model per row: a year of one
    service type can be tens of thousands of records)."""

    pk: int
    contributor_id: int
    name: str
    date: Date
    hours: Decimal
    started_at: object
    special_groups: list
    venue: _Venue | None
    held: Decimal


def _records(service_type_id, from_date, contributor_id=None):
    held = (
        LedgerEntry.objects.filter(source__in=EARNED_SOURCES, source_id=OuterRef("pk"))
        .order_by()
        .values("source_id")
        .annotate(s=Sum("points"))
        .values("s")
    )
    records = (
        ServiceRecord.objects.filter(
            service_type_id=service_type_id, status=ServiceRecord.Status.APPROVED, date__gte=Date(from_date.year, 1, 1)
        )
        .annotate(held=Coalesce(Subquery(held), Decimal(0), output_field=POINTS))
        # Approval order within a person: the order the caps were filled in when approved.
        .order_by("contributor_id", "decided_at", "id")
    )
    if contributor_id is not None:
        records = records.filter(contributor_id=contributor_id)
    rural, plain = _Venue(True), _Venue(False)
    for pk, person, name, day, hours, started, groups, venue_id, is_rural, held in records.values_list(
        "pk",
        "contributor_id",
        "contributor__legal_name",
        "date",
        "hours",
        "started_at",
        "special_groups",
        "venue_id",
        "venue__is_rural",
        "held",
    ).iterator(chunk_size=5000):
        # To the cent: SQLite sums decimals as floats (10 - 0.80 - 9.10 = 0.0999999999999996).
        yield _Scored(
            pk,
            person,
            name,
            day,
            hours,
            started,
            groups or [],
            None if venue_id is None else (rural if is_rural else plain),
            Decimal(held).quantize(CENT),
        )


def rescore_plan(*, service_type_id, from_date, contributor_id=None):
    """Yield a Change for every approved record of the type, from 1 January of `from_date`'s year,
    whose points under the rules now in force differ from what it holds. Streams: one person's
    caps at a time in memory."""
    rules = list(PointsRule.objects.filter(service_type_id=service_type_id).order_by("-effective_from"))
    holidays = set(PublicHoliday.objects.filter(date__year__gte=from_date.year).values_list("date", flat=True))
    person, day_total, year_total = None, defaultdict(Decimal), defaultdict(Decimal)
    for record in _records(service_type_id, from_date, contributor_id):
        if record.contributor_id != person:
            person, day_total, year_total = record.contributor_id, defaultdict(Decimal), defaultdict(Decimal)
        rule = next((r for r in rules if r.effective_from <= record.date), None)
        if rule is None:
            continue
        target, _breakdown = award_proposal(
            record,
            rule,
            day_earned=day_total[record.date],
            year_earned=year_total[record.date.year],
            night_or_holiday=is_night_or_holiday(record, holidays),
        )
        day_total[record.date] += target
        year_total[record.date.year] += target
        if target != record.held:
            yield Change(
                record.pk, record.contributor_id, record.name, record.date, record.hours, record.held, target, rule
            )


def rescore_summary(*, service_type_id, from_date, show=100):
    """(first `show` changes, number of records, number of people, net points) for the preview."""
    changes, records, people, net = [], 0, set(), Decimal(0)
    for change in rescore_plan(service_type_id=service_type_id, from_date=from_date):
        if len(changes) < show:
            changes.append(change)
        records += 1
        people.add(change.contributor_id)
        net += change.delta
    return changes, records, len(people), net


def rescore_apply(*, actor, service_type_id, from_date):
    """Post an adjustment for each change, one person at a time under their lock (so approvals in
    between are counted, not overwritten, and a second run finds nothing left to change), each
    person's adjustments with their audit row in one transaction. Returns the number of entries
    posted."""
    posted = 0
    people = sorted({c.contributor_id for c in rescore_plan(service_type_id=service_type_id, from_date=from_date)})
    for contributor_id in people:
        with transaction.atomic():
            contributor = Contributor.objects.select_for_update().get(pk=contributor_id)
            entries = []
            for change in rescore_plan(
                service_type_id=service_type_id, from_date=from_date, contributor_id=contributor_id
            ):
                # The n-th re-scoring of the record: a retried job (after a rollback) or a second
                # confirm meets the same n, while a rule that goes up, down and up again gets new keys.
                done = LedgerEntry.objects.filter(source=LedgerEntry.Source.RESCORE, source_id=change.record_id).count()
                entry = entry_post(
                    contributor=contributor,
                    points=change.delta,
                    kind=LedgerEntry.Kind.ADJUSTMENT,
                    source=LedgerEntry.Source.RESCORE,
                    source_id=change.record_id,
                    idempotency_key=f"rescore:{change.record_id}:{done + 1}",
                    breakdown={
                        "rescored_from": str(change.current),
                        "rescored_to": str(change.target),
                        "rule": change.rule.pk,
                        "rule_from": change.rule.effective_from.isoformat(),
                    },
                    effective_date=change.date,
                    rule=change.rule,
                    service_type_id=service_type_id,
                    actor=actor,
                )
                entries.append(entry.pk)
            if entries:
                audit(
                    actor=actor,
                    action="rescore_apply",
                    obj=contributor,
                    service_type=service_type_id,
                    from_date=from_date.isoformat(),
                    entries=entries,
                )
            posted += len(entries)
    return posted


def rescore_start(*, actor, service_type_id: int, from_date: Date):
    """Queue re-scoring of a service type from a date (a staff member confirmed the preview); a worker
    posts the adjustments once this commits."""
    return job_enqueue(
        task="rescore",
        args={"service_type_id": service_type_id, "from_date": from_date.isoformat()},
        requested_by=actor,
    )
