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
    daily_cap = models.DecimalField(_("most points per day"), max_digits=8, decimal_places=2, null=True, blank=True)
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
        ]

    def __str__(self):
        return f"{self.service_type} {self.points_per_hour}/h ({self.effective_from})"


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

    contributor = models.ForeignKey("volunteers.Contributor", on_delete=models.PROTECT, related_name="ledger_entries")
    points = models.DecimalField(_("points"), max_digits=10, decimal_places=2)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_id = models.PositiveBigIntegerField()
    rule = models.ForeignKey(PointsRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
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
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="entry_points_not_zero"),
            models.CheckConstraint(condition=Q(kind="reversal", reverses__isnull=False)
                                   | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                                   name="entry_reversal_points_at_entry"),
        ]

    def __str__(self):
        return f"{self.contributor} {self.points:+} ({self.kind})"
