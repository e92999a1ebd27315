"""Imports and exports staff started: what, by whom, for which area, and how it went."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Job
from volunteers.models.people import Organisation, Region
from volunteers.models.records import evidence_storage


class ImportJob(Job):
    """A confirmed spreadsheet import: what, for which area, and how it went (status, progress and who
    asked are on its `Job`). A preview makes none (it writes nothing at all); confirming makes one, run
    in the request for a small file and by a worker for a large one."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Nothing imported")

    kind = models.CharField(_("kind"), max_length=20)
    file = models.FileField(storage=evidence_storage, upload_to="imports/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    problem_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)  # the first ones: {row, column, message}
    # The staff member chose at confirm to email the new people an invitation (set a password).
    invite = models.BooleanField(_("invite the new people"), default=False)
    invited = models.PositiveIntegerField(default=0)

    TASK = "import"

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.kind} {self.original_name} ({self.get_status_display()})"


class ExportJob(Job):
    """A spreadsheet of one dataset of a staff member's area (contributors, organisations, records, ledger
    entries, standings…), built in the request when small and by a worker otherwise, kept for download."""

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
    # Set for a dataset a firm admin exports of their organisation (the annual assessment report); the
    # region is then the organisation's.
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rows = models.PositiveIntegerField(default=0)
    file = models.FileField(storage=evidence_storage, upload_to="exports/%Y/%m/", max_length=200, blank=True)

    TASK = "export"

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.dataset}.{self.format} ({self.get_status_display()})"


class Invitation(models.Model):
    """An email inviting a person an import created to set their password: at most one per person,
    sent once (`sent_at` is set by the one delivery that sends it)."""

    user = models.OneToOneField("volunteers.User", on_delete=models.CASCADE, related_name="invitation")
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        "volunteers.User", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user_id} ({self.job_id})"
