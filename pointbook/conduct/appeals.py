"""Appeals: a contributor disputes a ledger entry or a rejected record; staff in scope answer with
an adjustment entry, by approving the record after all, or with a reasoned refusal. Nobody answers
their own appeal, and an adjustment above the city's threshold needs a second member of staff."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from pointbook.ledger.services import entry_post, record_approve
from pointbook.models import AdjustmentPolicy, Appeal, AppealMessage, LedgerEntry
from volunteers.models import ServiceRecord
from volunteers.people.duties import refuse_own

MAX_ADJUSTMENT = Decimal("10000")


def _body(text):
    text = (text or "").strip()
    if not text:
        raise ValidationError({"body": _("Write a message.")})
    if len(text) > 2000:
        raise ValidationError({"body": _("Keep the message under 2,000 characters.")})
    return text


def _entry_region(entry, contributor):
    if entry.source in (LedgerEntry.Source.SERVICE_RECORD, LedgerEntry.Source.RESCORE):
        record = ServiceRecord.objects.filter(pk=entry.source_id).select_related("region").first()
        if record is not None:
            return record.region
    return contributor.region


@transaction.atomic
def appeal_open(*, user, contributor, body, entry=None, record=None, now=None):
    """Open an appeal about one of the contributor's own entries or rejected records."""
    body = _body(body)
    if (entry is None) == (record is None):
        raise ValidationError(_("An appeal is about one entry or one record."))
    if entry is not None:
        if entry.contributor_id != contributor.pk:
            raise ValidationError(_("You can only appeal your own entries."))
        region = _entry_region(entry, contributor)
    else:
        if record.contributor_id != contributor.pk:
            raise ValidationError(_("You can only appeal your own records."))
        if record.status != ServiceRecord.Status.REJECTED:
            raise ValidationError(_("Only a rejected record can be appealed; amend it or wait for the decision."))
        region = record.region
    now = now or timezone.now()
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                contributor=contributor, entry=entry, record=record, region=region, created_at=now
            )
    except IntegrityError:
        raise ValidationError(_("An appeal about this is already open; add to its thread instead.")) from None
    AppealMessage.objects.create(appeal=appeal, author=user, body=body, created_at=now)
    audit(
        actor=user,
        action="appeal_open",
        obj=appeal,
        entry=entry.pk if entry else None,
        record=record.pk if record else None,
    )
    return appeal


def _lock_open(appeal, scope=None):
    appeal = Appeal.objects.select_for_update(of=("self",)).select_related("region", "contributor").get(pk=appeal.pk)
    if scope is not None and not scope.contains(appeal.region):
        raise ValidationError(_("This appeal is outside your region."))
    if appeal.status != Appeal.Status.OPEN:
        raise ValidationError(_("This appeal has been resolved."))
    return appeal


def _lock_for_decision(appeal, actor, scope):
    appeal = _lock_open(appeal, scope)
    refuse_own(actor, appeal.contributor)
    return appeal


@transaction.atomic
def appeal_reply(*, user, appeal, body, from_staff, scope=None, now=None):
    """Add to the thread while the appeal is open (staff in scope, or the contributor)."""
    body = _body(body)
    appeal = _lock_open(appeal, scope if from_staff else None)
    return AppealMessage.objects.create(
        appeal=appeal, author=user, from_staff=from_staff, body=body, created_at=now or timezone.now()
    )


def _close(appeal, status, actor, now, body, resolution=None, proposed_by=None):
    appeal.status, appeal.resolved_at, appeal.resolved_by, appeal.resolution = status, now, actor, resolution
    # A proposal still waiting is moot once the appeal is decided otherwise (its audit row stays);
    # an approved one keeps its proposer beside the approver.
    appeal.proposed_points, appeal.proposed_reason, appeal.proposed_at = None, "", None
    appeal.proposed_by = proposed_by
    fields = ["status", "resolved_at", "resolved_by", "resolution"]
    appeal.save(update_fields=[*fields, "proposed_points", "proposed_reason", "proposed_by", "proposed_at"])
    AppealMessage.objects.create(appeal=appeal, author=actor, from_staff=True, body=body, created_at=now)
    audit(actor=actor, action=f"appeal_{status}", obj=appeal, entry=resolution.pk if resolution else None)
    return appeal


def _points(points):
    try:
        points = Decimal(str(points)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationError({"points": _("Enter a number of points, e.g. 12.5 or -5.")}) from None
    if not points or abs(points) > MAX_ADJUSTMENT:
        raise ValidationError({"points": _("An adjustment is not zero and at most 10,000 points either way.")})
    return points


def needs_second_approval(points):
    return abs(points) > AdjustmentPolicy.current().second_approval_above


def _post_adjustment(appeal, *, points, reason, actor, now, proposed_by=None):
    entry = entry_post(
        contributor=appeal.contributor,
        points=points,
        kind=LedgerEntry.Kind.ADJUSTMENT,
        source=LedgerEntry.Source.APPEAL,
        source_id=appeal.pk,
        idempotency_key=f"appeal:{appeal.pk}",
        breakdown={"text": reason[:280], "appeal": appeal.pk},
        effective_date=timezone.localdate(now),
        actor=actor,
    )
    # The entry's own trail names who proposed it and who let it through.
    audit(
        actor=actor,
        action="adjustment_post",
        obj=entry,
        appeal=appeal.pk,
        points=str(points),
        proposed_by=(proposed_by or actor).pk,
        proposed_by_name=(proposed_by or actor).get_full_name() or (proposed_by or actor).email,
        approved_by=actor.pk,
        approved_by_name=actor.get_full_name() or actor.email,
    )
    return _close(appeal, Appeal.Status.ADJUSTED, actor, now, reason, resolution=entry, proposed_by=proposed_by)


@transaction.atomic
def appeal_adjust(*, actor, scope, appeal, points, reason, now=None):
    """Resolve with an adjustment entry of `points` (either sign); the reason is its explanation.
    Above the city's threshold the adjustment is only proposed: the appeal stays open until a second
    member of staff approves it (`appeal_adjust_approve`). Returns the appeal."""
    now = now or timezone.now()
    reason = _body(reason)
    points = _points(points)
    appeal = _lock_for_decision(appeal, actor, scope)
    if appeal.proposed_points is not None:
        raise ValidationError(_("An adjustment is already proposed; approve or decline it first."))
    if not needs_second_approval(points):
        return _post_adjustment(appeal, points=points, reason=reason, actor=actor, now=now)
    appeal.proposed_points, appeal.proposed_reason = points, reason[:280]
    appeal.proposed_by, appeal.proposed_at = actor, now
    appeal.save(update_fields=["proposed_points", "proposed_reason", "proposed_by", "proposed_at"])
    audit(actor=actor, action="adjustment_propose", obj=appeal, points=str(points), reason=reason[:280])
    return appeal


@transaction.atomic
def appeal_adjust_approve(*, actor, scope, appeal, now=None):
    """A second member of staff approves the proposed adjustment: it posts and the appeal closes."""
    now = now or timezone.now()
    appeal = _lock_for_decision(appeal, actor, scope)
    if appeal.proposed_points is None:
        raise ValidationError(_("No adjustment is waiting for approval."))
    if appeal.proposed_by_id == actor.pk:
        raise ValidationError(_("You proposed this adjustment: another member of staff has to approve it."))
    return _post_adjustment(
        appeal,
        points=appeal.proposed_points,
        reason=appeal.proposed_reason,
        actor=actor,
        now=now,
        proposed_by=appeal.proposed_by,
    )


@transaction.atomic
def appeal_adjust_decline(*, actor, scope, appeal, now=None):
    """Set a proposed adjustment aside (a second member of staff disagrees, or the proposer withdraws
    it); the appeal stays open."""
    appeal = _lock_for_decision(appeal, actor, scope)
    if appeal.proposed_points is None:
        raise ValidationError(_("No adjustment is waiting for approval."))
    audit(
        actor=actor,
        action="adjustment_decline",
        obj=appeal,
        points=str(appeal.proposed_points),
        proposed_by=appeal.proposed_by_id,
    )
    appeal.proposed_points, appeal.proposed_reason, appeal.proposed_by, appeal.proposed_at = None, "", None, None
    appeal.save(update_fields=["proposed_points", "proposed_reason", "proposed_by", "proposed_at"])
    return appeal


@transaction.atomic
def appeal_approve_record(*, actor, scope, appeal, reason, now=None):
    """Resolve an appeal against a rejection by approving the record after all (its award posts)."""
    now = now or timezone.now()
    reason = _body(reason)
    appeal = _lock_for_decision(appeal, actor, scope)
    if appeal.record_id is None:
        raise ValidationError(_("This appeal is about an entry, not a record."))
    record = ServiceRecord.objects.select_for_update(of=("self",)).get(pk=appeal.record_id)
    if record.status == ServiceRecord.Status.REJECTED:
        waiting = ServiceRecord.Status.SUBMITTED if record.is_logged else ServiceRecord.Status.VERIFIED_ATTENDANCE
        ServiceRecord.objects.filter(pk=record.pk).update(status=waiting)
    entry = record_approve(actor=actor, scope=scope, record=record, now=now)
    return _close(appeal, Appeal.Status.ADJUSTED, actor, now, reason, resolution=entry)


@transaction.atomic
def appeal_refuse(*, actor, scope, appeal, reason, now=None):
    reason = _body(reason)
    appeal = _lock_for_decision(appeal, actor, scope)
    return _close(appeal, Appeal.Status.REFUSED, actor, now or timezone.now(), reason)


@transaction.atomic
def adjustment_policy_update(*, actor, second_approval_above):
    """The city changes its four-eyes threshold (audited with before and after)."""
    policy = AdjustmentPolicy.objects.select_for_update().get(pk=AdjustmentPolicy.current().pk)
    before = str(policy.second_approval_above)
    policy.second_approval_above, policy.updated_at = second_approval_above, timezone.now()
    policy.save(update_fields=["second_approval_above", "updated_at"])
    audit(
        actor=actor,
        action="adjustment_policy_update",
        obj=policy,
        before={"second_approval_above": before},
        after={"second_approval_above": str(second_approval_above)},
    )
    return policy
