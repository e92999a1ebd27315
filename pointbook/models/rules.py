"""Points rules (versioned by date), conduct rules (penalties, bonuses) and public holidays."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import NameField


class PointsRule(models.Model):
    """How many points an hour of one service type earns, from `effective_from` on. Editing a rule
    adds a new version from a date; the version in force on a record's date is the one applied."""

    service_type = models.ForeignKey(
        "volunteers.ServiceType", verbose_name=_("service type"), on_delete=models.PROTECT, related_name="points_rules"
    )
    effective_from = models.DateField(_("in force from"))
    points_per_hour = models.DecimalField(_("points per hour"), max_digits=6, decimal_places=2)
    rural_multiplier = models.DecimalField(
        _("rural or remote venue ×"), max_digits=4, decimal_places=2, default=Decimal("1.00")
    )
    special_group_multiplier = models.DecimalField(
        _("special group served ×"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text=_("When the record says it served at least one of the special groups."),
    )
    night_holiday_multiplier = models.DecimalField(
        _("night or public holiday ×"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        help_text=_("Work starting between 20:00 and 06:00, or on a public holiday (e.g. hotline duty)."),
    )
    daily_cap = models.DecimalField(
        _("most points per day"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Per person, all their records of this service type that day."),
    )
    yearly_cap = models.DecimalField(
        _("most points per year"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Per person and calendar year, this service type."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
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
            models.CheckConstraint(
                condition=Q(daily_cap__isnull=True) | Q(daily_cap__gt=0), name="rule_day_cap_positive"
            ),
            models.CheckConstraint(
                condition=Q(yearly_cap__isnull=True) | Q(yearly_cap__gt=0), name="rule_year_cap_positive"
            ),
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
    fixed_points = models.DecimalField(
        _("fixed points"), max_digits=8, decimal_places=2, default=Decimal("0"), help_text=_("Negative for a penalty.")
    )
    times_points = models.DecimalField(
        _("× the service's points"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("A multiple of what the shift or record earns under its points rule; −2 for “minus twice”."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
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
    name = NameField(_("name"), max_length=60)

    class Meta:
        ordering = ["date"]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")

    def __str__(self):
        return f"{self.date} {self.name}"
