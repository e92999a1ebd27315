"""Conduct: complaints, appeals and their threads, public ratings."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import SingleRow
from pointbook.models.ledger import LedgerEntry


class Complaint(models.Model):
    """A complaint about a contributor's service that staff upheld (失信惩戒): it costs points and
    counts against commendations that year."""

    contributor = models.ForeignKey("volunteers.Contributor", on_delete=models.PROTECT, related_name="complaints")
    record = models.ForeignKey(
        "volunteers.ServiceRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
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
    record = models.ForeignKey(
        "volunteers.ServiceRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    region = models.ForeignKey("volunteers.Region", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="resolves_appeal"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A large adjustment waits here for a second member of staff (AdjustmentPolicy).
    proposed_points = models.DecimalField(_("proposed points"), max_digits=10, decimal_places=2, null=True, blank=True)
    proposed_reason = models.CharField(_("proposed reason"), max_length=280, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [models.Index(fields=["status", "created_at"], name="appeal_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(entry__isnull=False) | Q(record__isnull=False), name="appeal_about_something"
            ),
            # One open appeal at a time about the same entry or record.
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="open", entry__isnull=False), name="appeal_one_open_per_entry"
            ),
            models.UniqueConstraint(
                fields=["record"], condition=Q(status="open", record__isnull=False), name="appeal_one_open_per_record"
            ),
        ]

    def __str__(self):
        return f"{self.contributor} {self.get_status_display()}"


class AdjustmentPolicy(SingleRow):
    """The city's four-eyes rule for manual entries (one row): an adjustment larger than this, either
    way, is proposed by one member of staff and posted only when a second one approves it."""

    second_approval_above = models.DecimalField(
        _("adjustments above this many points need a second member of staff"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("100"),
        help_text=_("Counted either way (+ or −). 0 means every adjustment needs a second member of staff."),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("adjustment rules")
        verbose_name_plural = _("adjustment rules")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="adjustment_policy_single_row")]

    def __str__(self):
        return str(_("adjustment rules"))


class AppealMessage(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_staff = models.BooleanField(default=False)
    body = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.appeal} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


class Sighting(models.Model):
    """A browser (its device cookie) or a network address someone used signed in, kept only as a keyed
    hash (never the address itself). A good rating sent from one the contributor used may be the
    contributor rating themself: its bonus waits for staff."""

    class Kind(models.TextChoices):
        DEVICE = "device", _("the contributor's own browser")
        ADDRESS = "address", _("a network address the contributor used")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    digest = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "digest"], name="sighting_once")]

    def __str__(self):
        return f"{self.user_id} {self.kind}"


class PublicRating(models.Model):
    """The link a contributor shows the person served (no account needed). The token is random and
    unguessable; the link expires; the first rating is the only one. A good rating's bonus is posted at
    once, or held for staff when it came from the contributor's own browser or network address; none
    is given past the year's cap."""

    class Bonus(models.TextChoices):
        NONE = "", _("No bonus")
        POSTED = "posted", _("Bonus posted")
        HELD = "held", _("Bonus waiting for staff")
        CONFIRMED = "confirmed", _("Bonus confirmed by staff")
        DECLINED = "declined", _("Bonus declined by staff")
        CAPPED = "capped", _("No bonus: the year's rating bonuses are used up")

    record = models.OneToOneField("volunteers.ServiceRecord", on_delete=models.PROTECT, related_name="rating")
    token = models.CharField(max_length=32, unique=True)
    expires_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.CharField(pgettext_lazy("rating", "comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    bonus = models.CharField(_("bonus"), max_length=10, choices=Bonus.choices, blank=True, default=Bonus.NONE)
    # Why a bonus was held: the Sighting kind the rating matched.
    held_because = models.CharField(max_length=8, choices=Sighting.Kind.choices, blank=True)
    bonus_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bonus_decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("public rating")
        verbose_name_plural = _("public ratings")
        indexes = [
            # The staff queue: the few held bonuses, found without reading every rating.
            models.Index(fields=["rated_at"], condition=Q(bonus="held"), name="rating_bonus_held_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="rating_one_to_five"
            ),
            models.CheckConstraint(condition=~Q(bonus="held") | ~Q(held_because=""), name="rating_held_bonus_says_why"),
        ]

    def __str__(self):
        return f"{self.record_id} {self.score or '-'}"
