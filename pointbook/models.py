"""The counting side: points rules (versioned by date) and the append-only ledger.

Every figure anyone sees about points is a sum of `LedgerEntry` rows. Entries are never updated or
deleted — the database refuses it (triggers, migration 0002) — and corrections are new entries that
point at what they correct.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PointsRule(models.Model):
    """How many points an hour of one service type earns, from `effective_from` on. Editing a rule
    adds a new version from a date; the version in force on a record's date is the one applied."""

    service_type = models.ForeignKey("volunteers.ServiceType", verbose_name=_("service type"),
                                     on_delete=models.PROTECT, related_name="points_rules")
    effective_from = models.DateField(_("in force from"))
    points_per_hour = models.DecimalField(_("points per hour"), max_digits=6, decimal_places=2)
    rural_multiplier = models.DecimalField(_("rural or remote venue ×"), max_digits=4, decimal_places=2,
                                           default=Decimal("1.00"))
    special_group_multiplier = models.DecimalField(
        _("special group served ×"), max_digits=4, decimal_places=2, default=Decimal("1.00"),
        help_text=_("When the record says it served at least one of the special groups."))
    night_holiday_multiplier = models.DecimalField(
        _("night or public holiday ×"), max_digits=4, decimal_places=2, default=Decimal("1.00"),
        help_text=_("Work starting between 20:00 and 06:00, or on a public holiday (e.g. hotline duty)."))
    daily_cap = models.DecimalField(_("most points per day"), max_digits=8, decimal_places=2, null=True, blank=True,
                                    help_text=_("Per person, all their records of this service type that day."))
    yearly_cap = models.DecimalField(_("most points per year"), max_digits=10, decimal_places=2, null=True,
                                     blank=True, help_text=_("Per person and calendar year, this service type."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["service_type", "-effective_from"]
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        constraints = [
            models.UniqueConstraint(fields=["service_type", "effective_from"], name="rule_one_version_a_day"),
            models.CheckConstraint(condition=Q(points_per_hour__gt=0), name="rule_points_positive"),
            models.CheckConstraint(condition=Q(rural_multiplier__gte=1), name="rule_rural_at_least_one"),
            models.CheckConstraint(condition=Q(special_group_multiplier__gte=1), name="rule_group_at_least_one"),
            models.CheckConstraint(condition=Q(night_holiday_multiplier__gte=1), name="rule_night_at_least_one"),
            models.CheckConstraint(condition=Q(daily_cap__isnull=True) | Q(daily_cap__gt=0), name="rule_day_cap_positive"),
            models.CheckConstraint(condition=Q(yearly_cap__isnull=True) | Q(yearly_cap__gt=0),
                                   name="rule_year_cap_positive"),
        ]

    def __str__(self):
        return f"{self.service_type} {self.points_per_hour}/h ({self.effective_from})"


class ConductRule(models.Model):
    """Penalties and bonuses, versioned by date like points rules: points = fixed points + a multiple
    of what the shift or record would earn (e.g. a no-show costs −2 × the shift's points)."""

    class Event(models.TextChoices):
        NO_SHOW = "no_show", _("No-show")
        LATE_CANCEL = "late_cancel", _("Late cancellation")
        COMPLAINT = "complaint", _("Upheld complaint")
        GOOD_RATING = "good_rating", _("Good public rating")

    event = models.CharField(_("event"), max_length=12, choices=Event.choices)
    effective_from = models.DateField(_("in force from"))
    fixed_points = models.DecimalField(_("fixed points"), max_digits=8, decimal_places=2, default=Decimal("0"),
                                       help_text=_("Negative for a penalty."))
    times_points = models.DecimalField(
        _("× the service's points"), max_digits=5, decimal_places=2, default=Decimal("0"),
        help_text=_("A multiple of what the shift or record earns under its points rule; −2 for “minus twice”."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event", "-effective_from"]
        verbose_name = _("penalty or bonus rule")
        verbose_name_plural = _("penalty and bonus rules")
        constraints = [
            models.UniqueConstraint(fields=["event", "effective_from"], name="conduct_one_version_a_day"),
            models.CheckConstraint(condition=~Q(fixed_points=0) | ~Q(times_points=0), name="conduct_not_empty"),
        ]

    def __str__(self):
        return f"{self.get_event_display()} ({self.effective_from})"


class PublicHoliday(models.Model):
    """Days the night-or-holiday multiplier applies all day (China's holidays move every year)."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["date"]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")

    def __str__(self):
        return f"{self.date} {self.name}"


class LedgerEntry(models.Model):
    """One change of a contributor's points, with where it came from and why, in words and as data."""

    class Kind(models.TextChoices):
        AWARD = "award", _("Award")
        BONUS = "bonus", _("Bonus")
        PENALTY = "penalty", _("Penalty")
        ADJUSTMENT = "adjustment", _("Adjustment")
        REVERSAL = "reversal", _("Reversal")

    class Source(models.TextChoices):
        SERVICE_RECORD = "service_record", _("Service record")
        RATING = "rating", _("Public rating")
        NO_SHOW = "no_show", _("No-show")
        APPEAL = "appeal", _("Appeal")
        RESCORE = "rescore", _("Re-scoring")
        LATE_CANCEL = "late_cancel", _("Late cancellation")
        COMPLAINT = "complaint", _("Upheld complaint")

    contributor = models.ForeignKey("volunteers.Contributor", on_delete=models.PROTECT, related_name="ledger_entries")
    points = models.DecimalField(_("points"), max_digits=10, decimal_places=2)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_id = models.PositiveBigIntegerField()
    rule = models.ForeignKey(PointsRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    conduct_rule = models.ForeignKey(ConductRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The service type the points were earned in (caps, standings by type); empty for appeals.
    service_type = models.ForeignKey("volunteers.ServiceType", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    # What a person reads ("3.00 h × 10 pts/h × 1.5 rural venue = 45"), in the language it was written
    # in, and the same as data for programs (rule, factors, caps).
    explanation = models.CharField(_("explanation"), max_length=300)
    breakdown = models.JSONField(default=dict, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    # The same posting asked twice (a double click, a retried task) finds the first entry by this key.
    idempotency_key = models.CharField(max_length=120, unique=True)
    effective_date = models.DateField(_("date"))  # the service's date: which year the points count for
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["contributor", "-created_at", "-id"], name="entry_person_recent_idx"),
            models.Index(fields=["contributor", "effective_date"], name="entry_person_date_idx"),
            models.Index(fields=["source", "source_id"], name="entry_source_idx"),
            models.Index(fields=["contributor", "service_type", "effective_date"], name="entry_person_type_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="entry_points_not_zero"),
            models.CheckConstraint(condition=Q(kind="reversal", reverses__isnull=False)
                                   | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                                   name="entry_reversal_points_at_entry"),
        ]

    def __str__(self):
        return f"{self.contributor} {self.points:+} ({self.kind})"


class Complaint(models.Model):
    """A complaint about a contributor's service that staff upheld (失信惩戒): it costs points and
    counts against commendations that year."""

    contributor = models.ForeignKey("volunteers.Contributor", on_delete=models.PROTECT, related_name="complaints")
    record = models.ForeignKey("volunteers.ServiceRecord", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="complaints")
    region = models.ForeignKey("volunteers.Region", on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    reason = models.CharField(_("what was upheld"), max_length=500)
    upheld_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    upheld_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-upheld_at"]
        verbose_name = _("upheld complaint")
        verbose_name_plural = _("upheld complaints")

    def __str__(self):
        return f"{self.contributor} {self.date}"


class Appeal(models.Model):
    """A contributor disputes an entry or a rejection; staff answer with an adjustment or a reasoned
    refusal. Both sides write in the thread."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ADJUSTED = "adjusted", _("Resolved with an adjustment")
        REFUSED = "refused", _("Refused")

    contributor = models.ForeignKey("volunteers.Contributor", on_delete=models.PROTECT, related_name="appeals")
    entry = models.ForeignKey(LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals")
    record = models.ForeignKey("volunteers.ServiceRecord", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="appeals")
    region = models.ForeignKey("volunteers.Region", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.OneToOneField(LedgerEntry, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="resolves_appeal")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [models.Index(fields=["status", "created_at"], name="appeal_queue_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(entry__isnull=False) | Q(record__isnull=False), name="appeal_about_something"),
            # One open appeal at a time about the same entry or record.
            models.UniqueConstraint(fields=["entry"], condition=Q(status="open", entry__isnull=False),
                                    name="appeal_one_open_per_entry"),
            models.UniqueConstraint(fields=["record"], condition=Q(status="open", record__isnull=False),
                                    name="appeal_one_open_per_record"),
        ]

    def __str__(self):
        return f"{self.contributor} {self.get_status_display()}"


class AppealMessage(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_staff = models.BooleanField(default=False)
    body = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class PublicRating(models.Model):
    """The link a contributor shows the person served (no account needed). The token is random and
    unguessable; the link expires; the first rating is the only one."""

    record = models.OneToOneField("volunteers.ServiceRecord", on_delete=models.PROTECT, related_name="rating")
    token = models.CharField(max_length=32, unique=True)
    expires_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("public rating")
        verbose_name_plural = _("public ratings")
        constraints = [models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                                              name="rating_one_to_five")]

    def __str__(self):
        return f"{self.record_id} {self.score or '-'}"
