"""Service records (one piece of pro-bono work) and their evidence files."""

from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers.models.people import Contributor, Region, ServiceType, User, Venue
from volunteers.models.rota import Signup


class SpecialGroup(models.TextChoices):
    """People the seeds single out (特殊群体); serving them can earn more."""

    MIGRANT_WORKERS = "migrant_workers", _("Migrant workers")
    DISABLED = "disabled", _("People with disabilities")
    ELDERLY = "elderly", _("The elderly")
    MINORS = "minors", _("Minors")
    WOMEN = "women", _("Women")
    MILITARY = "military", _("Military families and veterans")
    LOW_INCOME = "low_income", _("Low-income people")


class ServiceRecord(models.Model):
    """Pro-bono work done, in hours: a shift attended (one record per sign-up, verified by the
    roster) or other work the contributor logs with evidence. The points ledger reads these; a
    correction edits the record (audited), never adds a second one."""

    class Status(models.TextChoices):
        VERIFIED_ATTENDANCE = "attended", _("Verified by attendance")
        SUBMITTED = "submitted", _("Submitted, waiting for review")
        WITHDRAWN = "withdrawn", _("Withdrawn (marked no-show)")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="service_records")
    signup = models.OneToOneField(
        Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="service_record"
    )
    service_type = models.ForeignKey(ServiceType, verbose_name=_("service type"), on_delete=models.PROTECT)
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), null=True, blank=True, on_delete=models.PROTECT)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=2)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decision_reason = models.CharField(_("reason"), max_length=300, blank=True)
    # Logged work says what was done and for whom; attended shifts leave these empty.
    people_served = models.PositiveIntegerField(_("people served"), default=0)
    special_groups = models.JSONField(_("special groups served"), default=list, blank=True)
    description = models.TextField(_("what was done"), blank=True)
    # Approved while the day's or year's cap was already reached: rightly no award entry.
    capped_out = models.BooleanField(default=False)
    # A historical record's source row ("<file's source id>"), unique: importing the row again finds it.
    import_ref = models.CharField(_("source id"), max_length=80, null=True, blank=True, unique=True)
    # A poor public rating puts the record in front of staff.
    flagged = models.BooleanField(_("flagged for review"), default=False)
    flag_reason = models.CharField(_("why flagged"), max_length=300, blank=True)
    # Logged work: the one-time token of the form it was sent with. The same form sent twice (a double
    # tap, a resend from the back button) finds this record instead of making a second one.
    submission = models.CharField(max_length=43, null=True, blank=True, editable=False)

    # Statuses that still wait for a decision by staff.
    WAITING = (Status.VERIFIED_ATTENDANCE, Status.SUBMITTED)
    # Statuses whose hours count towards the 24 hours a day a person can serve.
    COUNTING = (Status.VERIFIED_ATTENDANCE, Status.SUBMITTED, Status.APPROVED)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        indexes = [
            models.Index(fields=["contributor", "date"], name="record_person_date_idx"),
            models.Index(fields=["status", "created_at"], name="record_queue_idx"),
            # The staff queue of a region's subtree: its regions' waiting records only.
            models.Index(fields=["region", "status", "created_at"], name="record_region_queue_idx"),
            # The few records a poor rating flagged, found without reading the rest.
            models.Index(fields=["-decided_at"], condition=Q(flagged=True), name="record_flagged_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__gt=models.F("started_at")), name="record_ends_after_start"),
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="record_hours_in_day"),
            models.UniqueConstraint(
                fields=["contributor", "submission"],
                condition=Q(submission__isnull=False),
                name="record_one_per_submission",
            ),
        ]

    def __str__(self):
        return f"{self.contributor} {self.date} {self.hours}h"

    @property
    def is_logged(self):
        return self.signup_id is None

    def special_group_labels(self):
        return [SpecialGroup(code).label for code in self.special_groups if code in SpecialGroup.values]


class _PrivateStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("evidence files have no URL; the evidence_file view serves them")


def evidence_storage():
    """Evidence sits outside MEDIA_ROOT and has no URL: only a view that checks who asks serves it."""
    from django.conf import settings

    return _PrivateStorage(location=settings.PRIVATE_MEDIA_ROOT)


class EvidenceFile(models.Model):
    """A PDF or image backing a logged record; its type was checked from its content on upload."""

    record = models.ForeignKey(ServiceRecord, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(storage=evidence_storage, upload_to="evidence/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self):
        return self.original_name
