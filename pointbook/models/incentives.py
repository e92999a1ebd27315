"""Incentives: the city's spending rules, the rewards catalogue, redemptions and spendable balances.

Earned points (stars, rankings, commendations) are never lowered by spending. What a person can
spend is their spendable earned points minus what they spent and what expired; spending, refunds
and expiry are ledger entries of their own kinds (`SPENDING_KINDS`) that earned figures leave out.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.language import localized
from core.models import SingleRow
from pointbook.models.ledger import LedgerEntry

Source = LedgerEntry.Source


class RewardsPolicy(SingleRow):
    """The city's rules for spending points (one row, kept by city staff)."""

    class Expiry(models.TextChoices):
        NEVER = "never", _("Spendable points never expire")
        YEARS = "years", _("Some years after the service date")
        NEXT_YEAR_END = "next_year_end", _("At the end of the year after the service")

    expiry = models.CharField(_("expiry of spendable points"), max_length=16, choices=Expiry.choices, default="never")
    expiry_years = models.PositiveSmallIntegerField(
        _("years until they expire"), default=3, help_text=_("Used when points expire some years after the service.")
    )
    bonus_spendable = models.BooleanField(_("bonus points (good public ratings) can be spent"), default=True)
    adjustment_spendable = models.BooleanField(_("manual adjustment points can be spent"), default=False)
    pickup_days = models.PositiveSmallIntegerField(
        _("days to pick up a reward"),
        default=30,
        help_text=_("An uncollected reward goes back to stock after this many days and its points are refunded."),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rewards rules")
        verbose_name_plural = _("rewards rules")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="rewards_policy_single_row"),
            models.CheckConstraint(condition=Q(expiry_years__gte=1), name="rewards_policy_expiry_years"),
            models.CheckConstraint(condition=Q(pickup_days__gte=1), name="rewards_policy_pickup_days"),
        ]

    def __str__(self) -> str:
        return str(_("rewards rules"))

    def credit_sources(self) -> list[str]:
        """The sources whose entries count towards spendable points: service (and its corrections,
        penalties) always; bonuses and manual adjustments as the city decides."""
        sources = [Source.SERVICE_RECORD, Source.RESCORE, Source.NO_SHOW, Source.LATE_CANCEL, Source.COMPLAINT]
        if self.bonus_spendable:
            sources.append(Source.RATING)
        if self.adjustment_spendable:
            sources.append(Source.APPEAL)
        return sources

    def expires_on(self, service_date: date) -> date | None:
        """The first day points earned on `service_date` can no longer be spent (None: never)."""
        if self.expiry == self.Expiry.YEARS:
            year = service_date.year + self.expiry_years
            day = min(service_date.day, calendar.monthrange(year, service_date.month)[1])
            return service_date.replace(year=year, day=day)
        if self.expiry == self.Expiry.NEXT_YEAR_END:
            return date(service_date.year + 2, 1, 1)
        return None

    def expired_through(self, today: date) -> date | None:
        """The latest service date whose points have expired by `today` (None: nothing has)."""
        if self.expiry == self.Expiry.YEARS:
            # The latest day whose expiry date has come (29 Feb expires on 28 Feb): start near it, step.
            year = today.year - self.expiry_years
            cutoff = today.replace(year=year, day=min(today.day, calendar.monthrange(year, today.month)[1]))
            while self.expires_on(cutoff + timedelta(days=1)) <= today:  # type: ignore[operator]
                cutoff += timedelta(days=1)
            while self.expires_on(cutoff) > today:  # type: ignore[operator]
                cutoff -= timedelta(days=1)
            return cutoff
        if self.expiry == self.Expiry.NEXT_YEAR_END:
            return date(today.year - 2, 12, 31)
        return None


class Reward(models.Model):
    """Something points can buy, published by staff of a region for everyone in its subtree."""

    class Kind(models.TextChoices):
        MATERIAL = "material", _("Material reward")
        POLICY = "policy", _("Policy support")

    region = models.ForeignKey(
        "volunteers.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title_zh = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=100)
    description_zh = models.TextField(_("description (Chinese)"), max_length=2000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=2000, blank=True)
    cost = models.DecimalField(_("points cost"), max_digits=8, decimal_places=2, default=Decimal(0))
    # Material rewards only: what is left, how many one person may have a year, where to collect.
    stock = models.PositiveIntegerField(_("in stock"), null=True, blank=True)
    per_person_per_year = models.PositiveSmallIntegerField(_("limit per person per year"), null=True, blank=True)
    venue = models.ForeignKey(
        "volunteers.Venue",
        verbose_name=_("pick-up venue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    needs_approval = models.BooleanField(_("staff approve each request"), default=False)
    # Eligibility.
    contributor_kinds = models.JSONField(_("open to"), default=list, blank=True)  # empty: every kind
    min_stars = models.PositiveSmallIntegerField(_("minimum star level"), default=0)
    min_year_hours = models.DecimalField(
        _("minimum verified hours this year"), max_digits=7, decimal_places=2, default=Decimal(0)
    )
    good_standing = models.BooleanField(_("good standing (no upheld complaint this year)"), default=False)
    valid_from = models.DateField(_("available from"))
    valid_until = models.DateField(_("available until"), null=True, blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cost", "id"]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        constraints = [
            models.CheckConstraint(
                condition=Q(cost__gte=0),
                name="reward_cost_not_negative",
                violation_error_message=_("The cost cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(stock__isnull=True) | Q(stock__gte=0),
                name="reward_stock_not_negative",
                violation_error_message=_("The stock cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(kind="material", stock__isnull=False) | Q(kind="policy", stock__isnull=True),
                name="reward_stock_only_material",
                violation_error_message=_("A material reward needs its stock; policy support has none."),
            ),
            models.CheckConstraint(
                condition=Q(kind="policy") | Q(cost__gt=0),
                name="reward_material_costs_points",
                violation_error_message=_("A material reward costs points."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)

    @property
    def description(self) -> str:
        return localized(self.description_zh, self.description_en)


class Redemption(models.Model):
    """A contributor's request for a reward: its points are debited when asked (and refunded if it
    is cancelled, rejected or not collected); a material reward's stock is held the same way."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for staff")
        READY = "ready", _("Ready to collect")
        FULFILLED = "fulfilled", _("Handed over")
        GRANTED = "granted", _("Granted")
        REJECTED = "rejected", _("Not granted")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Not collected in time")

    OPEN = (Status.PENDING, Status.READY)
    REFUNDED = (Status.REJECTED, Status.CANCELLED, Status.EXPIRED)
    # What counts against a per-person limit: everything not given back.
    HELD = (Status.PENDING, Status.READY, Status.FULFILLED, Status.GRANTED)

    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    contributor = models.ForeignKey("volunteers.Contributor", on_delete=models.PROTECT, related_name="redemptions")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2)  # the cost when asked
    year = models.PositiveSmallIntegerField()  # the year a per-person limit counts it in
    code = models.CharField(_("pick-up code"), max_length=12, unique=True)
    requested_at = models.DateTimeField(default=timezone.now)
    pickup_until = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("reward request")
        verbose_name_plural = _("reward requests")
        indexes = [
            models.Index(fields=["contributor", "reward", "year"], name="redemption_limit_idx"),
            models.Index(fields=["status", "pickup_until"], name="redemption_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reward} → {self.contributor} ({self.status})"


class RewardsWallet(models.Model):
    """Per contributor, what spending entries add up to (kept in the transaction that posts them),
    and the row locked while spending: one person's requests queue on it, so a balance is never
    overdrawn however many arrive at once."""

    contributor = models.OneToOneField(
        "volunteers.Contributor", primary_key=True, on_delete=models.PROTECT, related_name="rewards_wallet"
    )
    spent = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    refunded = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    expired = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(spent__gte=0, refunded__gte=0, expired__gte=0), name="wallet_sums_not_negative"
            ),
            models.CheckConstraint(condition=Q(refunded__lte=models.F("spent")), name="wallet_refunds_within_spent"),
        ]

    def __str__(self) -> str:
        return f"wallet of contributor#{self.contributor_id}"

    @property
    def used(self) -> Decimal:
        """Points no longer spendable: spent (net of refunds) and expired."""
        return self.spent - self.refunded + self.expired


class RewardQualification(models.Model):
    """A person staff marked as meeting a policy-support reward's thresholds; they see it on My points."""

    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="qualifications")
    contributor = models.ForeignKey("volunteers.Contributor", on_delete=models.PROTECT, related_name="+")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-marked_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["reward", "contributor"], name="qualification_once")]

    def __str__(self) -> str:
        return f"{self.contributor} qualifies for {self.reward}"
