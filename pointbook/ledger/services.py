"""Every write to points. `entry_post` is the one way an entry is made, and `entries_post` the same for
many at once (bulk approval, a history import); approvals and reversals go through them in the same
transaction as the decision they record."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, DecimalField, F, Func, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit
from core.bulk_insert import ids_reserve, rows_insert
from pointbook.ledger import trigger_sql
from pointbook.ledger.rules import CENT, award_proposal, explain, rule_in_force
from pointbook.models import LedgerEntry
from pointbook.standings.services import standings_check
from volunteers.models import Contributor, ServiceRecord
from volunteers.people.duties import refuse_own

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from django.contrib.auth.models import AnonymousUser

    from pointbook.models import ConductRule, PointsRule
    from volunteers.models import Region, User


class IdempotencyConflict(Exception):
    """The key was used before for a different posting: never a silent second entry."""


# What must match for a replay with the same key to be "the same posting".
_SAME = ("contributor_id", "points", "kind", "source", "source_id", "reverses_id")


def _points_checked(points: Decimal | int | str) -> Decimal:
    points = Decimal(points).quantize(CENT)
    if points == 0:
        raise ValueError("a ledger entry never carries zero points")
    return points


def _replay_check(key: str, existing: Iterable[Any], wanted: Iterable[Any]) -> None:
    """A key posted before: the same posting (the `_SAME` values, in order) is a replay, anything else
    a conflict."""
    if tuple(existing) != tuple(wanted):
        raise IdempotencyConflict(key)


def entry_post(
    *,
    contributor: Contributor,
    points: Decimal,
    kind: str,
    source: str,
    source_id: int,
    idempotency_key: str,
    breakdown: dict[str, Any],
    effective_date: date,
    hours: Decimal | None = None,
    rule: PointsRule | None = None,
    conduct_rule: ConductRule | None = None,
    service_type_id: int | None = None,
    reverses: LedgerEntry | None = None,
    actor: User | AnonymousUser | None = None,
) -> LedgerEntry:
    """Post one entry, or return the entry already posted under `idempotency_key` if it is the same
    posting; the same key with different content raises IdempotencyConflict."""
    points = _points_checked(points)
    wanted = (contributor.pk, points, kind, source, source_id, reverses.pk if reverses else None)
    with transaction.atomic():
        existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            with translation.override("zh-hans"):  # stored text in the default language; pages re-explain
                text = explain(kind, breakdown)
            try:
                with transaction.atomic():
                    return LedgerEntry.objects.create(
                        contributor=contributor,
                        points=points,
                        hours=hours,
                        kind=kind,
                        source=source,
                        source_id=source_id,
                        rule=rule,
                        conduct_rule=conduct_rule,
                        service_type_id=service_type_id,
                        explanation=text[:300],
                        breakdown=breakdown,
                        reverses=reverses,
                        idempotency_key=idempotency_key,
                        effective_date=effective_date,
                        actor=actor if actor is not None and actor.is_authenticated else None,
                    )
            except IntegrityError:
                # Another writer posted this key first (or the reversal target is taken): compare with it.
                existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
                if existing is None:
                    raise
    _replay_check(idempotency_key, (getattr(existing, name) for name in _SAME), wanted)
    return existing


@dataclass(slots=True)
class Posting:
    """One entry for `entries_post`: what `entry_post` takes, by ids (a caller posting thousands holds
    no model objects)."""

    contributor_id: int
    points: Decimal
    kind: str
    source: str
    source_id: int
    idempotency_key: str
    breakdown: dict[str, Any]
    effective_date: date
    hours: Decimal | None = None
    rule_id: int | None = None
    conduct_rule_id: int | None = None
    service_type_id: int | None = None
    reverses_id: int | None = None

    def same(self, points: Decimal) -> tuple[Any, ...]:
        """The `_SAME` values, with `points` as checked."""
        return (self.contributor_id, points, self.kind, self.source, self.source_id, self.reverses_id)


# What `entries_post` writes of a posting besides its id, conduct rule and reversal (the order of the
# rows `core.bulk_insert.rows_insert` takes; the benchmarks build rows of it too).
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
_INSERT_COLUMNS = ("id", *ENTRY_COLUMNS, "conduct_rule_id", "reverses_id")
_KEYS_PER_QUERY = 2000


def _posted_under(keys: Collection[str]) -> dict[str, tuple[int, tuple[Any, ...]]]:
    """{key: (entry id, its `_SAME` values)} of the keys already posted."""
    wanted: list[str] = list(keys)
    found: dict[str, tuple[int, tuple[Any, ...]]] = {}
    for start in range(0, len(wanted), _KEYS_PER_QUERY):
        rows = LedgerEntry.objects.filter(idempotency_key__in=wanted[start : start + _KEYS_PER_QUERY]).values_list(
            "idempotency_key", "pk", *_SAME
        )
        found.update((key, (pk, tuple(same))) for key, pk, *same in rows)
    return found


def entries_post(
    postings: Iterable[Posting],
    *,
    actor: User | AnonymousUser | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Post many entries as `entry_post` posts one: the same checks (no zero points), the same
    explanations (stored in the default language), the same idempotency (a key posted before with the
    same content gives back that entry, with other content raises IdempotencyConflict; a key twice in
    `postings` likewise). The new entries go in with one set-based insert; keys posted before are found
    when it meets them. Returns each posting's entry id, in order. Like `entry_post`, it takes no lock:
    the caller holds the people's locks its postings need (caps, keys counted from the ledger)."""
    postings = list(postings)
    if not postings:
        return []
    points = [_points_checked(posting.points) for posting in postings]
    now = now or timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    first: dict[str, int] = {}  # each key's first posting
    for i, posting in enumerate(postings):
        j = first.setdefault(posting.idempotency_key, i)
        if j != i:
            _replay_check(posting.idempotency_key, postings[j].same(points[j]), posting.same(points[i]))
    texts: dict[tuple[str, str], str] = {}  # most explanations repeat: the same rule, hours and factors
    posted: dict[str, int] = {}  # keys found posted before, and their entries
    with transaction.atomic():
        while True:
            new = [i for key, i in first.items() if key not in posted]
            ids, rows = dict(posted), []
            with translation.override("zh-hans"):  # stored text in the default language; pages re-explain
                for pk, i in zip(ids_reserve(LedgerEntry, len(new)) if new else (), new, strict=True):
                    p = postings[i]
                    text_key = (p.kind, repr(p.breakdown))
                    text = texts.get(text_key)
                    if text is None:
                        text = texts[text_key] = explain(p.kind, p.breakdown)[:300]
                    ids[p.idempotency_key] = pk
                    # fmt: off
                    rows.append((
                        pk, p.contributor_id, points[i], p.hours, p.kind, p.source, p.source_id, p.rule_id,
                        p.service_type_id, text, p.breakdown, p.idempotency_key, p.effective_date, actor_id, now,
                        p.conduct_rule_id, p.reverses_id,
                    ))
                    # fmt: on
            if not rows:
                break
            try:
                with transaction.atomic():
                    rows_insert(LedgerEntry, _INSERT_COLUMNS, rows)
                break
            except IntegrityError:
                # Some keys were posted before (a replay) or by another writer meanwhile (or a reversal
                # target is taken): compare with what was posted, as `entry_post` does, and insert the
                # rest again. Looking keys up only now keeps the usual case, all new, to one statement.
                found = _posted_under([postings[i].idempotency_key for i in new])
                if not found:
                    raise
                for key, (pk, same) in found.items():
                    i = first[key]
                    _replay_check(key, same, postings[i].same(points[i]))
                    posted[key] = pk
    return [ids[posting.idempotency_key] for posting in postings]


def approval_keys(record_ids: Collection[int]) -> dict[int, str]:
    """{record id: the idempotency key of its next award}, in one query. A record approved, un-approved
    and approved again gets a new award each time it is approved: the n-th award's key ends in n."""
    earlier = dict(
        LedgerEntry.objects.filter(
            source=LedgerEntry.Source.SERVICE_RECORD, source_id__in=record_ids, kind=LedgerEntry.Kind.AWARD
        )
        .order_by()
        .values("source_id")
        .annotate(n=Count("id"))
        .values_list("source_id", "n")
    )
    return {pk: f"record:{pk}:award:{earlier.get(pk, 0) + 1}" for pk in record_ids}


def _approval_key(record: ServiceRecord) -> str:
    return approval_keys([record.pk])[record.pk]


# What a rule version's audit row leaves out: the rest is what staff set.
_RULE_NOT_AUDITED = ("id", "created_by", "created_at")


@transaction.atomic
def rule_version_save(*, actor: User, version: PointsRule | ConductRule) -> PointsRule | ConductRule:
    """Save a new version of a points rule or of a penalty or bonus rule (unsaved: the staff form's
    instance), with its audit row. One version a day per rule: another from the same date is refused.
    Approvals from its date on use it; re-scoring applies it to records approved before."""
    version.created_by = actor
    try:
        with transaction.atomic():
            version.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationError(
            {"effective_from": _("A version from this date exists already; choose another date.")}
        ) from exc
    audit(
        actor=actor,
        action="rule_version_add",
        obj=version,
        **{
            field.attname: str(getattr(version, field.attname))
            for field in version._meta.concrete_fields
            if field.name not in _RULE_NOT_AUDITED
        },
    )
    return version


def _require_scope(scope: Region | None, record: ServiceRecord) -> None:
    if scope is not None and not scope.contains(record.region):
        raise ValidationError(_("This record is outside your region."))


# Sums of points come back as exact cents on every database (SQLite adds decimals as floats).
POINTS: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
HALF_CENT = Decimal("0.005")

# Entries that count as points earned in a service type (award, its reversal, re-scoring).
EARNED_SOURCES = (LedgerEntry.Source.SERVICE_RECORD, LedgerEntry.Source.RESCORE)


class Earned:
    """Points people hold in a service type (awards, their reversals, re-scoring) per day and per
    year: what the caps count. An approval of many records adds each award as it goes, so the next
    record's caps count it as if it had been approved on its own."""

    __slots__ = ("day", "year")

    def __init__(self) -> None:
        self.day: defaultdict[tuple[int, int | None, date], Decimal] = defaultdict(Decimal)
        self.year: defaultdict[tuple[int, int | None, int], Decimal] = defaultdict(Decimal)

    def before(self, contributor_id: int, service_type_id: int | None, day: date) -> tuple[Decimal, Decimal]:
        """(points that day, points that year) the person holds in this service type."""
        return self.day[(contributor_id, service_type_id, day)], self.year[(contributor_id, service_type_id, day.year)]

    def add(self, contributor_id: int, service_type_id: int | None, day: date, points: Decimal) -> None:
        self.day[(contributor_id, service_type_id, day)] += points
        self.year[(contributor_id, service_type_id, day.year)] += points


def earned_so_far(keys: Iterable[tuple[int, int, date]]) -> Earned:
    """What people hold on each (person, service type, day) of `keys` and in that day's year, from the
    ledger: two grouped queries however many keys (a batch of approvals asks for all its records')."""
    keys = set(keys)
    earned = Earned()
    if not keys:
        return earned
    days, years = {day for _p, _t, day in keys}, {day.year for _p, _t, day in keys}
    entries = LedgerEntry.objects.filter(
        contributor_id__in={person for person, _t, _d in keys},
        service_type_id__in={type_id for _p, type_id, _d in keys},
        source__in=EARNED_SOURCES,
    ).order_by()
    # To the cent: SQLite sums decimals as floats.
    for person, type_id, day, total in (
        entries.filter(effective_date__in=days)
        .values("contributor_id", "service_type_id", "effective_date")
        .annotate(s=Sum("points"))
        .values_list("contributor_id", "service_type_id", "effective_date", "s")
    ):
        earned.day[(person, type_id, day)] = Decimal(total).quantize(CENT)
    for person, type_id, year, total in (
        entries.filter(effective_date__gte=date(min(years), 1, 1), effective_date__lt=date(max(years) + 1, 1, 1))
        .annotate(y=ExtractYear("effective_date"))
        .values("contributor_id", "service_type_id", "y")
        .annotate(s=Sum("points"))
        .values_list("contributor_id", "service_type_id", "y", "s")
    ):
        earned.year[(person, type_id, year)] = Decimal(total).quantize(CENT)
    return earned


def earned_before(contributor_id: int, service_type_id: int, day: date) -> tuple[Decimal, Decimal]:
    """(points that day, points that year) the person holds in this service type: what caps count."""
    return earned_so_far([(contributor_id, service_type_id, day)]).before(contributor_id, service_type_id, day)


def _decide(record: ServiceRecord, status: str, actor: User, now: datetime, reason: str = "") -> None:
    record.status, record.decided_at, record.decided_by, record.decision_reason = status, now, actor, reason
    record.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "capped_out"])


@transaction.atomic
def record_approve(
    *, actor: User, scope: Region | None, record: ServiceRecord, now: datetime | None = None
) -> LedgerEntry | None:
    """Approve a service record waiting for a decision and post its award, in one transaction.
    Returns the award entry, or None when the day's or year's cap was already reached (the record
    is approved with no points, and says so). Approving an approved record again changes nothing."""
    now = now or timezone.now()
    # The person first: the caps read all their awards, so their approvals go one at a time.
    Contributor.objects.select_for_update().filter(pk=record.contributor_id).first()
    record = (
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("venue", "region", "contributor")
        .get(pk=record.pk)
    )
    _require_scope(scope, record)
    refuse_own(actor, record.contributor)
    if record.status == ServiceRecord.Status.APPROVED:
        return _net_award(record)
    if record.status not in ServiceRecord.WAITING:
        raise ValidationError(_("Only records waiting for a decision can be approved."))
    rule = rule_in_force(record.service_type_id, record.date)
    if rule is None:
        raise ValidationError(
            _("No points rule is in force for %(type)s on %(date)s; add one first.")
            % {"type": record.service_type, "date": record.date}
        )
    day, year = earned_before(record.contributor_id, record.service_type_id, record.date)
    points, breakdown = award_proposal(record, rule, day_earned=day, year_earned=year)
    entry = None
    if points:
        entry = entry_post(
            contributor=record.contributor,
            points=points,
            hours=record.hours,
            kind=LedgerEntry.Kind.AWARD,
            source=LedgerEntry.Source.SERVICE_RECORD,
            source_id=record.pk,
            idempotency_key=_approval_key(record),
            breakdown=breakdown,
            effective_date=record.date,
            rule=rule,
            service_type_id=record.service_type_id,
            actor=actor,
        )
    record.capped_out = entry is None
    _decide(record, ServiceRecord.Status.APPROVED, actor, now)
    audit(actor=actor, action="record_approve", obj=record, entry=entry.pk if entry else None, points=str(points))
    return entry


def records_approve(
    *, actor: User, scope: Region | None, records: Iterable[ServiceRecord]
) -> tuple[list[LedgerEntry | None], list[tuple[ServiceRecord, str]]]:
    """Bulk approval from the staff queue: each record on its own, so one without a rule does not
    hold up the rest. Returns ([award entry, or None when capped out], [(record, message)])."""
    done, refused = [], []
    for record in records:
        try:
            done.append(record_approve(actor=actor, scope=scope, record=record))
        except ValidationError as exc:
            refused.append((record, " ".join(exc.messages)))
    return done, refused


@transaction.atomic
def record_reject(
    *, actor: User, scope: Region | None, record: ServiceRecord, reason: str, now: datetime | None = None
) -> ServiceRecord:
    """Refuse a record that waits for a decision, with a reason the contributor sees."""
    record = (
        ServiceRecord.objects.select_for_update(of=("self",)).select_related("region", "contributor").get(pk=record.pk)
    )
    _require_scope(scope, record)
    refuse_own(actor, record.contributor)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the contributor a reason.")})
    if record.status not in ServiceRecord.WAITING:
        raise ValidationError(_("Only records waiting for a decision can be rejected."))
    _decide(record, ServiceRecord.Status.REJECTED, actor, now or timezone.now(), reason.strip())
    audit(actor=actor, action="record_reject", obj=record, reason=record.decision_reason)
    return record


def _net_award(record: ServiceRecord) -> LedgerEntry | None:
    """The record's award that has not been reversed, or None."""
    return (
        LedgerEntry.objects.filter(
            source=LedgerEntry.Source.SERVICE_RECORD,
            source_id=record.pk,
            kind=LedgerEntry.Kind.AWARD,
            reversed_by__isnull=True,
        )
        .order_by("-id")
        .first()
    )


@transaction.atomic
def record_unapprove(
    *, actor: User, scope: Region | None, record: ServiceRecord, reason: str, now: datetime | None = None
) -> LedgerEntry | None:
    """Take back an approval (the record was found false): reversal entries cancel its award and any
    re-scoring, and the record goes back to waiting for a decision. Nothing is edited in the ledger."""
    Contributor.objects.select_for_update().filter(pk=record.contributor_id).first()
    record = (
        ServiceRecord.objects.select_for_update(of=("self",)).select_related("region", "contributor").get(pk=record.pk)
    )
    _require_scope(scope, record)
    refuse_own(actor, record.contributor)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the approval is withdrawn; the contributor sees it.")})
    if record.status != ServiceRecord.Status.APPROVED:
        raise ValidationError(_("This record is not approved."))
    standing = (
        LedgerEntry.objects.filter(source__in=EARNED_SOURCES, source_id=record.pk, reversed_by__isnull=True)
        .exclude(kind=LedgerEntry.Kind.REVERSAL)
        .order_by("id")
    )
    reversals = [entry_reverse(actor=actor, entry=entry, reason=reason.strip()) for entry in standing]
    record.capped_out = False
    waiting = ServiceRecord.Status.SUBMITTED if record.is_logged else ServiceRecord.Status.VERIFIED_ATTENDANCE
    _decide(record, waiting, actor, now or timezone.now(), reason.strip())
    audit(
        actor=actor, action="record_unapprove", obj=record, reversals=[r.pk for r in reversals], reason=reason.strip()
    )
    return reversals[0] if reversals else None


def entry_reverse(*, actor: User | AnonymousUser | None, entry: LedgerEntry, reason: str) -> LedgerEntry:
    """A new entry that cancels `entry` exactly (same person, opposite points and hours)."""
    return entry_post(
        contributor=entry.contributor,
        points=-entry.points,
        hours=-entry.hours if entry.hours else None,
        kind=LedgerEntry.Kind.REVERSAL,
        source=entry.source,
        source_id=entry.source_id,
        idempotency_key=f"reversal:{entry.pk}",
        reverses=entry,
        effective_date=entry.effective_date,
        rule=entry.rule,
        conduct_rule=entry.conduct_rule,
        service_type_id=entry.service_type_id,
        breakdown={"reason": reason, "reversed": entry.pk, "reversed_date": entry.effective_date.isoformat()},
        actor=actor,
    )


def ledger_verify() -> list[str]:
    """Check the ledger's invariants; returns a list of problems (empty when all hold). Each check is
    one query the database answers, so it runs on millions of entries without loading them."""
    problems = [f"entry {pk}: zero points" for pk in LedgerEntry.objects.filter(points=0).values_list("pk", flat=True)]
    reversals = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REVERSAL)
    for pk in reversals.filter(reverses__isnull=True).values_list("pk", flat=True):
        problems.append(f"reversal {pk}: points at no entry")
    for pk, target in reversals.exclude(contributor_id=F("reverses__contributor_id")).values_list("pk", "reverses_id"):
        problems.append(f"reversal {pk}: reverses entry {target} of another contributor")
    inexact = reversals.exclude(points=-F("reverses__points")) | reversals.exclude(
        hours__isnull=True, reverses__hours__isnull=True
    ).exclude(hours=-F("reverses__hours"))
    for pk, target in inexact.values_list("pk", "reverses_id").distinct():
        problems.append(f"reversal {pk}: does not cancel entry {target} exactly")
    for pk in LedgerEntry.objects.filter(reverses__kind=LedgerEntry.Kind.REVERSAL).values_list("pk", flat=True):
        problems.append(f"reversal {pk}: reverses a reversal")

    def per_record(entries: QuerySet[LedgerEntry]) -> Coalesce:
        return Coalesce(
            Subquery(
                entries.filter(source_id=OuterRef("pk"))
                .order_by()
                .values("source_id")
                .annotate(n=Func(F("id"), function="COUNT"))
                .values("n")
            ),
            0,
        )

    awards = LedgerEntry.objects.filter(
        source=LedgerEntry.Source.SERVICE_RECORD, kind=LedgerEntry.Kind.AWARD, reversed_by__isnull=True
    )
    points = Coalesce(
        Subquery(
            LedgerEntry.objects.filter(source__in=EARNED_SOURCES, source_id=OuterRef("pk"))
            .order_by()
            .values("source_id")
            .annotate(s=Sum("points"))
            .values("s")
        ),
        Decimal(0),
        output_field=POINTS,
    )
    approved = ServiceRecord.Status.APPROVED
    records = ServiceRecord.objects.annotate(net_awards=per_record(awards), net_points=points).filter(
        (Q(status=approved, capped_out=False) & ~Q(net_awards=1))
        | (Q(status=approved, capped_out=True) & ~Q(net_awards=0))
        # Not "!= 0": SQLite adds decimals as floats, so a cancelled record can hold 1e-15.
        | (~Q(status=approved) & (~Q(net_awards=0) | Q(net_points__gt=HALF_CENT) | Q(net_points__lt=-HALF_CENT)))
    )
    for pk, status, net_awards, net_points in records.values_list("pk", "status", "net_awards", "net_points"):
        if status == approved:
            problems.append(f"record {pk}: approved with {net_awards} net awards")
        else:
            problems.append(
                f"record {pk}: not approved but {net_awards} net awards"
                if net_awards
                else f"record {pk}: not approved but {net_points} net points"
            )
    # Spending's own checks (balances, debits and refunds, stock); imported here because incentives
    # posts through this module.
    from pointbook.incentives.services import incentives_check

    return problems + totals_check() + standings_check() + incentives_check()


def totals_rebuild() -> int:
    """Sum the kept totals (`LedgerTotal`) again from the entries, replacing what the table holds: after a
    restore that loaded totals and entries both (the insert trigger adds the entries on top of the loaded
    totals), or one that loaded entries with the trigger switched off. Derived data only: no entry is
    touched. On PostgreSQL the ledger is locked against inserts meanwhile. Returns the number of totals."""
    year = trigger_sql.YEAR[connection.vendor].format(date="effective_date")
    rows = trigger_sql.SUMMED.format(year=year, source=trigger_sql.LEDGER)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {trigger_sql.LEDGER} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {trigger_sql.TOTALS}")
        cursor.execute(f"INSERT INTO {trigger_sql.TOTALS} ({trigger_sql.COLUMNS}) {rows}")
        return cursor.rowcount


def totals_check() -> list[str]:
    """The totals the database keeps per contributor, year and service type (`LedgerTotal`, what the
    standings read) must equal the ledger summed the same way: points and hours to the cent, the
    number of entries and the latest entry's time. One query; a problem per year that differs."""
    year = trigger_sql.YEAR[connection.vendor].format(date="effective_date")
    sql = f"""
    SELECT y, COUNT(*) FROM (
      SELECT k1, y, k3 FROM (
        SELECT contributor_id AS k1, {year} AS y, COALESCE(service_type_id, 0) AS k3, points AS p,
               COALESCE(hours, 0) AS h, 1 AS n, created_at AS entered, NULL AS kept, 0 AS rows_kept
        FROM {trigger_sql.LEDGER} WHERE {trigger_sql.EARNED}
        UNION ALL
        SELECT contributor_id, year, service_type, -points, -hours, -entries, NULL, reached_at, 1 FROM {trigger_sql.TOTALS}
      ) both_sides GROUP BY k1, y, k3
      HAVING SUM(p) > 0.005 OR SUM(p) < -0.005 OR SUM(h) > 0.005 OR SUM(h) < -0.005 OR SUM(n) <> 0
          OR SUM(rows_kept) <> 1 OR MAX(entered) <> MAX(kept)
    ) differing GROUP BY y ORDER BY y"""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [
            f"ledger totals {y}: {n} contributor and service-type totals differ from the ledger"
            for y, n in cursor.fetchall()
        ]
