"""Every write to points. `entry_post` is the one way an entry is made; approvals and reversals go
through it in the same transaction as the decision they record."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _

from volunteers.models import ServiceRecord
from volunteers.services import audit

from .models import LedgerEntry
from .rules import award_proposal, explain, rule_in_force


class IdempotencyConflict(Exception):
    """The key was used before for a different posting: never a silent second entry."""


# What must match for a replay with the same key to be "the same posting".
_SAME = ("contributor_id", "points", "kind", "source", "source_id", "reverses_id")


def entry_post(*, contributor, points, kind, source, source_id, idempotency_key, breakdown, effective_date,
               hours=None, rule=None, reverses=None, actor=None):
    """Post one entry, or return the entry already posted under `idempotency_key` if it is the same
    posting; the same key with different content raises IdempotencyConflict."""
    points = Decimal(points).quantize(Decimal("0.01"))
    if points == 0:
        raise ValueError("a ledger entry never carries zero points")
    wanted = {"contributor_id": contributor.pk, "points": points, "kind": kind, "source": source,
              "source_id": source_id, "reverses_id": reverses.pk if reverses else None}
    with transaction.atomic():
        existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            with translation.override("zh-hans"):  # stored text in the default language; pages re-explain
                text = explain(kind, breakdown)
            try:
                with transaction.atomic():
                    return LedgerEntry.objects.create(
                        contributor=contributor, points=points, hours=hours, kind=kind, source=source,
                        source_id=source_id, rule=rule, explanation=text[:300], breakdown=breakdown,
                        reverses=reverses, idempotency_key=idempotency_key, effective_date=effective_date,
                        actor=actor if actor is not None and actor.is_authenticated else None)
            except IntegrityError:
                # Another writer posted this key first (or the reversal target is taken): compare with it.
                existing = LedgerEntry.objects.filter(idempotency_key=idempotency_key).first()
                if existing is None:
                    raise
    if any(getattr(existing, name) != value for name, value in wanted.items()):
        raise IdempotencyConflict(idempotency_key)
    return existing


def _approval_key(record):
    # A record approved, un-approved and approved again gets a new award each time it is approved.
    earlier = LedgerEntry.objects.filter(source=LedgerEntry.Source.SERVICE_RECORD, source_id=record.pk,
                                         kind=LedgerEntry.Kind.AWARD).count()
    return f"record:{record.pk}:award:{earlier + 1}"


def _require_scope(scope, record):
    if scope is not None and not scope.contains(record.region):
        raise ValidationError(_("This record is outside your region."))


@transaction.atomic
def record_approve(*, actor, scope, record, now=None):
    """Approve a verified service record and post its award, in one transaction. Approving an
    approved record again returns its award."""
    now = now or timezone.now()
    record = (ServiceRecord.objects.select_for_update(of=("self",)).select_related("venue", "region")
              .get(pk=record.pk))
    _require_scope(scope, record)
    if record.status == ServiceRecord.Status.APPROVED:
        return _net_award(record)
    if record.status != ServiceRecord.Status.VERIFIED_ATTENDANCE:
        raise ValidationError(_("Only records waiting for a decision can be approved."))
    rule = rule_in_force(record.service_type_id, record.date)
    if rule is None:
        raise ValidationError(_("No points rule is in force for %(type)s on %(date)s; add one first.")
                              % {"type": record.service_type, "date": record.date})
    points, breakdown = award_proposal(record, rule)
    entry = entry_post(contributor=record.contributor, points=points, hours=record.hours,
                       kind=LedgerEntry.Kind.AWARD, source=LedgerEntry.Source.SERVICE_RECORD, source_id=record.pk,
                       idempotency_key=_approval_key(record), breakdown=breakdown, effective_date=record.date,
                       rule=rule, actor=actor)
    record.status, record.decided_at, record.decided_by, record.decision_reason = (
        ServiceRecord.Status.APPROVED, now, actor, "")
    record.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    audit(actor=actor, action="record_approve", obj=record, entry=entry.pk, points=str(points))
    return entry


def records_approve(*, actor, scope, records):
    """Bulk approval from the staff queue: each record on its own, so one without a rule does not
    hold up the rest. Returns (approved entries, [(record, message)])."""
    done, refused = [], []
    for record in records:
        try:
            done.append(record_approve(actor=actor, scope=scope, record=record))
        except ValidationError as exc:
            refused.append((record, " ".join(exc.messages)))
    return done, refused


@transaction.atomic
def record_reject(*, actor, scope, record, reason, now=None):
    """Refuse a record that waits for a decision, with a reason the contributor sees."""
    record = ServiceRecord.objects.select_for_update(of=("self",)).select_related("region").get(pk=record.pk)
    _require_scope(scope, record)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the contributor a reason.")})
    if record.status != ServiceRecord.Status.VERIFIED_ATTENDANCE:
        raise ValidationError(_("Only records waiting for a decision can be rejected."))
    record.status, record.decided_at, record.decided_by, record.decision_reason = (
        ServiceRecord.Status.REJECTED, now or timezone.now(), actor, reason.strip())
    record.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    audit(actor=actor, action="record_reject", obj=record, reason=record.decision_reason)
    return record


def _net_award(record):
    """The record's award that has not been reversed, or None."""
    return (LedgerEntry.objects.filter(source=LedgerEntry.Source.SERVICE_RECORD, source_id=record.pk,
                                       kind=LedgerEntry.Kind.AWARD, reversed_by__isnull=True)
            .order_by("-id").first())


@transaction.atomic
def record_unapprove(*, actor, scope, record, reason, now=None):
    """Take back an approval (the record was found false): a reversal entry cancels its award and
    the record goes back to waiting for a decision. Nothing is edited in the ledger."""
    record = ServiceRecord.objects.select_for_update(of=("self",)).select_related("region").get(pk=record.pk)
    _require_scope(scope, record)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the approval is withdrawn; the contributor sees it.")})
    if record.status != ServiceRecord.Status.APPROVED:
        raise ValidationError(_("This record is not approved."))
    award = _net_award(record)
    reversal = entry_reverse(actor=actor, entry=award, reason=reason.strip())
    record.status, record.decided_at, record.decided_by, record.decision_reason = (
        ServiceRecord.Status.VERIFIED_ATTENDANCE, now or timezone.now(), actor, reason.strip())
    record.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    audit(actor=actor, action="record_unapprove", obj=record, reversal=reversal.pk, reason=reason.strip())
    return reversal


def entry_reverse(*, actor, entry, reason):
    """A new entry that cancels `entry` exactly (same person, opposite points and hours)."""
    return entry_post(
        contributor=entry.contributor, points=-entry.points, hours=-entry.hours if entry.hours else None,
        kind=LedgerEntry.Kind.REVERSAL, source=entry.source, source_id=entry.source_id,
        idempotency_key=f"reversal:{entry.pk}", reverses=entry, effective_date=entry.effective_date,
        breakdown={"reason": reason, "reversed": entry.pk, "reversed_date": entry.effective_date.isoformat()},
        actor=actor)


def ledger_verify():
    """Check the ledger's invariants; returns a list of problems (empty when all hold)."""
    problems = []
    for entry in LedgerEntry.objects.filter(points=0).values_list("pk", flat=True):
        problems.append(f"entry {entry}: zero points")
    reversals = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REVERSAL).select_related("reverses")
    for r in reversals.iterator():
        target = r.reverses
        if target is None:
            problems.append(f"reversal {r.pk}: points at no entry")
        elif target.contributor_id != r.contributor_id:
            problems.append(f"reversal {r.pk}: reverses entry {target.pk} of another contributor")
        elif r.points != -target.points or (r.hours or 0) != -(target.hours or 0):
            problems.append(f"reversal {r.pk}: does not cancel entry {target.pk} exactly")
    net = (LedgerEntry.objects.filter(source=LedgerEntry.Source.SERVICE_RECORD,
                                      kind__in=[LedgerEntry.Kind.AWARD, LedgerEntry.Kind.REVERSAL])
           .values("source_id").annotate(awards=Count("id", filter=Q(kind=LedgerEntry.Kind.AWARD)),
                                         reversals=Count("id", filter=Q(kind=LedgerEntry.Kind.REVERSAL))))
    net_by_record = {row["source_id"]: row["awards"] - row["reversals"] for row in net}
    approved = set(ServiceRecord.objects.filter(status=ServiceRecord.Status.APPROVED).values_list("pk", flat=True))
    for record_id in approved:
        if net_by_record.get(record_id, 0) != 1:
            problems.append(f"record {record_id}: approved with {net_by_record.get(record_id, 0)} net awards")
    for record_id, count in net_by_record.items():
        if record_id not in approved and count != 0:
            problems.append(f"record {record_id}: not approved but {count} net awards")
    return problems


def balances_check():
    """Balances derived two ways (per person sums vs the grand total) must agree; cheap sanity check
    the standings refresh will extend."""
    total = LedgerEntry.objects.aggregate(s=Sum("points"))["s"] or 0
    per_person = sum(row["s"] for row in LedgerEntry.objects.values("contributor").annotate(s=Sum("points")))
    return [] if total == per_person else [f"sum of balances {per_person} differs from ledger total {total}"]
