"""Every write to a service request (工单). Each transition locks the request row (or updates it on a
condition), keeps exactly one owner (the database checks it), writes a RequestEvent for the people
involved and an audit row, all in one transaction. Closing goes through `records.record_log`: the
service record waits for staff like any logged work, so points follow the same approval and rules."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from volunteers.models import (
    Contributor,
    Region,
    RequestEvent,
    RequestPolicy,
    RequestTerms,
    ServiceRecord,
    ServiceRequest,
    SpecialGroup,
)
from volunteers.people.duties import refuse_own
from volunteers.records import services as records
from volunteers.rota.services import kinds_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.core.files.uploadedfile import UploadedFile

    from volunteers.models import ServiceType, User

State = ServiceRequest.State
# No 0/O, 1/I/L: read over the phone or copied from paper without mistakes. 31^8 ≈ 8.5e11 references.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PHONE_RE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}")
# How the three evaluations weigh in the combined one (renormalised over those given).
WEIGHTS = {"public_score": Decimal("0.5"), "review_score": Decimal("0.3"), "self_score": Decimal("0.2")}
SATISFIED = 4  # a public rating of 4 or 5 stars counts as satisfied


def reference_new() -> str:
    code = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"GD-{code[:4]}-{code[4:]}"


def reference_normalised(text: str) -> str:
    """What a person types ("gd 7k3m9qxt", "7K3M-9QXT") as the stored form, or "" if it cannot be one."""
    code = re.sub(r"[^0-9A-Za-z]", "", text).upper()
    code = code.removeprefix("GD")
    if len(code) != 8 or any(ch not in _ALPHABET for ch in code):
        return ""
    return f"GD-{code[:4]}-{code[4:]}"


def terms_for(service_type_id: int) -> tuple[list[str], int, int]:
    """(eligible kinds, accept hours, finish days) of a service type's requests."""
    terms = RequestTerms.objects.filter(service_type_id=service_type_id).first()
    if terms is None:
        return [], RequestTerms.DEFAULT_ACCEPT_HOURS, RequestTerms.DEFAULT_FINISH_DAYS
    return list(terms.eligible_kinds), terms.accept_hours, terms.finish_days


def district_of(region: Region) -> Region:
    """The district (or county) a region lies in: whose staff queue takes its requests first."""
    if region.level <= Region.Level.DISTRICT:
        return region
    steps = [region.path[: i * Region.steplen] for i in range(1, len(region.path) // Region.steplen + 1)]
    return Region.objects.filter(path__in=steps, level=Region.Level.DISTRICT).first() or region


def _event(
    request: ServiceRequest,
    kind: str,
    actor: User | AnonymousUser | None,
    *,
    contributor: Contributor | None = None,
    note: str = "",
    now: datetime,
) -> None:
    RequestEvent.objects.create(
        request=request,
        kind=kind,
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        contributor=contributor,
        note=note[:500],
        created_at=now,
    )
    audit(
        actor=actor,
        action=f"request_{kind}",
        obj=request,
        state=request.state,
        owner=(f"contributor:{request.assignee_id}" if request.assignee_id else f"region:{request.queue_region_id}"),
        contributor=contributor.pk if contributor else None,
        note=note[:200],
    )


def _locked(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update(of=("self",)).select_related("region").get(pk=request.pk)


def _in_scope(scope: Region | None, request: ServiceRequest) -> None:
    if scope is None or not scope.contains(request.region):
        raise ValidationError(_("This request is outside your area."))


def _register_errors(
    *, name: str, phone: str, service_type: ServiceType, description: str, groups: list[str], channel: str, urgency: str
) -> dict[str, str]:
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Enter the name of the person who needs help.")
    if not PHONE_RE.fullmatch(phone):
        errors["phone"] = _("Enter a mobile number of 11 digits (or a landline with its area code).")
    if not service_type.is_active:
        errors["service_type"] = _("Choose a service type.")
    if not (description or "").strip():
        errors["description"] = _("Say in a sentence or two what the help is about.")
    if any(code not in SpecialGroup.values for code in groups):
        errors["special_groups"] = _("Choose special groups from the list.")
    if channel not in ServiceRequest.Channel.values:
        errors["channel"] = _("Choose how the request came in.")
    if urgency not in ServiceRequest.Urgency.values:
        errors["urgency"] = _("Choose the urgency.")
    return errors


def request_register(
    *,
    actor: User | AnonymousUser | None,
    channel: str,
    name: str,
    phone: str,
    region: Region,
    service_type: ServiceType,
    description: str,
    urgency: str = ServiceRequest.Urgency.NORMAL,
    special_groups: Iterable[str] = (),
    submission: str = "",
    now: datetime | None = None,
) -> ServiceRequest:
    """Register a need: from the public form (actor anonymous, or an adviser signed in) or by staff and
    the hotline on someone's behalf. It waits in the staff queue of its district. The same form sent
    twice (`submission`) gives back the first request."""
    now = now or timezone.now()
    groups = list(special_groups)
    phone = re.sub(r"\s", "", phone or "")
    errors = _register_errors(
        name=name,
        phone=phone,
        service_type=service_type,
        description=description,
        groups=groups,
        channel=channel,
        urgency=urgency,
    )
    if errors:
        raise ValidationError(errors)
    if submission:
        earlier = ServiceRequest.objects.filter(submission=submission).first()
        if earlier is not None:
            return earlier
    _kinds, accept_hours, finish_days = terms_for(service_type.pk)
    home = district_of(region)
    policy = RequestPolicy.current()
    for _attempt in range(5):  # a clash of random references is unlikely; try another one
        try:
            with transaction.atomic():
                request = ServiceRequest.objects.create(
                    reference=reference_new(),
                    follow_token=secrets.token_urlsafe(24),
                    rating_token=secrets.token_urlsafe(24),
                    channel=channel,
                    registered_by=actor if (actor is not None and actor.is_authenticated) else None,
                    name=name.strip(),
                    phone=phone,
                    region=region,
                    special_groups=groups,
                    service_type=service_type,
                    description=description.strip()[:4000],
                    urgency=urgency,
                    state=State.QUEUED,
                    queue_region=home,
                    home_region=home,
                    escalate_at=None if home.is_root() else now + timedelta(hours=policy.escalate_hours),
                    created_at=now,
                    accept_due_at=now + timedelta(hours=accept_hours),
                    finish_due_at=now + timedelta(days=finish_days),
                    submission=submission or None,
                )
                _event(request, RequestEvent.Kind.REGISTERED, actor, note=channel, now=now)
                return request
        except IntegrityError:
            if submission:
                earlier = ServiceRequest.objects.filter(submission=submission).first()
                if earlier is not None:
                    return earlier
    raise RuntimeError("no free reference number")


def refusal_to_take(contributor: Contributor, request: ServiceRequest) -> str | None:
    """Why `contributor` may not take `request`, or None: a completed profile of a kind the service
    type asks for, and not having declined it before."""
    if contributor.profile_completed_at is None:
        return _("%(name)s has not completed their profile.") % {"name": contributor.legal_name}
    kinds, _h, _d = terms_for(request.service_type_id)
    if kinds and contributor.kind not in kinds:
        return _("Only these may take this request: %(kinds)s.") % {"kinds": kinds_text(kinds)}
    if RequestEvent.objects.filter(request=request, contributor=contributor, kind=RequestEvent.Kind.DECLINED).exists():
        return _("%(name)s declined this request before.") % {"name": contributor.legal_name}
    return None


@transaction.atomic
def request_dispatch(
    *, actor: User, scope: Region | None, request: ServiceRequest, contributor: Contributor, now: datetime | None = None
) -> ServiceRequest:
    """Staff give a waiting request to a qualified contributor, who then accepts or declines."""
    now = now or timezone.now()
    request = _locked(request)
    _in_scope(scope, request)
    if request.state not in ServiceRequest.UNASSIGNED:
        raise ValidationError(_("Only a request waiting in the staff queue can be dispatched."))
    if not scope.contains(request.queue_region):  # type: ignore[union-attr]  # _in_scope: scope is set
        raise ValidationError(
            _("This request has been escalated: staff of %(region)s dispatch it now.")
            % {
                "region": request.queue_region.name  # type: ignore[union-attr]  # unassigned: in a queue
            }
        )
    refuse_own(actor, contributor, message=_("You cannot dispatch a request to yourself."))
    why = refusal_to_take(contributor, request)
    if why:
        raise ValidationError(why)
    request.state, request.assignee, request.queue_region = State.DISPATCHED, contributor, None
    request.save(update_fields=["state", "assignee", "queue_region"])
    _event(request, RequestEvent.Kind.DISPATCHED, actor, contributor=contributor, now=now)
    return request


@transaction.atomic
def request_publish(
    *, actor: User, scope: Region | None, request: ServiceRequest, now: datetime | None = None
) -> ServiceRequest:
    """Staff open a waiting request for any qualified contributor to take; the queue still owns it."""
    now = now or timezone.now()
    request = _locked(request)
    _in_scope(scope, request)
    if request.state != State.QUEUED:
        raise ValidationError(_("Only a request waiting in the staff queue can be published."))
    request.state = State.PUBLISHED
    request.save(update_fields=["state"])
    _event(request, RequestEvent.Kind.PUBLISHED, actor, now=now)
    return request


def _take(request: ServiceRequest, contributor: Contributor, now: datetime) -> None:
    _kinds, _hours, finish_days = terms_for(request.service_type_id)
    request.state, request.assignee, request.queue_region = State.ACCEPTED, contributor, None
    request.accepted_at, request.escalate_at = now, None
    request.save(update_fields=["state", "assignee", "queue_region", "accepted_at", "escalate_at"])


@transaction.atomic
def request_claim(*, contributor: Contributor, request: ServiceRequest, now: datetime | None = None) -> ServiceRequest:
    """A qualified contributor takes a published request (taking it is accepting it). Two at once: the
    row lock lets one have it, the other is told it is gone."""
    now = now or timezone.now()
    request = _locked(request)
    if request.state != State.PUBLISHED:
        raise ValidationError(_("Someone else has taken this request."))
    why = refusal_to_take(contributor, request)
    if why:
        raise ValidationError(why)
    _take(request, contributor, now)
    _event(request, RequestEvent.Kind.ACCEPTED, contributor.user, contributor=contributor, note="claimed", now=now)
    return request


def _assigned_to(request: ServiceRequest, contributor: Contributor, *states: str) -> None:
    if request.assignee_id != contributor.pk:
        raise ValidationError(_("This request is not assigned to you."))
    if request.state not in states:
        raise ValidationError(_("This request is %(state)s.") % {"state": request.get_state_display().lower()})


@transaction.atomic
def request_accept(*, contributor: Contributor, request: ServiceRequest, now: datetime | None = None) -> ServiceRequest:
    now = now or timezone.now()
    request = _locked(request)
    _assigned_to(request, contributor, State.DISPATCHED)
    _take(request, contributor, now)
    _event(request, RequestEvent.Kind.ACCEPTED, contributor.user, contributor=contributor, now=now)
    return request


@transaction.atomic
def request_decline(
    *, contributor: Contributor, request: ServiceRequest, reason: str, now: datetime | None = None
) -> ServiceRequest:
    """The contributor declines a dispatched request, saying why; it goes back to the staff queue and
    will not be suggested to them again."""
    now = now or timezone.now()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why you decline, so staff can find someone else.")})
    request = _locked(request)
    _assigned_to(request, contributor, State.DISPATCHED)
    request.state, request.assignee, request.queue_region = State.QUEUED, None, request.home_region
    request.save(update_fields=["state", "assignee", "queue_region"])
    _event(request, RequestEvent.Kind.DECLINED, contributor.user, contributor=contributor, note=reason.strip(), now=now)
    return request


@transaction.atomic
def request_progress(
    *, contributor: Contributor, request: ServiceRequest, note: str, now: datetime | None = None
) -> ServiceRequest:
    now = now or timezone.now()
    if not note.strip():
        raise ValidationError({"note": _("Write what was done.")})
    request = _locked(request)
    _assigned_to(request, contributor, State.ACCEPTED)
    _event(request, RequestEvent.Kind.PROGRESS, contributor.user, contributor=contributor, note=note.strip(), now=now)
    return request


def evaluation_combined(request: ServiceRequest) -> Decimal | None:
    """Self, public and third-party evaluation in one figure (1–5): a weighted mean of those given
    (public 50 %, staff review 30 %, self 20 %)."""
    given = {f: w for f, w in WEIGHTS.items() if getattr(request, f) is not None}
    if not given:
        return None
    total = sum((Decimal(getattr(request, f)) * w for f, w in given.items()), Decimal(0))
    return (total / sum(given.values())).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _score(value: int | None, field: str) -> int:
    if value not in range(1, 6):
        raise ValidationError({field: _("Choose from one to five stars.")})
    return int(value)  # type: ignore[arg-type]  # checked just above


def request_close(
    *,
    contributor: Contributor,
    request: ServiceRequest,
    outcome: str,
    date: date,
    start_time: time,
    hours: Decimal | str | float,
    self_score: int | None,
    files: Iterable[UploadedFile] = (),
    submission: str = "",
    now: datetime | None = None,
) -> ServiceRequest:
    """The contributor finishes the request: outcome, hours, evidence and their self-evaluation. The
    service record is logged work (records.record_log: same evidence checks, same staff approval). A
    reopened request closed again amends its one record while it is undecided."""
    now = now or timezone.now()
    errors = {}
    if not outcome.strip():
        errors["outcome"] = _("Say what the outcome was.")
    if self_score not in range(1, 6):
        errors["self_score"] = _("Choose from one to five stars.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The person first (as record_log), then the request: the same order everywhere.
        Contributor.objects.select_for_update().filter(pk=contributor.pk).first()
        request = _locked(request)
        if request.state == State.CLOSED and request.assignee_id == contributor.pk:
            return request  # sent twice: closed once
        _assigned_to(request, contributor, State.ACCEPTED)
        values = dict(
            actor=contributor.user,
            contributor=contributor,
            service_type=request.service_type,
            date=date,
            start_time=start_time,
            hours=hours,
            people_served=1,
            special_groups=request.special_groups,
            region=request.region,
            description=f"{request.reference} {outcome.strip()}",
            files=list(files),
            now=now,
        )
        record = request.record
        if record is None:
            try:
                record = records.record_log(**values, submission=submission)
            except records.AlreadyLogged as already:
                record = already.record
        elif record.status in (ServiceRecord.Status.SUBMITTED, ServiceRecord.Status.REJECTED):
            record = records.record_amend(**values, record=record)
        request.record, request.state, request.closed_at = record, State.CLOSED, now
        request.outcome, request.self_score = outcome.strip(), self_score
        request.evaluation = evaluation_combined(request)
        request.save(update_fields=["record", "state", "closed_at", "outcome", "self_score", "evaluation"])
        _event(request, RequestEvent.Kind.CLOSED, contributor.user, contributor=contributor, now=now)
    return request


def request_rate(
    *, token: str, score: int, comment: str = "", rater: User | AnonymousUser | None = None, now: datetime | None = None
) -> ServiceRequest:
    """The person served rates a finished request once, through the link on the closing slip (no
    account). The assignee cannot rate their own service signed in."""
    now = now or timezone.now()
    score = _score(score, "score")
    with transaction.atomic():
        request = (
            ServiceRequest.objects.select_for_update(of=("self",))
            .select_related("assignee")
            .filter(rating_token=token)
            .first()
        )
        if request is None or request.state != State.CLOSED:
            raise ValidationError(_("This rating link has expired or does not exist."))
        if request.public_score is not None:
            raise ValidationError(_("This service has already been rated. Thank you."))
        if rater is not None and rater.is_authenticated and request.assignee.user_id == rater.pk:  # type: ignore[union-attr]  # closed: assigned
            raise ValidationError(_("You cannot rate your own service; show the link to the person you served."))
        request.public_score, request.public_comment, request.rated_at = score, comment.strip()[:500], now
        request.evaluation = evaluation_combined(request)
        request.save(update_fields=["public_score", "public_comment", "rated_at", "evaluation"])
        _event(request, RequestEvent.Kind.RATED, None, note=str(score), now=now)
    return request


@transaction.atomic
def request_review(
    *,
    actor: User,
    scope: Region | None,
    request: ServiceRequest,
    score: int | None,
    note: str = "",
    now: datetime | None = None,
) -> ServiceRequest:
    """Staff review a finished request (third-party evaluation, of a sample): not their own work."""
    now = now or timezone.now()
    score = _score(score, "score")
    request = _locked(request)
    _in_scope(scope, request)
    if request.state != State.CLOSED:
        raise ValidationError(_("Only a finished request can be reviewed."))
    refuse_own(actor, request.assignee)
    request.review_score, request.review_note, request.reviewed_by = score, note.strip()[:500], actor
    request.evaluation = evaluation_combined(request)
    request.save(update_fields=["review_score", "review_note", "reviewed_by", "evaluation"])
    _event(request, RequestEvent.Kind.REVIEWED, actor, note=str(score), now=now)
    return request


@transaction.atomic
def request_reopen(
    *, actor: User, scope: Region | None, request: ServiceRequest, reason: str, now: datetime | None = None
) -> ServiceRequest:
    """Staff send a finished request back to its contributor (the person was not helped after all),
    while its record is undecided; an approved record is corrected by appeal or complaint instead."""
    now = now or timezone.now()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the request is reopened.")})
    request = _locked(request)
    _in_scope(scope, request)
    if request.state != State.CLOSED:
        raise ValidationError(_("Only a finished request can be reopened."))
    refuse_own(actor, request.assignee)
    if request.record is not None and request.record.status == ServiceRecord.Status.APPROVED:
        raise ValidationError(_("Its service record is approved: correct it through an appeal or a complaint."))
    request.state, request.closed_at = State.ACCEPTED, None
    request.save(update_fields=["state", "closed_at"])
    _event(request, RequestEvent.Kind.REOPENED, actor, contributor=request.assignee, note=reason.strip(), now=now)
    return request


def requests_escalate(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Move every request left unaccepted past its deadline one level up (district → city): back to
    that level's staff queue, with a new deadline (none at the top). Each request in its own
    transaction, by a conditional update on its state and deadline: run twice at once, or again after
    a worker died half-way, each escalation happens once. Returns how many escalated."""
    now = now or timezone.now()
    hours = RequestPolicy.current().escalate_hours
    due = list(
        ServiceRequest.objects.filter(state__in=ServiceRequest.WAITING_ACCEPT, escalate_at__lte=now)
        .select_related("home_region")
        .order_by("escalate_at", "pk")
        .values_list("pk", "state", "escalate_at", "home_region_id", "assignee_id")[:limit]
    )
    parents: dict[int, Region | None] = {}
    done = 0
    for pk, state, deadline, home_id, assignee_id in due:
        if home_id not in parents:
            parents[home_id] = Region.objects.get(pk=home_id).get_parent()
        target = parents[home_id]
        if target is None:
            continue
        new_state = State.PUBLISHED if state == State.PUBLISHED else State.QUEUED
        with transaction.atomic():
            moved = ServiceRequest.objects.filter(
                pk=pk, state=state, escalate_at=deadline, home_region_id=home_id
            ).update(
                state=new_state,
                assignee=None,
                queue_region=target,
                home_region=target,
                escalations=F("escalations") + 1,
                escalate_at=None if target.is_root() else now + timedelta(hours=hours),
            )
            if moved:
                request = ServiceRequest.objects.get(pk=pk)
                note = "no answer" if assignee_id else ""
                _event(request, RequestEvent.Kind.ESCALATED, None, note=f"{target.name} {note}".strip(), now=now)
                done += 1
    return done


@transaction.atomic
def request_terms_update(
    *, actor: User, service_type: ServiceType, accept_hours: int, finish_days: int, eligible_kinds: list[str]
) -> RequestTerms:
    """The city's time limits (and who may take requests) for one service type; audited with before/after."""
    terms, _created = RequestTerms.objects.get_or_create(service_type=service_type)
    before = {
        "accept_hours": terms.accept_hours,
        "finish_days": terms.finish_days,
        "eligible_kinds": terms.eligible_kinds,
    }
    terms.accept_hours, terms.finish_days, terms.eligible_kinds = accept_hours, finish_days, list(eligible_kinds)
    terms.full_clean()
    terms.save()
    after = {"accept_hours": accept_hours, "finish_days": finish_days, "eligible_kinds": list(eligible_kinds)}
    audit(actor=actor, action="request_terms_update", obj=terms, before=before, after=after)
    return terms


def request_policy_update(*, actor: User, escalate_hours: int) -> RequestPolicy:
    policy = RequestPolicy.current()
    before = policy.escalate_hours
    policy.escalate_hours, policy.updated_at = escalate_hours, timezone.now()
    policy.save()
    audit(actor=actor, action="request_policy_update", obj=policy, before=before, after=escalate_hours)
    return policy
