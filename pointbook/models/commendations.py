"""Annual commendations: award categories, nominations, objections, certificates."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.language import localized
from core.text import NameField


class AwardCategory(models.Model):
    """One of a year's annual commendations (年度表彰), with how nominees are drafted and who is eligible.

    It moves draft → public notice (公示) → approved; nothing is awarded twice for one category."""

    class Basis(models.TextChoices):
        TOP_PER_DISTRICT = "top_district", _("Top N contributors per district")
        TOP_OVERALL = "top_overall", _("Top N contributors overall")
        POINTS_AT_LEAST = "points_min", _("Points at or above a threshold")
        TOP_FIRMS = "top_firms", _("Top N organisations")
        STAR_LEVEL = "star_level", _("Star level at or above")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        NOTICE = "notice", _("On public notice")
        APPROVED = "approved", _("Approved")

    region = models.ForeignKey(
        "volunteers.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    name_zh = NameField(_("name (Chinese)"), max_length=60)
    name_en = NameField(_("name (English)"), max_length=80)
    basis = models.CharField(_("drafted from"), max_length=12, choices=Basis.choices)
    top_n = models.PositiveSmallIntegerField(_("how many (N)"), null=True, blank=True)
    min_points = models.DecimalField(_("points at least"), max_digits=10, decimal_places=2, null=True, blank=True)
    min_stars = models.PositiveSmallIntegerField(_("star level at least"), null=True, blank=True)
    no_upheld_complaint = models.BooleanField(_("no upheld complaint that year"), default=True)
    profile_verified = models.BooleanField(_("profile verified by the bureau"), default=True)
    firm_in_good_standing = models.BooleanField(_("member of an organisation in good standing"), default=False)
    notice_working_days = models.PositiveSmallIntegerField(_("public notice (working days)"), default=5)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    notice_starts_on = models.DateField(_("notice from"), null=True, blank=True)
    notice_ends_on = models.DateField(_("notice until"), null=True, blank=True)
    drafted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "region__path", "id"]
        verbose_name = _("award category")
        verbose_name_plural = _("award categories")
        constraints = [
            models.CheckConstraint(condition=Q(notice_working_days__gte=5), name="award_notice_at_least_5_days"),
            models.UniqueConstraint(fields=["region", "year", "name_zh"], name="award_unique_name"),
        ]

    def __str__(self):
        return localized(self.name_zh, self.name_en)

    @property
    def for_organisations(self):
        return self.basis == self.Basis.TOP_FIRMS


class Nomination(models.Model):
    """A nominee of an award category: drafted from the standings or added by staff; removing one keeps
    the row with the reason."""

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        REMOVED = "removed", _("Removed")

    category = models.ForeignKey(AwardCategory, on_delete=models.PROTECT, related_name="nominations")
    contributor = models.ForeignKey(
        "volunteers.Contributor", null=True, blank=True, on_delete=models.PROTECT, related_name="nominations"
    )
    organisation = models.ForeignKey(
        "volunteers.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="nominations"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NOMINATED)
    drafted = models.BooleanField(default=True)  # False: added by hand
    # The figures when nominated, shown on the notice and the certificate.
    rank = models.PositiveIntegerField(null=True, blank=True)
    points = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    hours = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    district = models.ForeignKey("volunteers.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # When `rank`, `points` and `hours` were counted: the standings snapshot they were read from.
    counted_at = models.DateTimeField(_("figures as of"), null=True, blank=True)
    # Added by hand although the award's rules exclude them: the rules they failed (as staff were shown
    # them) and why staff set them aside. Staff-only: never on the public notice or the honour roll.
    rules_failed = models.JSONField(_("rules not met"), default=list, blank=True)
    override_reason = models.CharField(_("reason for setting the rules aside"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "contributor"], name="nomination_one_per_person"),
            models.UniqueConstraint(fields=["category", "organisation"], name="nomination_one_per_org"),
            models.CheckConstraint(
                condition=Q(contributor__isnull=True) ^ Q(organisation__isnull=True), name="nomination_person_or_org"
            ),
        ]

    def __str__(self):
        return f"{self.contributor or self.organisation} ({self.category})"


class Objection(models.Model):
    """Lodged by anyone on the public notice page (公示异议); staff resolve it before approval."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    category = models.ForeignKey(AwardCategory, on_delete=models.PROTECT, related_name="objections")
    nomination = models.ForeignKey(
        Nomination, null=True, blank=True, on_delete=models.PROTECT, related_name="objections"
    )
    name = NameField(_("your name"), max_length=60, blank=True)
    contact = models.CharField(_("phone or email"), max_length=100, blank=True)
    body = models.TextField(_("objection"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(_("resolution"), max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.category} {self.get_status_display()}"


class Certificate(models.Model):
    """A document the public can verify by its QR code: an award certificate or a firm's statement.

    The code is random (secrets.token_urlsafe), so it cannot be guessed; the figures are copied at issue
    so the document stays what was issued. Revoking keeps the row with the reason."""

    class Kind(models.TextChoices):
        AWARD = "award", _("Award certificate")
        STATEMENT = "statement", _("Public-service statement")
        HOURS = "hours", _("Volunteer service record certificate")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    code = models.CharField(max_length=43, unique=True)
    nomination = models.OneToOneField(
        Nomination, null=True, blank=True, on_delete=models.PROTECT, related_name="certificate"
    )
    contributor = models.ForeignKey(
        "volunteers.Contributor", null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    organisation = models.ForeignKey(
        "volunteers.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    holder_name = NameField(_("name"), max_length=120)
    title_zh = NameField(max_length=80)
    title_en = NameField(max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    hours = models.DecimalField(_("verified hours"), max_digits=10, decimal_places=2)
    points = models.DecimalField(_("points"), max_digits=12, decimal_places=2)
    issuer = NameField(_("issued by"), max_length=120)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return f"{self.number} {self.holder_name}"

    @property
    def title(self):
        return localized(self.title_zh, self.title_en)
