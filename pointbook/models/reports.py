"""Recognition reports and monthly digests, built by a job."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers.models import evidence_storage


class RecognitionReport(models.Model):
    """An annual recognition report or a monthly staff digest for a region, built by a Celery job."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("Annual recognition report")
        MONTHLY = "monthly", _("Monthly digest")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    region = models.ForeignKey(
        "volunteers.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    pdf = models.FileField(storage=evidence_storage, upload_to="reports/%Y/", blank=True, max_length=200)
    xlsx = models.FileField(storage=evidence_storage, upload_to="reports/%Y/", blank=True, max_length=200)
    error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "year"], name="report_region_year_idx")]
