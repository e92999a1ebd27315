"""The counting side: points rules (versioned by date) and the append-only ledger.

Every figure anyone sees about points is a sum of `LedgerEntry` rows. Entries are never updated or
deleted — the database refuses it (triggers, migration 0002) — and corrections are new entries that
point at what they correct.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pointbook.models.rules import ConductRule, PointsRule

# The kinds that spend points (incentives). Every earned figure (totals, standings, stars, reports,
# firm records, caps) leaves them out: `LedgerEntry.objects.earned()`, and the totals trigger.
SPENDING_KINDS = ("spend", "refund", "expiry")


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    def earned(self) -> "LedgerEntryQuerySet":
        """Entries that count as earned: everything but spending, refunds and expiry."""
        return self.exclude(kind__in=SPENDING_KINDS)

    def spending(self) -> "LedgerEntryQuerySet":
        return self.filter(kind__in=SPENDING_KINDS)


class LedgerEntry(models.Model):
    """One change of a contributor's points, with where it came from and why, in words and as data.

    Earned entries (awards, bonuses, penalties, adjustments, reversals) make every figure of merit;
    spending entries (spend, refund, expiry) move only the spendable balance (pointbook.incentives)."""

    class Kind(models.TextChoices):
        AWARD = "award", _("Award")
        BONUS = "bonus", _("Bonus")
        PENALTY = "penalty", _("Penalty")
        ADJUSTMENT = "adjustment", _("Adjustment")
        REVERSAL = "reversal", _("Reversal")
        # Spending (incentives): they move the spendable balance only; earned figures never count them.
        SPEND = "spend", _("Spent on a reward")
        REFUND = "refund", _("Refund")
        EXPIRY = "expiry", _("Expired")

    class Source(models.TextChoices):
        SERVICE_RECORD = "service_record", _("Service record")
        RATING = "rating", _("Public rating")
        NO_SHOW = "no_show", _("No-show")
        APPEAL = "appeal", _("Appeal")
        RESCORE = "rescore", _("Re-scoring")
        LATE_CANCEL = "late_cancel", _("Late cancellation")
        COMPLAINT = "complaint", _("Upheld complaint")
        REDEMPTION = "redemption", _("Reward request")
        EXPIRY = "expiry", _("Points expiry")

    contributor = models.ForeignKey("volunteers.Contributor", on_delete=models.PROTECT, related_name="ledger_entries")
    points = models.DecimalField(_("points"), max_digits=10, decimal_places=2)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_id = models.PositiveBigIntegerField()
    rule = models.ForeignKey(PointsRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    conduct_rule = models.ForeignKey(ConductRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The service type the points were earned in (caps, standings by type); empty for appeals.
    service_type = models.ForeignKey(
        "volunteers.ServiceType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What a person reads ("3.00 h × 10 pts/h × 1.5 rural venue = 45"), in the language it was written
    # in, and the same as data for programs (rule, factors, caps).
    explanation = models.CharField(_("explanation"), max_length=300)
    breakdown = models.JSONField(default=dict, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    # The same posting asked twice (a double click, a retried task) finds the first entry by this key.
    idempotency_key = models.CharField(max_length=120, unique=True)
    effective_date = models.DateField(_("date"))  # the service's date: which year the points count for
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = LedgerEntryQuerySet.as_manager()

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
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False) | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="entry_reversal_points_at_entry",
            ),
        ]

    def __str__(self):
        return f"{self.contributor} {self.points:+} ({self.kind})"


class LedgerTotal(models.Model):
    """The ledger summed per contributor, year (of the entries' dates) and service type, kept by the
    database itself: a trigger on the ledger adds every entry inserted, however it is inserted (the
    ORM, a bulk COPY, raw SQL), in the inserting transaction (migration 0009). The standings read these
    totals, a few rows per person, instead of the year's entries; `ledger_verify` checks them against
    the ledger. Derived data: no foreign-key constraint, never written by Python."""

    contributor = models.ForeignKey(
        "volunteers.Contributor", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    year = models.PositiveSmallIntegerField()
    service_type = models.PositiveIntegerField()  # the entries' service type id; 0 for entries without one
    points = models.DecimalField(max_digits=14, decimal_places=2)
    hours = models.DecimalField(max_digits=12, decimal_places=2)
    entries = models.PositiveIntegerField()
    # The latest entry's created_at: when the contributor reached this total (the standings' tie-break).
    reached_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "contributor", "service_type"], name="ledger_total_key")]

    def __str__(self):
        # Ids only: derived rows without foreign-key constraints may outlive what they point at.
        return f"{self.year} contributor#{self.contributor_id} type#{self.service_type}: {self.points}"


# --- Recognition: standings, commendations, certificates, targets, reports ---------------------------
