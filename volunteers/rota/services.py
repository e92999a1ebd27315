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
from volunteers.models import Contributor, RotaPolicy, ServiceRecord, Shift, Signup
from volunteers.people.duties import refuse_own
from volunteers.rota import emails as notifications

if TYPE_CHECKING:
    from wagtail.models import Page

    from volunteers.models import Region, ServiceType, User, Venue

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
    if existing is not None and existing.status == Signup.Status.CONFIRMED:
        return existing
    policy = RotaPolicy.current()
    _check_may_take(contributor=contributor, shift=shift, now=now, policy=policy)
    seat = _free_seat(shift)
    if seat is None or _queue_ahead(shift, existing).exists():
        raise ShiftFull()
    try:
        with transaction.atomic():
            if existing is not None:  # first in the queue and a place is free
                existing.status, existing.seat = Signup.Status.CONFIRMED, seat
                existing.save(update_fields=["status", "seat"])
                signup = existing
            else:
                signup = Signup.objects.create(
                    shift=shift, contributor=contributor, seat=seat, status=Signup.Status.CONFIRMED, created_at=now
                )
    except IntegrityError:
        # Only reachable if something wrote without the lock: the database kept the seat unique.
        raise ShiftFull() from None
    audit(actor=contributor.user, action="signup_create", obj=signup, shift=shift.pk, seat=seat)
    notifications.signup_email("confirmed", signup)
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
        if signup.status == Signup.Status.CONFIRMED:
            return signup
        if signup.status != Signup.Status.OFFERED:
            raise SignupRefused("no_offer", _("There is no open offer for this shift."))
        if now < signup.offer_expires_at:  # type: ignore[operator]  # an offer always has its expiry
            _check_may_take(contributor=contributor, shift=shift, now=now, policy=RotaPolicy.current(), deadline=False)
            signup.status = Signup.Status.CONFIRMED
            signup.save(update_fields=["status"])
            audit(actor=contributor.user, action="signup_offer_accept", obj=signup, seat=signup.seat)
            notifications.signup_email("confirmed", signup)
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
    signup.status = Signup.Status.LATE_CANCELLED if late else Signup.Status.CANCELLED
    signup.seat = None
    signup.cancelled_at = now
    signup.save(update_fields=["status", "seat", "cancelled_at"])
    audit(actor=contributor.user, action="signup_cancel", obj=signup, late=late)
    notifications.signup_email("cancelled", signup)
    if held:
        _offer_next(shift, now=now)
    return signup


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
    audit(actor=actor, action="shift_cancel", obj=shift, reason=shift.cancel_reason, released=len(released))
    for signup in released:
        notifications.signup_email("shift_cancelled", signup)
    return shift


def opportunity_shifts_sync(
    *, opportunity_id: int, service_type: ServiceType, eligible_kinds: Iterable[str], now: datetime | None = None
) -> int:
    """Copy what signing up checks (service type, who may take it) from a just-published
    opportunity page to its shifts that have not started."""
    now = now or timezone.now()
    return Shift.objects.filter(opportunity_id=opportunity_id, starts_at__gt=now).update(
        service_type=service_type, eligible_kinds=list(eligible_kinds)
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
