"""The rota: shifts, sign-ups (with the waiting list and offers) and the city's rota rules."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import SingleRow
from volunteers.models.people import Contributor, ServiceType, User, Venue


class Shift(models.Model):
    """One slot of an opportunity's rota (a hotline morning, a village clinic afternoon).

    The opportunity itself is a Wagtail page in `cms`; this app refers to it only as a page, and
    keeps on the shift what signing up needs (service type, venue, who may take it), so the rules
    for signing up never have to read `cms`.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    opportunity = models.ForeignKey("wagtailcore.Page", on_delete=models.PROTECT, related_name="shifts")
    service_type = models.ForeignKey(ServiceType, verbose_name=_("service type"), on_delete=models.PROTECT)
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="shifts")
    # Contributor kinds that may take the shift; empty means anyone with a completed profile.
    eligible_kinds = models.JSONField(_("who may take it"), default=list, blank=True)
    # More than a kind (copied from the opportunity, like the kinds): 0 / False means no such rule.
    min_years_in_practice = models.PositiveSmallIntegerField(_("minimum years in practice"), default=0)
    no_complaint_years = models.PositiveSmallIntegerField(_("no upheld complaint for (years)"), default=0)
    firm_consent = models.BooleanField(_("needs the firm's consent"), default=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    min_staffing = models.PositiveSmallIntegerField(_("minimum staffing"), default=1)
    signup_deadline = models.DateTimeField(_("sign-up deadline"))
    cancel_deadline = models.DateTimeField(_("free cancellation until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # Shifts created together by one series form share this, so a person can take several at once.
    series = models.UUIDField(null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        indexes = [models.Index(fields=["starts_at"], name="shift_starts_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="shift_has_places"),
        ]

    def __str__(self):
        return f"{self.venue} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def hours(self):
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class Signup(models.Model):
    """A person's place on a shift, or their place in its waiting list.

    A confirmed sign-up, or a pending offer from the waiting list, holds a numbered seat; seats are
    unique per shift in the database, so even a writer that skipped the shift lock could not put
    more people on a shift than it has seats.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("On the waiting list")
        OFFERED = "offered", _("Offered a place")
        OFFER_EXPIRED = "offer_expired", _("Offer expired")
        CANCELLED = "cancelled", _("Cancelled")
        LATE_CANCELLED = "late_cancelled", _("Cancelled late")
        PENDING_CONSENT = "pending_consent", _("Waiting for the firm's consent")
        CONSENT_DECLINED = "consent_declined", _("The firm did not consent")
        HANDED_OVER = "handed_over", _("Handed over")

    class Attendance(models.TextChoices):
        UNMARKED = "", _("Not marked")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")

    # A sign-up waiting for the firm's consent holds its seat, so consent never finds the shift full.
    OPEN = (Status.CONFIRMED, Status.WAITING, Status.OFFERED, Status.PENDING_CONSENT)
    HOLDS_SEAT = (Status.CONFIRMED, Status.OFFERED, Status.PENDING_CONSENT)

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="signups")
    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="signups")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    seat = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    # A reminder is claimed (lease) before it is sent and marked sent after, so overlapping or
    # restarted jobs never send it twice; a claim whose sender died is taken again after the lease.
    reminder_claimed_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, blank=True, default=Attendance.UNMARKED
    )
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    attendance_marked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        indexes = [
            models.Index(fields=["status", "offer_expires_at"], name="signup_offer_idx"),
            models.Index(fields=["contributor", "status"], name="signup_person_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "contributor"],
                condition=Q(status__in=["confirmed", "waiting", "offered", "pending_consent"]),
                name="signup_one_open_per_person",
            ),
            models.UniqueConstraint(
                fields=["shift", "seat"],
                condition=Q(status__in=["confirmed", "offered", "pending_consent"]),
                name="signup_one_person_per_seat",
            ),
            models.CheckConstraint(
                # seat IS NOT NULL spelled out: a CHECK that evaluates to NULL passes.
                condition=(
                    Q(status__in=["confirmed", "offered", "pending_consent"]) & Q(seat__isnull=False) & Q(seat__gte=1)
                )
                | (~Q(status__in=["confirmed", "offered", "pending_consent"]) & Q(seat__isnull=True)),
                name="signup_seat_only_when_held",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["offered", "pending_consent"]) | Q(offer_expires_at__isnull=False),
                name="signup_offer_has_deadline",
            ),
        ]

    def __str__(self):
        return f"{self.contributor} → {self.shift}"


class Handover(models.Model):
    """A confirmed place its holder offers to someone else: a named colleague, the members of the
    holder's firm, or the people on the shift's waiting list. The first of them to accept takes the
    seat (`handover_accept`, under the shift lock); until then the holder keeps the place and the
    obligation to serve."""

    class Audience(models.TextChoices):
        COLLEAGUE = "colleague", _("A named colleague")
        FIRM = "firm", _("My firm's members")
        WAITLIST = "waitlist", _("The waiting list")

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    signup = models.ForeignKey(Signup, on_delete=models.PROTECT, related_name="handovers")
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="handovers")
    giver = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="handovers_given")
    audience = models.CharField(_("offered to"), max_length=10, choices=Audience.choices)
    colleague = models.ForeignKey(
        Contributor, null=True, blank=True, on_delete=models.PROTECT, related_name="handovers_offered"
    )
    organisation = models.ForeignKey(
        "volunteers.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OFFERED)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("open until"))
    closed_at = models.DateTimeField(null=True, blank=True)
    taker = models.ForeignKey(Contributor, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    taken_signup = models.OneToOneField(
        Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="handed_from"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        indexes = [models.Index(fields=["status", "expires_at"], name="handover_open_idx")]
        constraints = [
            models.UniqueConstraint(fields=["signup"], condition=Q(status="offered"), name="handover_one_open"),
            models.CheckConstraint(
                condition=(Q(audience="colleague") & Q(colleague__isnull=False))
                | (Q(audience="firm") & Q(organisation__isnull=False))
                | Q(audience="waitlist"),
                name="handover_names_its_audience",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | (Q(taker__isnull=False) & Q(taken_signup__isnull=False)),
                name="handover_accepted_has_taker",
            ),
        ]

    def __str__(self):
        return f"{self.giver} → {self.get_audience_display()} ({self.shift})"


class RotaPolicy(SingleRow):
    """City-wide rota rules that bureau staff adjust (one row)."""

    max_hours_per_day = models.PositiveSmallIntegerField(_("most shift hours per person per day"), default=10)
    max_hours_per_week = models.PositiveSmallIntegerField(_("most shift hours per person per week"), default=40)
    offer_hours = models.PositiveSmallIntegerField(
        _("hours to accept a waiting-list offer"),
        default=12,
        help_text=_("Shorter when the shift is sooner: never more than half the time left before it starts."),
    )
    reminder_hours = models.PositiveSmallIntegerField(_("reminder this many hours before a shift"), default=24)
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-shows that block signing up"),
        default=3,
        help_text=_("Counted over the period below; 0 turns the block off."),
    )
    no_show_window_days = models.PositiveSmallIntegerField(_("no-show period (days)"), default=180)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rota rules")
        verbose_name_plural = _("rota rules")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="rota_policy_single_row")]

    def __str__(self):
        return str(_("rota rules"))
