"""Hours certificates (志愿服务记录证明): a contributor's verified hours over a period, certified by the
bureau of their region, numbered and verifiable as every other certificate (`Certificate`)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.language import localized
from core.text import NameField
from volunteers.models.records import evidence_storage


class HoursCertificateConfig(models.Model):
    """Who issues a region's hours certificates and how. A region without its own row uses its nearest
    ancestor's. The seal image is private (it would be a forger's first wish): only the PDF shows it."""

    region = models.OneToOneField(
        "volunteers.Region", on_delete=models.PROTECT, related_name="hours_certificate_config", verbose_name=_("region")
    )
    bureau_name = NameField(_("issuing bureau"), max_length=120)
    person_in_charge = NameField(_("person in charge"), max_length=60)
    handling_officer = NameField(
        _("handling officer"),
        max_length=60,
        blank=True,
        help_text=_("Printed on certificates issued automatically; a staff sign-off prints the signer's name."),
    )
    contact = models.CharField(_("contact"), max_length=120)
    seal = models.FileField(_("seal image"), storage=evidence_storage, upload_to="seals/", max_length=200, blank=True)
    auto_issue = models.BooleanField(
        _("issue automatically"),
        default=False,
        help_text=_("On: a request is issued at once from the verified records. Off: a member of staff signs it off."),
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("hours certificate settings")
        verbose_name_plural = _("hours certificate settings")

    def __str__(self):
        return f"{self.region} {self.bureau_name}"


class HoursCertificate(models.Model):
    """A request for an hours certificate and, once issued, what the certificate says: the figures,
    the person's identity (masked) and the issuing bureau's officers are copied at issue and never
    recomputed. `certificate` carries the number, the QR code and any revocation."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for sign-off")
        ISSUED = "issued", _("Issued")
        DECLINED = "declined", _("Declined")

    contributor = models.ForeignKey(
        "volunteers.Contributor", on_delete=models.PROTECT, related_name="hours_certificates"
    )
    # The person's region when they asked: whose staff sign it off and may revoke it.
    region = models.ForeignKey("volunteers.Region", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    certificate = models.OneToOneField(
        "pointbook.Certificate", null=True, blank=True, on_delete=models.PROTECT, related_name="hours_detail"
    )
    # Copied at issue.
    id_type = models.CharField(_("ID type"), max_length=20, blank=True)
    id_number_masked = models.CharField(_("ID number"), max_length=30, blank=True)
    contributor_number = models.CharField(_("contributor number"), max_length=20, blank=True)
    by_type = models.JSONField(default=list, blank=True)  # [{"name_zh", "name_en", "hours"}], most hours first
    person_in_charge = models.CharField(_("person in charge"), max_length=60, blank=True)
    handling_officer = models.CharField(_("handling officer"), max_length=60, blank=True)
    contact = models.CharField(_("contact"), max_length=120, blank=True)
    seal = models.CharField(max_length=200, blank=True)  # the seal file's name in evidence_storage at issue

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="hours_cert_period_order"),
            # One request a period waits at a time (the service says so first; this holds under a race).
            models.UniqueConstraint(
                fields=["contributor", "starts_on", "ends_on"],
                condition=Q(status="pending"),
                name="hours_cert_one_pending_a_period",
            ),
            models.CheckConstraint(
                condition=Q(status="issued", certificate__isnull=False)
                | (~Q(status="issued") & Q(certificate__isnull=True)),
                name="hours_cert_issued_has_certificate",
            ),
        ]
        indexes = [models.Index(fields=["region", "status"], name="hours_cert_region_status_idx")]

    def __str__(self):
        return f"{self.contributor} {self.starts_on}–{self.ends_on}"

    @property
    def id_type_label(self):
        from volunteers.models import Contributor

        return Contributor.IdType(self.id_type).label if self.id_type in Contributor.IdType.values else self.id_type

    @property
    def type_lines(self):
        """(service type name in the reader's language, hours) as frozen at issue."""
        return [(localized(line["name_zh"], line["name_en"]), line["hours"]) for line in self.by_type]
