"""Imports and exports staff started: what, by whom, for which area, and how it went."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers.models.people import Region, User
from volunteers.models.records import evidence_storage


class ImportJob(models.Model):
    """A confirmed spreadsheet import: what, by whom, for which area, and how it went. A preview makes
    none (it writes nothing at all); confirming makes one, and large files are imported by a job."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Nothing imported")

    kind = models.CharField(_("kind"), max_length=20)
    file = models.FileField(storage=evidence_storage, upload_to="imports/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent of rows checked
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)  # the first ones: {row, column, message}
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "-created_at"], name="importjob_region_idx")]


class ExportJob(models.Model):
    """A spreadsheet of one dataset of a staff member's area (contributors, organisations, records, ledger
    entries, standings…), built in the request when small and by a Celery job otherwise, kept for download."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Exporting")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"

    dataset = models.CharField(_("what"), max_length=20)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.XLSX)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    language = models.CharField(max_length=10, default="zh-hans")  # of the headers and labels
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent of rows written
    rows = models.PositiveIntegerField(default=0)
    file = models.FileField(storage=evidence_storage, upload_to="exports/%Y/%m/", max_length=200, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "-created_at"], name="exportjob_region_idx")]
