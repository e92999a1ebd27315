"""Recognition reports and monthly digests, built by a job."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Job
from volunteers.models import evidence_storage


class RecognitionReport(Job):
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
    pdf = models.FileField(storage=evidence_storage, upload_to="reports/%Y/", blank=True, max_length=200)
    xlsx = models.FileField(storage=evidence_storage, upload_to="reports/%Y/", blank=True, max_length=200)
    # When its figures were counted: the standings snapshot the build refreshed (every sum in the files
    # counts the ledger up to that snapshot's watermark), so the page, the PDF and the sheet say one "as of".
    counted_at = models.DateTimeField(_("figures as of"), null=True, blank=True)

    TASK = "report"

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["region", "year"], name="report_region_year_idx")]

    def __str__(self):
        period = f"{self.year}-{self.month:02d}" if self.month else f"{self.year}"
        return f"{self.get_kind_display()} {self.region} {period}"
