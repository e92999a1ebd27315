"""Every write to the rota: shifts and series, sign-ups, waiting-list offers, reminders, attendance.

Each write that touches a shift's places locks the shift row first, so decisions about one shift
happen one at a time; the seat constraints on Signup back that up. Emails are queued after the
transaction commits (`notifications.signup_email`), never from inside it.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Container, Iterable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from core.audit import audit
from volunteers.models import Contributor, Handover, RotaPolicy, ServiceRecord, Shift, Signup
from volunteers.people.duties import refuse_own
from volunteers.rota import eligibility
from volunteers.rota import emails as notifications

if TYPE_CHECKING:
    from wagtail.models import Page

    from volunteers.models import Organisation, Region, ServiceType, User, Venue

logger = logging.getLogger(__name__)


class SignupRefused(Exception):
    """A sign-up the rules do not allow; `code` for programs, `message` for the person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ShiftFull(SignupRefused):
    def __init__(self) -> None:
        super().__init__("full", _("This shift is full. You can join its waiting list."))


def when_text(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def kinds_text(kinds: Iterable[str]) -> str:
    """Contributor kinds as one phrase in the reader's language ("Lawyer, Notary" / "律师、公证员")."""
    return pgettext("list separator", ", ").join(
        str(Contributor.Kind(k).label) for k in kinds if k in Contributor.Kind.values
    )


def no_shows_recent(contributor: Contributor, *, policy: RotaPolicy, now: datetime) -> int:
    since = now - timedelta(days=policy.no_show_window_days)
    return Signup.objects.filter(
        contributor=contributor, attendance=Signup.Attendance.NO_SHOW, shift__starts_at__gte=since
    ).count()


def _check_may_take(
    *, contributor: Contributor, shift: Shift, now: datetime, policy: RotaPolicy, deadline: bool = True
) -> None:
    """Every reason to refuse that does not depend on free places, in the order a person fixes them."""
    if shift.status != Shift.Status.SCHEDULED:
        raise SignupRefused("cancelled", _("This shift has been cancelled."))
    if not shift.opportunity.live:
        raise SignupRefused("unpublished", _("This opportunity is not open for sign-up."))
    if deadline and now >= shift.signup_deadline:
        raise SignupRefused(
            "deadline", _("Sign-up for this shift closed on %(when)s.") % {"when": when_text(shift.signup_deadline)}
        )
    if now >= shift.starts_at:
        raise SignupRefused("started", _("This shift has already started."))
    if shift.eligible_kinds and contributor.kind not in shift.eligible_kinds:
        kinds = kinds_text(shift.eligible_kinds)
        raise SignupRefused("not_qualified", _("Only these may take this shift: %(kinds)s.") % {"kinds": kinds})
    _check_further_rules(contributor=contributor, shift=shift, now=now)
    if policy.no_show_limit and no_shows_recent(contributor, policy=policy, now=now) >= policy.no_show_limit:
        raise SignupRefused(
            "blocked",
            ngettext(
                "You missed %(count)s shift in the last %(days)s days without cancelling, so you cannot sign up "
                "for now. Please contact the bureau.",
                "You missed %(count)s shifts in the last %(days)s days without cancelling, so you cannot sign up "
                "for now. Please contact the bureau.",
                policy.no_show_limit,
            )
            % {"count": policy.no_show_limit, "days": policy.no_show_window_days},
        )
    day_start = timezone.localtime(shift.starts_at).replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = day_start - timedelta(days=day_start.weekday())
    mine = list(
        Shift.objects.filter(
            signups__contributor=contributor,
            signups__status__in=Signup.HOLDS_SEAT,
            starts_at__lt=week_start + timedelta(days=7),
            ends_at__gt=week_start,
        )
        .exclude(pk=shift.pk)
        .select_related("venue")
    )
    for other in mine:
        if other.starts_at < shift.ends_at and other.ends_at > shift.starts_at:
            raise SignupRefused(
                "overlap",
                _("It overlaps your shift at %(venue)s starting %(when)s.")
                % {"venue": other.venue.name, "when": when_text(other.starts_at)},
            )
    same_day = sum(o.hours for o in mine if day_start <= o.starts_at < day_start + timedelta(days=1))
    if same_day + shift.hours > policy.max_hours_per_day:
        raise SignupRefused(
            "fatigue_day",
            _("That would be more than %(hours)s hours of shifts in one day.") % {"hours": policy.max_hours_per_day},
        )
    if sum(o.hours for o in mine) + shift.hours > policy.max_hours_per_week:
        raise SignupRefused(
            "fatigue_week",
            _("That would be more than %(hours)s hours of shifts in one week.") % {"hours": policy.max_hours_per_week},
        )


def _check_further_rules(*, contributor: Contributor, shift: Shift, now: datetime) -> None:
    """The opportunity's rules beyond a kind; each refusal names its rule."""
    today = timezone.localtime(now).date()
    years = shift.min_years_in_practice
    if years and (contributor.licensed_on is None or contributor.licensed_on > eligibility.years_before(today, years)):
        message = ngettext(
            "Needs at least %(years)s year in practice, counted from the licence date.",
            "Needs at least %(years)s years in practice, counted from the licence date.",
            years,
        ) % {"years": years}
        if contributor.licensed_on is None:
            message += " " + _(
                "Your licence date is not on record: ask the bureau to add it from the licence register."
            )
        raise SignupRefused("min_years", message)
    years = shift.no_complaint_years
    if years:
        try:
            upheld = eligibility.last_upheld_complaint(contributor, eligibility.years_before(today, years))
        except eligibility.NoComplaintsSource:
            upheld = today
        if upheld is not None:
            raise SignupRefused(
                "complaint",
                ngettext(
                    "Needs no upheld complaint in the last %(years)s year; one was upheld on %(date)s.",
                    "Needs no upheld complaint in the last %(years)s years; one was upheld on %(date)s.",
                    years,
                )
                % {"years": years, "date": upheld.isoformat()},
            )
    if shift.firm_consent and eligibility.current_firm(contributor) is None:
        raise SignupRefused(
            "no_firm",
            _("Needs the consent of your firm: you must first be a confirmed member of one (see your profile)."),
        )


def consent_deadline(shift: Shift, *, now: datetime) -> datetime:
    """How long the firm has to consent: until sign-up closes, or until the start when that has
    passed (a place handed over or offered late)."""
    return shift.signup_deadline if shift.signup_deadline > now else shift.starts_at


def _hold(signup: Signup, *, shift: Shift, seat: int | None, now: datetime) -> None:
    """Give `signup` the seat: confirmed, or held waiting for the firm's consent when the shift
    asks for it (the caller saves)."""
    signup.seat = seat
    if shift.firm_consent:
        signup.status = Signup.Status.PENDING_CONSENT
        signup.offer_expires_at = consent_deadline(shift, now=now)
    else:
        signup.status = Signup.Status.CONFIRMED


def _held_email(signup: Signup) -> None:
    notifications.signup_email(
        "consent_requested" if signup.status == Signup.Status.PENDING_CONSENT else "confirmed", signup
    )


def _lock(shift: Shift) -> Shift:
    return Shift.objects.select_for_update(of=("self",)).select_related("venue", "opportunity").get(pk=shift.pk)


def _lock_person(contributor: Contributor) -> None:
    """A person's own sign-ups are decided one at a time (overlap and hours caps read them all).
    Always the person first, then the shift, so two locks never wait on each other in a circle."""
    Contributor.objects.select_for_update().filter(pk=contributor.pk).first()


def _free_seat(shift: Shift) -> int | None:
    taken = set(shift.signups.filter(status__in=Signup.HOLDS_SEAT).values_list("seat", flat=True))
    return next((n for n in range(1, shift.capacity + 1) if n not in taken), None)


def _open_signup(shift: Shift, contributor: Contributor) -> Signup | None:
    return shift.signups.filter(contributor=contributor, status__in=Signup.OPEN).first()


def _queue_ahead(shift: Shift, signup: Signup | None = None) -> QuerySet[Signup]:
    """Waiting sign-ups ahead of `signup` (all of them when None): first come, first offered."""
    waiting = shift.signups.filter(status=Signup.Status.WAITING)
    if signup is not None:
        waiting = waiting.filter(
            Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, id__lt=signup.id)
        )
    return waiting


def signup_create(*, contributor: Contributor, shift: Shift, now: datetime | None = None) -> Signup:
    """Take a place on `shift`, or raise SignupRefused (ShiftFull when no place is free).

    Asking twice (a double click) returns the same sign-up; a pending offer is accepted. A free
    place goes to the waiting list first: nobody jumps the queue.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock_person(contributor)
        shift = _lock(shift)
        existing = _open_signup(shift, contributor)
        if existing is None or existing.status != Signup.Status.OFFERED:
            return _signup_take(contributor=contributor, shift=shift, existing=existing, now=now)
    # Outside the transaction: an expired offer is closed (and passed on) even though this refuses.
    return signup_offer_accept(contributor=contributor, signup=existing, now=now)


def _signup_take(*, contributor: Contributor, shift: Shift, existing: Signup | None, now: datetime) -> Signup:
    """signup_create's work, under the shift lock."""
    if existing is not None and existing.status in (Signup.Status.CONFIRMED, Signup.Status.PENDING_CONSENT):
        return existing
    policy = RotaPolicy.current()
    _check_may_take(contributor=contributor, shift=shift, now=now, policy=policy)
    seat = _free_seat(shift)
    if seat is None or _queue_ahead(shift, existing).exists():
        raise ShiftFull()
    try:
        with transaction.atomic():
            signup = existing or Signup(shift=shift, contributor=contributor, created_at=now)
            _hold(signup, shift=shift, seat=seat, now=now)  # existing: first in the queue and a place is free
            signup.save()
    except IntegrityError:
        # Only reachable if something wrote without the lock: the database kept the seat unique.
        raise ShiftFull() from None
    audit(actor=contributor.user, action="signup_create", obj=signup, shift=shift.pk, seat=seat, status=signup.status)
    _held_email(signup)
    return signup


def signups_create_many(
    *, contributor: Contributor, shifts: Iterable[Shift], now: datetime | None = None
) -> list[tuple[Shift, Signup | None, SignupRefused | None]]:
    """Sign up for several shifts (of a series) in one go; each is decided on its own, so one full
    shift does not stop the others. Returns [(shift, signup or None, SignupRefused or None)]."""
    outcomes: list[tuple[Shift, Signup | None, SignupRefused | None]] = []
    for shift in shifts:
        try:
            outcomes.append((shift, signup_create(contributor=contributor, shift=shift, now=now), None))
        except SignupRefused as refusal:
            outcomes.append((shift, None, refusal))
    return outcomes


@transaction.atomic
def signup_join_waitlist(*, contributor: Contributor, shift: Shift, now: datetime | None = None) -> Signup:
    """Queue for a full shift (first come, first offered). A shift with a free place is simply taken."""
    now = now or timezone.now()
    _lock_person(contributor)
    shift = _lock(shift)
    existing = _open_signup(shift, contributor)
    if existing is not None:
        return existing
    _check_may_take(contributor=contributor, shift=shift, now=now, policy=RotaPolicy.current())
    if _free_seat(shift) is not None and not _queue_ahead(shift).exists():
        return signup_create(contributor=contributor, shift=shift, now=now)
    signup = Signup.objects.create(shift=shift, contributor=contributor, status=Signup.Status.WAITING, created_at=now)
    audit(actor=contributor.user, action="signup_waitlist", obj=signup, shift=shift.pk)
    return signup


def offer_deadline(shift: Shift, *, now: datetime, policy: RotaPolicy) -> datetime:
    """How long an offer stays open: the policy's hours, but never more than half the time left
    before the shift starts, so the next in line still has a chance."""
    return now + min(timedelta(hours=policy.offer_hours), (shift.starts_at - now) / 2)


def _offer_next(shift: Shift, *, now: datetime) -> list[Signup]:
    """Offer every free place to the first in line. The caller holds the shift lock."""
    if shift.status != Shift.Status.SCHEDULED or shift.starts_at <= now + timedelta(minutes=30):
        return []
    policy = RotaPolicy.current()
    offered = []
    while (seat := _free_seat(shift)) is not None:
        first = _queue_ahead(shift).order_by("created_at", "id").first()
        if first is None:
            break
        first.status, first.seat = Signup.Status.OFFERED, seat
        first.offered_at, first.offer_expires_at = now, offer_deadline(shift, now=now, policy=policy)
        first.save(update_fields=["status", "seat", "offered_at", "offer_expires_at"])
        audit(actor=None, action="signup_offer", obj=first, seat=seat, expires=first.offer_expires_at.isoformat())
        notifications.signup_email("offered", first)
        offered.append(first)
    return offered


def signup_offer_accept(*, contributor: Contributor, signup: Signup, now: datetime | None = None) -> Signup:
    """Take the place a waiting-list offer holds. The sign-up deadline does not apply (the place
    came free late); the other rules do. Too late, the offer is closed and passed to the next in
    line — committed before the refusal is raised, so the refusal does not undo it."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_person(contributor)
        shift = _lock(signup.shift)
        signup = Signup.objects.get(pk=signup.pk, contributor=contributor)
        if signup.status in (Signup.Status.CONFIRMED, Signup.Status.PENDING_CONSENT):
            return signup
        if signup.status != Signup.Status.OFFERED:
            raise SignupRefused("no_offer", _("There is no open offer for this shift."))
        if now < signup.offer_expires_at:  # type: ignore[operator]  # an offer always has its expiry
            _check_may_take(contributor=contributor, shift=shift, now=now, policy=RotaPolicy.current(), deadline=False)
            _hold(signup, shift=shift, seat=signup.seat, now=now)
            signup.save(update_fields=["status", "offer_expires_at"])
            audit(actor=contributor.user, action="signup_offer_accept", obj=signup, seat=signup.seat)
            _held_email(signup)
            return signup
        expired_at = signup.offer_expires_at
        _offer_expire(shift, signup, now=now)
    raise SignupRefused("offer_expired", _("This offer expired on %(when)s.") % {"when": when_text(expired_at)})  # type: ignore[arg-type]  # as above


def _offer_expire(shift: Shift, signup: Signup, *, now: datetime) -> None:
    signup.status, signup.seat = Signup.Status.OFFER_EXPIRED, None
    signup.save(update_fields=["status", "seat"])
    audit(actor=None, action="signup_offer_expire", obj=signup)
    _offer_next(shift, now=now)


def offers_expire(*, now: datetime | None = None) -> int:
    """Close offers whose time is up and pass each place to the next in line. Safe to run twice:
    each offer is re-read under its shift's lock and skipped once it is no longer open."""
    now = now or timezone.now()
    expired = 0
    due = Signup.objects.filter(status=Signup.Status.OFFERED, offer_expires_at__lte=now)
    for signup_id, shift_id in list(due.values_list("id", "shift_id")):
        with transaction.atomic():
            shift = Shift.objects.select_for_update().get(pk=shift_id)
            signup = Signup.objects.filter(
                pk=signup_id, status=Signup.Status.OFFERED, offer_expires_at__lte=now
            ).first()
            if signup is not None:
                _offer_expire(shift, signup, now=now)
                expired += 1
    return expired


@transaction.atomic
def signup_cancel(*, contributor: Contributor, signup: Signup, now: datetime | None = None) -> Signup:
    """Give up a place, decline an offer or leave the waiting list. After the shift's cancellation
    deadline a confirmed place can still be given up, but it is recorded as a late cancellation.
    A freed place is offered to the first in line."""
    now = now or timezone.now()
    shift = _lock(signup.shift)
    signup = Signup.objects.get(pk=signup.pk, contributor=contributor)
    if signup.status not in Signup.OPEN:
        raise SignupRefused("not_open", _("This sign-up was already cancelled."))
    if now >= shift.starts_at:
        # From the start on, attendance decides: a no-show cannot be turned into a cancellation.
        raise SignupRefused(
            "started",
            _("This shift has started; it can no longer be cancelled. If you could not come, please tell the bureau."),
        )
    held = signup.status in Signup.HOLDS_SEAT
    late = signup.status == Signup.Status.CONFIRMED and now > shift.cancel_deadline
    # Giving the place up ends any hand-over of it: there is nothing left to hand over.
    signup.handovers.filter(status=Handover.Status.OFFERED).update(status=Handover.Status.WITHDRAWN, closed_at=now)
    signup.status = Signup.Status.LATE_CANCELLED if late else Signup.Status.CANCELLED
    signup.seat = None
    signup.cancelled_at = now
    signup.save(update_fields=["status", "seat", "cancelled_at"])
    audit(actor=contributor.user, action="signup_cancel", obj=signup, late=late)
    notifications.signup_email("cancelled", signup)
    if held:
        _offer_next(shift, now=now)
    return signup


# --- Hand-overs and the firm's consent ------------------------------------------------------------


def handover_may_accept(handover: Handover, contributor: Contributor) -> bool:
    """Whether the hand-over is offered to `contributor` (not whether the rules let them take it)."""
    if contributor.pk == handover.giver_id:
        return False
    if handover.audience == Handover.Audience.COLLEAGUE:
        return handover.colleague_id == contributor.pk
    if handover.audience == Handover.Audience.FIRM:
        firm = eligibility.current_firm(contributor)
        return firm is not None and firm.pk == handover.organisation_id
    return handover.shift.signups.filter(contributor=contributor, status=Signup.Status.WAITING).exists()


def _handover_audience(
    contributor: Contributor, shift: Shift, audience: str, colleague: Contributor | None
) -> tuple[Contributor | None, Organisation | None]:
    """The named colleague or the firm a hand-over goes to, or a refusal saying why it cannot."""
    if audience == Handover.Audience.COLLEAGUE:
        if colleague is None or not colleague.is_complete:
            raise SignupRefused("no_colleague", _("Name a colleague who has a completed profile on this site."))
        if colleague.pk == contributor.pk:
            raise SignupRefused("self", _("You cannot hand a shift over to yourself."))
        return colleague, None
    if audience == Handover.Audience.FIRM:
        organisation = eligibility.current_firm(contributor)
        if organisation is None:
            raise SignupRefused("no_firm", _("You are not a confirmed member of a firm."))
        return None, organisation
    if audience == Handover.Audience.WAITLIST:
        if not _queue_ahead(shift).exists():
            raise SignupRefused("nobody_waiting", _("Nobody is on this shift's waiting list."))
        return None, None
    raise SignupRefused("audience", _("Choose who to offer the shift to."))


def _check_colleague(colleague: Contributor, shift: Shift, *, now: datetime) -> None:
    """Tell the giver now, not never, that the named colleague cannot take it (checked again on accepting)."""
    theirs = _open_signup(shift, colleague)
    if theirs is not None and theirs.status in Signup.HOLDS_SEAT:
        raise SignupRefused(
            "has_place", _("%(name)s already has a place on this shift.") % {"name": colleague.legal_name}
        )
    try:
        _check_may_take(contributor=colleague, shift=shift, now=now, policy=RotaPolicy.current(), deadline=False)
    except SignupRefused as refusal:
        raise SignupRefused(
            refusal.code,
            _("%(name)s cannot take this shift: %(reason)s")
            % {"name": colleague.legal_name, "reason": refusal.message},
        ) from None


def handover_offer(
    *,
    contributor: Contributor,
    signup: Signup,
    audience: str,
    colleague: Contributor | None = None,
    now: datetime | None = None,
) -> Handover:
    """Offer one's confirmed place to a named colleague, to one's firm or to the waiting list. The
    giver keeps the place (and the duty to serve) until someone accepts; the offer closes when the
    shift starts. Asking again for the same people returns the open offer."""
    now = now or timezone.now()
    with transaction.atomic():
        shift = _lock(signup.shift)
        signup = Signup.objects.get(pk=signup.pk, contributor=contributor)
        if signup.status != Signup.Status.CONFIRMED:
            raise SignupRefused("not_confirmed", _("Only a confirmed place can be handed over."))
        if now >= shift.starts_at:
            raise SignupRefused("started", _("This shift has already started."))
        colleague, organisation = _handover_audience(contributor, shift, audience, colleague)
        current = signup.handovers.filter(status=Handover.Status.OFFERED).first()
        if current is not None:
            if (current.audience, current.colleague_id) == (audience, colleague and colleague.pk):
                return current  # a double click
            raise SignupRefused(
                "already_offered", _("This shift is already offered to someone; withdraw that offer first.")
            )
        if colleague is not None:
            _check_colleague(colleague, shift, now=now)
        handover = Handover.objects.create(
            signup=signup,
            shift=shift,
            giver=contributor,
            audience=audience,
            colleague=colleague,
            organisation=organisation,
            created_at=now,
            expires_at=shift.starts_at,
        )
        audit(
            actor=contributor.user,
            action="handover_offer",
            obj=handover,
            signup=signup.pk,
            audience=audience,
            colleague=colleague.pk if colleague else None,
            after_cancel_deadline=now > shift.cancel_deadline,
        )
        for person_id in _handover_audience_ids(handover):
            notifications.handover_email("handover_offered", handover, person_id)
    return handover


HANDOVER_EMAILS_MAX = 200  # a large firm is told in one go; more people than this is not a hand-over


def _handover_audience_ids(handover: Handover) -> list[int]:
    if handover.audience == Handover.Audience.COLLEAGUE:
        return [handover.colleague_id]  # type: ignore[list-item]  # a colleague hand-over names one
    if handover.audience == Handover.Audience.FIRM:
        from volunteers.models import Membership

        assert handover.organisation_id is not None  # a firm hand-over names its firm (a constraint)
        people = Membership.objects.filter(organisation_id=handover.organisation_id, status=Membership.Status.ACTIVE)
        return list(
            people.exclude(contributor_id=handover.giver_id).values_list("contributor_id", flat=True)[
                :HANDOVER_EMAILS_MAX
            ]
        )
    return list(
        _queue_ahead(handover.shift)
        .order_by("created_at", "id")
        .values_list("contributor_id", flat=True)[:HANDOVER_EMAILS_MAX]
    )


def handover_accept(*, contributor: Contributor, handover: Handover, now: datetime | None = None) -> Signup:
    """Take a place offered by its holder. Under the person's and the shift's locks, as a sign-up:
    the first to accept moves the seat (the giver's sign-up ends as handed over, in the same
    transaction, so the seat never has two holders or none); everyone after is told it is taken.
    Every sign-up rule is checked for the taker except the sign-up deadline (no new place is made).
    A shift that needs the firm's consent holds the seat for the taker until their firm decides."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_person(contributor)
        shift = _lock(handover.shift)
        handover = Handover.objects.select_related("signup", "giver__user").get(pk=handover.pk)
        handover.shift = shift
        if handover.status == Handover.Status.ACCEPTED:
            if handover.taker_id == contributor.pk:
                return handover.taken_signup  # type: ignore[return-value]  # an accepted hand-over has it
            raise SignupRefused("taken", _("Someone else has already taken this shift."))
        if handover.status == Handover.Status.WITHDRAWN:
            raise SignupRefused("withdrawn", _("The offer was withdrawn."))
        if not handover_may_accept(handover, contributor):
            raise SignupRefused("not_for_you", _("This shift is not offered to you."))
        if handover.status == Handover.Status.EXPIRED or now >= handover.expires_at:
            raise SignupRefused(
                "expired", _("This offer closed on %(when)s.") % {"when": when_text(handover.expires_at)}
            )
        given = handover.signup
        if given.status != Signup.Status.CONFIRMED:  # the lock keeps this from happening; never two holders
            raise SignupRefused("withdrawn", _("The offer was withdrawn."))
        existing = _open_signup(shift, contributor)
        if existing is not None and existing.status != Signup.Status.WAITING:
            raise SignupRefused("has_place", _("You already have a place on this shift."))
        _check_may_take(contributor=contributor, shift=shift, now=now, policy=RotaPolicy.current(), deadline=False)
        seat = given.seat
        given.status, given.seat, given.cancelled_at = Signup.Status.HANDED_OVER, None, now
        given.save(update_fields=["status", "seat", "cancelled_at"])
        taken = existing or Signup(shift=shift, contributor=contributor, created_at=now)
        _hold(taken, shift=shift, seat=seat, now=now)
        taken.save()
        handover.status, handover.closed_at = Handover.Status.ACCEPTED, now
        handover.taker, handover.taken_signup = contributor, taken
        handover.save(update_fields=["status", "closed_at", "taker", "taken_signup"])
        audit(
            actor=contributor.user,
            action="handover_accept",
            obj=handover,
            seat=seat,
            given=given.pk,
            taken=taken.pk,
            status=taken.status,
            # Recorded, not penalised: the place stays filled, so it is never a late cancellation.
            after_cancel_deadline=now > shift.cancel_deadline,
        )
        notifications.signup_email("handed_over", given)
        _held_email(taken)
    return taken


@transaction.atomic
def handover_withdraw(*, contributor: Contributor, handover: Handover, now: datetime | None = None) -> Handover:
    """The giver takes an open offer back (and keeps the place)."""
    now = now or timezone.now()
    _lock(handover.shift)
    handover = Handover.objects.get(pk=handover.pk, giver=contributor)
    if handover.status != Handover.Status.OFFERED:
        raise SignupRefused("closed", _("This offer is no longer open."))
    handover.status, handover.closed_at = Handover.Status.WITHDRAWN, now
    handover.save(update_fields=["status", "closed_at"])
    audit(actor=contributor.user, action="handover_withdraw", obj=handover)
    return handover


def handovers_expire(*, now: datetime | None = None) -> int:
    """Close hand-overs nobody accepted before the shift started; the giver keeps the place and is
    told so. Safe to run twice: each is re-read under its shift's lock."""
    now = now or timezone.now()
    expired = 0
    due = Handover.objects.filter(status=Handover.Status.OFFERED, expires_at__lte=now)
    for handover_id, shift_id in list(due.values_list("id", "shift_id")):
        with transaction.atomic():
            Shift.objects.select_for_update().get(pk=shift_id)
            handover = Handover.objects.filter(
                pk=handover_id, status=Handover.Status.OFFERED, expires_at__lte=now
            ).first()
            if handover is None:
                continue
            handover.status, handover.closed_at = Handover.Status.EXPIRED, now
            handover.save(update_fields=["status", "closed_at"])
            audit(actor=None, action="handover_expire", obj=handover)
            notifications.signup_email("handover_expired", handover.signup)
            expired += 1
    return expired


def consent_decide(*, actor: User, signup: Signup, approve: bool, now: datetime | None = None) -> Signup:
    """An administrator of the person's firm approves or declines a sign-up that needs the firm's
    consent. Nobody consents to their own sign-up. Declined, the seat goes to the waiting list."""
    now = now or timezone.now()
    with transaction.atomic():
        shift = _lock(signup.shift)
        signup = Signup.objects.select_related("contributor").get(pk=signup.pk)
        firm = eligibility.current_firm(signup.contributor)
        if firm is None or not firm.admins.filter(pk=actor.pk).exists():
            raise ValidationError(_("Only an administrator of the person's firm can decide."))
        refuse_own(
            actor,
            signup.contributor,
            message=_("You cannot consent to your own sign-up: another administrator of your firm has to."),
        )
        if signup.status != Signup.Status.PENDING_CONSENT:
            raise ValidationError(_("This sign-up is no longer waiting for consent."))
        if now >= shift.starts_at:
            raise ValidationError(_("This shift has already started."))
        if approve:
            signup.status = Signup.Status.CONFIRMED
            signup.save(update_fields=["status"])
        else:
            signup.status, signup.seat, signup.cancelled_at = Signup.Status.CONSENT_DECLINED, None, now
            signup.save(update_fields=["status", "seat", "cancelled_at"])
        audit(actor=actor, action="consent_approve" if approve else "consent_decline", obj=signup, firm=firm.pk)
        notifications.signup_email("confirmed" if approve else "consent_declined", signup)
        if not approve:
            _offer_next(shift, now=now)
    return signup


def consents_expire(*, now: datetime | None = None) -> int:
    """Release seats whose firm did not consent in time, to the waiting list. Safe to run twice."""
    now = now or timezone.now()
    expired = 0
    due = Signup.objects.filter(status=Signup.Status.PENDING_CONSENT, offer_expires_at__lte=now)
    for signup_id, shift_id in list(due.values_list("id", "shift_id")):
        with transaction.atomic():
            shift = Shift.objects.select_for_update().get(pk=shift_id)
            signup = Signup.objects.filter(
                pk=signup_id, status=Signup.Status.PENDING_CONSENT, offer_expires_at__lte=now
            ).first()
            if signup is None:
                continue
            signup.status, signup.seat, signup.cancelled_at = Signup.Status.CONSENT_DECLINED, None, now
            signup.save(update_fields=["status", "seat", "cancelled_at"])
            audit(actor=None, action="consent_lapse", obj=signup)
            notifications.signup_email("consent_declined", signup)
            _offer_next(shift, now=now)
            expired += 1
    return expired


# --- Staff: shifts and series ---------------------------------------------------------------------


def _require_scope(scope: Region | None, shift_or_venue: Shift | Venue) -> None:
    venue = shift_or_venue.venue if isinstance(shift_or_venue, Shift) else shift_or_venue
    if scope is not None and not scope.contains(venue.region):
        raise ValidationError(_("This venue is outside your region."))


def _validate_times(
    *,
    starts_at: datetime,
    ends_at: datetime,
    signup_deadline: datetime,
    cancel_deadline: datetime,
    capacity: int,
    min_staffing: int,
) -> None:
    errors = {}
    if ends_at <= starts_at:
        errors["ends_at"] = _("A shift must end after it starts.")
    if signup_deadline > starts_at:
        errors["signup_deadline"] = _("Sign-up must close before the shift starts.")
    if cancel_deadline > starts_at:
        errors["cancel_deadline"] = _("Free cancellation must end before the shift starts.")
    if capacity < 1:
        errors["capacity"] = _("A shift needs at least one place.")
    if min_staffing > capacity:
        errors["min_staffing"] = _("The minimum staffing cannot be more than the places.")
    if errors:
        raise ValidationError(errors)


def series_starts(
    *,
    first_day: date,
    last_day: date,
    weekdays: Container[int],
    every_weeks: int,
    times: Iterable[tuple[time, time]],
) -> list[tuple[datetime, datetime]]:
    """The (start, end) moments of a series: the chosen weekdays of every `every_weeks`-th week from
    `first_day` to `last_day`, at each of `times` [(time, time)], in local time."""
    tz = timezone.get_current_timezone()
    week_zero = first_day - timedelta(days=first_day.weekday())
    moments = []
    day = first_day
    while day <= last_day:
        if day.weekday() in weekdays and ((day - week_zero).days // 7) % every_weeks == 0:
            for start, end in times:
                moments.append(
                    (
                        timezone.make_aware(datetime.combine(day, start), tz),
                        timezone.make_aware(datetime.combine(day, end), tz),
                    )
                )
        day += timedelta(days=1)
    return moments


@transaction.atomic
def shift_series_create(
    *,
    actor: User,
    scope: Region | None,
    opportunity: Page,  # an opportunity page (the cms app's; this app does not import it)
    service_type: ServiceType,
    eligible_kinds: Iterable[str],
    venue: Venue,
    first_day: date,
    last_day: date,
    weekdays: Container[int],
    every_weeks: int,
    times: Iterable[tuple[time, time]],
    capacity: int,
    min_staffing: int,
    signup_hours_before: float,
    cancel_hours_before: float,
    now: datetime | None = None,
    **rules: Any,
) -> list[Shift]:
    """Create a series of shifts in one go (e.g. the hotline every weekday 09:00–12:00 and
    14:00–17:30 for a quarter). Returns the shifts; all or none are created."""
    now = now or timezone.now()
    _require_scope(scope, venue)
    if last_day < first_day:
        raise ValidationError({"last_day": _("The last day is before the first.")})
    moments = [
        (s, e)
        for s, e in series_starts(
            first_day=first_day, last_day=last_day, weekdays=weekdays, every_weeks=every_weeks, times=times
        )
        # A shift whose sign-up would already be closed (a series made late in the evening for a
        # morning shift) could never be filled: it is left out like a past one.
        if s - timedelta(hours=signup_hours_before) > now
    ]
    if not moments:
        raise ValidationError(_("These dates and weekdays give no upcoming shift."))
    if len(moments) > settings.PB_MAX_SERIES_SHIFTS:
        raise ValidationError(
            _("That would create %(count)s shifts; at most %(max)s at a time.")
            % {"count": len(moments), "max": settings.PB_MAX_SERIES_SHIFTS}
        )
    series = uuid.uuid4()
    shifts = []
    for starts_at, ends_at in moments:
        fields: dict[str, Any] = {
            "starts_at": starts_at,
            "ends_at": ends_at,
            "capacity": capacity,
            "min_staffing": min_staffing,
            "signup_deadline": starts_at - timedelta(hours=signup_hours_before),
            "cancel_deadline": starts_at - timedelta(hours=cancel_hours_before),
        }
        _validate_times(**fields)
        shifts.append(
            Shift(
                opportunity=opportunity,
                service_type=service_type,
                eligible_kinds=list(eligible_kinds),
                venue=venue,
                series=series,
                **fields,
                **{name: value for name, value in rules.items() if name in OPPORTUNITY_RULES},
            )
        )
    Shift.objects.bulk_create(shifts)
    audit(actor=actor, action="shift_series_create", obj=opportunity, series=str(series), count=len(shifts))
    return list(Shift.objects.filter(series=series))


SHIFT_FIELDS = ("venue", "starts_at", "ends_at", "capacity", "min_staffing", "signup_deadline", "cancel_deadline")


@transaction.atomic
def shift_update(
    *, actor: User, scope: Region | None, shift: Shift, now: datetime | None = None, **fields: Any
) -> Shift:
    """Change one shift. Fewer places than people holding one is refused; more places go to the
    waiting list first."""
    now = now or timezone.now()
    shift = _lock(shift)
    _require_scope(scope, shift)
    if shift.status != Shift.Status.SCHEDULED:
        raise ValidationError(_("A cancelled shift cannot be changed."))
    before = {name: getattr(shift, name) for name in fields}
    for name, value in fields.items():
        if name not in SHIFT_FIELDS:
            raise TypeError(name)
        setattr(shift, name, value)
    _require_scope(scope, shift)
    _validate_times(
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        signup_deadline=shift.signup_deadline,
        cancel_deadline=shift.cancel_deadline,
        capacity=shift.capacity,
        min_staffing=shift.min_staffing,
    )
    held = shift.signups.filter(status__in=Signup.HOLDS_SEAT)
    holders = held.count()
    if holders > shift.capacity:
        raise ValidationError(
            {
                "capacity": ngettext(
                    "%(count)s person holds a place on this shift; cancel sign-ups before removing places.",
                    "%(count)s people hold places on this shift; cancel sign-ups before removing places.",
                    holders,
                )
                % {"count": holders}
            }
        )
    # Fewer places: people in seats beyond the new number move down into the free ones, one at a
    # time so the unique seat constraint holds at every step.
    for signup in held.filter(seat__gt=shift.capacity).order_by("seat"):
        signup.seat = _free_seat(shift)
        signup.save(update_fields=["seat"])
    shift.save()
    audit(actor=actor, action="shift_update", obj=shift, before={k: str(v) for k, v in before.items()})
    # Aware datetimes compare by moment and venues by id, whatever time zone the form used.
    moved = any(before[name] != getattr(shift, name) for name in ("starts_at", "ends_at", "venue") if name in before)
    if moved:
        # People holding a place are told, and reminded again before the new time.
        for signup in held.filter(status=Signup.Status.CONFIRMED):
            notifications.signup_email("shift_changed", signup)
        held.update(reminder_claimed_at=None, reminder_sent_at=None)
        shift.handovers.filter(status=Handover.Status.OFFERED).update(expires_at=shift.starts_at)
    _offer_next(shift, now=now)
    return shift


@transaction.atomic
def shift_cancel(*, actor: User, scope: Region | None, shift: Shift, reason: str, now: datetime | None = None) -> Shift:
    """Cancel a shift: everyone signed up, offered or waiting is released and told why."""
    now = now or timezone.now()
    shift = _lock(shift)
    _require_scope(scope, shift)
    if shift.status == Shift.Status.CANCELLED:
        return shift
    if now >= shift.starts_at:
        raise ValidationError(_("A shift that has started cannot be cancelled; mark attendance on its roster."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the shift is cancelled; everyone signed up is told.")})
    shift.status, shift.cancelled_at, shift.cancel_reason = Shift.Status.CANCELLED, now, reason.strip()
    shift.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    released = list(shift.signups.filter(status__in=Signup.OPEN))
    for signup in released:
        signup.status, signup.seat, signup.cancelled_at = Signup.Status.CANCELLED, None, now
    Signup.objects.bulk_update(released, ["status", "seat", "cancelled_at"])
    shift.handovers.filter(status=Handover.Status.OFFERED).update(status=Handover.Status.WITHDRAWN, closed_at=now)
    audit(actor=actor, action="shift_cancel", obj=shift, reason=shift.cancel_reason, released=len(released))
    for signup in released:
        notifications.signup_email("shift_cancelled", signup)
    return shift


OPPORTUNITY_RULES = ("min_years_in_practice", "no_complaint_years", "firm_consent")


def opportunity_rules(opportunity: Any) -> dict[str, Any]:
    """The opportunity page's further requirements, as shift fields."""
    return {name: getattr(opportunity, name) for name in OPPORTUNITY_RULES}


def opportunity_shifts_sync(
    *,
    opportunity_id: int,
    service_type: ServiceType,
    eligible_kinds: Iterable[str],
    now: datetime | None = None,
    **rules: Any,
) -> int:
    """Copy what signing up checks (service type, who may take it, the further requirements) from a
    just-published opportunity page to its shifts that have not started. People already holding a
    place keep it."""
    now = now or timezone.now()
    assert set(rules) <= set(OPPORTUNITY_RULES), rules
    return Shift.objects.filter(opportunity_id=opportunity_id, starts_at__gt=now).update(
        service_type=service_type, eligible_kinds=list(eligible_kinds), **rules
    )


# --- Calendar feed ---------------------------------------------------------------------------------


def calendar_token_reset(*, contributor: Contributor) -> str:
    """Give the person a new secret calendar address; the old one stops working at once."""
    contributor.calendar_token = secrets.token_urlsafe(32)
    contributor.save(update_fields=["calendar_token"])
    audit(actor=contributor.user, action="calendar_token_reset", obj=contributor)
    return contributor.calendar_token


# --- Reminders -------------------------------------------------------------------------------------


def reminders_due(*, now: datetime, policy: RotaPolicy) -> QuerySet[Signup]:
    return Signup.objects.filter(
        status=Signup.Status.CONFIRMED,
        reminder_sent_at__isnull=True,
        shift__status=Shift.Status.SCHEDULED,
        shift__starts_at__gt=now,
        shift__starts_at__lte=now + timedelta(hours=policy.reminder_hours),
    ).filter(
        Q(reminder_claimed_at__isnull=True)
        | Q(reminder_claimed_at__lt=now - timedelta(seconds=settings.PB_REMINDER_LEASE_SECONDS))
    )


REMINDER_BATCH = 5000  # per run; the next run (10 minutes later) takes the rest


def reminders_send(*, now: datetime | None = None) -> int:
    """Send each due reminder once. Each is claimed with a conditional update before it is sent
    (an overlapping run finds it claimed) and marked sent after; a claim whose sender died mid-way
    is taken again once its lease runs out. Returns how many this run sent."""
    now = now or timezone.now()
    policy = RotaPolicy.current()
    sent = 0
    # The ids are read in full first: on SQLite a cursor still open would block this run's own writes.
    for signup_id in list(
        reminders_due(now=now, policy=policy)
        .order_by("shift__starts_at", "id")
        .values_list("id", flat=True)[:REMINDER_BATCH]
    ):
        claimed_at = timezone.now()
        lease_over = claimed_at - timedelta(seconds=settings.PB_REMINDER_LEASE_SECONDS)
        claimed = Signup.objects.filter(
            Q(reminder_claimed_at__isnull=True) | Q(reminder_claimed_at__lt=lease_over),
            pk=signup_id,
            reminder_sent_at__isnull=True,
            status=Signup.Status.CONFIRMED,
        ).update(reminder_claimed_at=claimed_at)
        if not claimed:
            continue
        try:
            notifications.signup_email_send("reminder", signup_id)
        except Exception:
            # One address the mail server refuses must not hold up everyone after it; the claim
            # stays and a run after the lease tries this one again.
            logger.exception("Reminder for sign-up %s not sent; retried after the lease", signup_id)
            continue
        Signup.objects.filter(pk=signup_id, reminder_claimed_at=claimed_at).update(reminder_sent_at=timezone.now())
        sent += 1
    return sent


# --- Attendance ------------------------------------------------------------------------------------


def _hours_between(start: datetime, end: datetime) -> Decimal:
    return (Decimal((end - start).total_seconds()) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def attendance_mark(
    *,
    actor: User,
    scope: Region | None,
    signup: Signup,
    attended: bool,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    now: datetime | None = None,
) -> ServiceRecord | None:
    """Mark one person on a shift's roster attended (with the times they actually served, the
    shift's by default) or no-show. Attended creates the sign-up's one service record; marking
    again corrects that record (audited with before and after), never adds a second."""
    now = now or timezone.now()
    shift = _lock(signup.shift)  # the shift first, as every other rota write does
    signup = Signup.objects.select_for_update(of=("self",)).select_related("contributor").get(pk=signup.pk)
    signup.shift = shift
    _require_scope(scope, shift)
    refuse_own(actor, signup.contributor)
    if signup.status != Signup.Status.CONFIRMED:
        raise ValidationError(_("Only people confirmed on the shift can be marked."))
    if now < shift.starts_at:
        raise ValidationError(_("Attendance can be marked once the shift has started."))
    before = {"attendance": signup.attendance}
    record = ServiceRecord.objects.filter(signup=signup).first()
    if record is not None and record.status in (ServiceRecord.Status.APPROVED, ServiceRecord.Status.REJECTED):
        # Its points are in the ledger (or it was refused): undo the decision in Points first.
        raise ValidationError(
            _("This service record has already been decided; withdraw the decision before correcting attendance.")
        )
    if record is not None:
        before.update(
            record_status=record.status,
            hours=str(record.hours),
            started_at=record.started_at.isoformat(),
            ended_at=record.ended_at.isoformat(),
        )
    signup.attendance = Signup.Attendance.ATTENDED if attended else Signup.Attendance.NO_SHOW
    signup.attendance_marked_at, signup.attendance_marked_by = now, actor
    signup.save(update_fields=["attendance", "attendance_marked_at", "attendance_marked_by"])
    if attended:
        started_at, ended_at = started_at or shift.starts_at, ended_at or shift.ends_at
        if ended_at <= started_at:
            raise ValidationError({"ended_at": _("The end must be after the start.")})
        if ended_at - started_at > timedelta(hours=24):
            raise ValidationError({"ended_at": _("One record cannot be longer than 24 hours.")})
        values = {
            "contributor": signup.contributor,
            "service_type_id": shift.service_type_id,
            "venue": shift.venue,
            "region_id": shift.venue.region_id,
            "date": timezone.localtime(started_at).date(),
            "started_at": started_at,
            "ended_at": ended_at,
            "hours": _hours_between(started_at, ended_at),
            "status": ServiceRecord.Status.VERIFIED_ATTENDANCE,
            "updated_at": now,
            "updated_by": actor,
        }
        record, _created = ServiceRecord.objects.update_or_create(
            signup=signup, defaults=values, create_defaults={**values, "created_at": now}
        )
    elif record is not None:
        record.status, record.updated_at, record.updated_by = ServiceRecord.Status.WITHDRAWN, now, actor
        record.save(update_fields=["status", "updated_at", "updated_by"])
    after: dict[str, str] = {"attendance": signup.attendance}
    if record is not None:
        after.update(record_status=record.status, hours=str(record.hours))
    audit(
        actor=actor,
        action="attendance_mark",
        obj=signup,
        before=before,
        after=after,
        record=record.pk if record else None,
    )
    return record


@transaction.atomic
def rota_policy_update(*, actor: User, **fields: Any) -> RotaPolicy:
    policy = RotaPolicy.objects.select_for_update().get(pk=RotaPolicy.current().pk)
    before = {name: getattr(policy, name) for name in fields}
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.updated_at = timezone.now()
    policy.save()
    audit(actor=actor, action="rota_policy_update", obj=policy, before=before, after=fields)
    return policy
