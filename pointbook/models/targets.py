"""Yearly targets per region (seed plan: events, cases, consultations, villages with an adviser)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TargetPlan(models.Model):
    """A region's targets for a year (as in the Yuxi plan) and the expected cumulative share by each quarter's end."""

    region = models.ForeignKey(
        "volunteers.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # Cumulative percent of the year's target expected by the end of Q1..Q4 (Yuxi: 10, 60, 100, 100).
    q1_share = models.PositiveSmallIntegerField(_("expected by end of Q1 (%)"), default=10)
    q2_share = models.PositiveSmallIntegerField(_("expected by end of Q2 (%)"), default=60)
    q3_share = models.PositiveSmallIntegerField(_("expected by end of Q3 (%)"), default=100)
    q4_share = models.PositiveSmallIntegerField(_("expected by end of Q4 (%)"), default=100)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="target_plan_one_per_region_year"),
            models.CheckConstraint(
                condition=Q(
                    q1_share__lte=models.F("q2_share"),
                    q2_share__lte=models.F("q3_share"),
                    q3_share__lte=models.F("q4_share"),
                    q4_share__lte=100,
                ),
                name="target_shares_cumulative",
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.year}"


class Target(models.Model):
    class Metric(models.TextChoices):
        EDUCATION_EVENTS = "education_events", _("Legal-education events")
        SERVICE_CASES = "service_cases", _("Service cases")
        CONSULTATIONS = "consultations", _("Consultations (people)")
        VILLAGES_WITH_ADVISER = "villages_adviser", _("Villages with a legal adviser")

    plan = models.ForeignKey(TargetPlan, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(_("measure"), max_length=20, choices=Metric.choices)
    value = models.PositiveIntegerField(_("target for the year"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "metric"], name="target_one_per_metric")]

    def __str__(self):
        return f"{self.get_metric_display()}: {self.value}"
