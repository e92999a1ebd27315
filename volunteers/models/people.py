"""Who and where: accounts, regions, venues, organisations, contributors and their memberships."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from treebeard.mp_tree import MP_Node

from core.language import localized
from core.text import NameField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        email = self.normalize_email(email)
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """An account; people log in with their email address."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    first_name = NameField(_("first name"), max_length=150, blank=True)
    last_name = NameField(_("last name"), max_length=150, blank=True)

    # The language emails are written in; follows the language switch of a signed-in person.
    language = models.CharField(_("language"), max_length=10, default="zh-hans")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    def get_full_name(self):
        # Chinese names are family name first, with no space between.
        if any("\u4e00" <= ch <= "\u9fff" for ch in self.first_name + self.last_name):
            return f"{self.last_name}{self.first_name}"
        return super().get_full_name()

    def __str__(self):
        return self.get_full_name() or self.email


class Region(MP_Node):
    """A node of the city → district/county → township/street → village/community tree.

    Materialised path (treebeard): a subtree is one `path__startswith` query.
    """

    class Level(models.IntegerChoices):
        CITY = 1, _("City")
        DISTRICT = 2, _("District / county")
        TOWNSHIP = 3, _("Township / street")
        VILLAGE = 4, _("Village / community")

    code = models.CharField(_("region code"), max_length=12, unique=True)
    name = NameField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name

    def subtree(self):
        return Region.objects.filter(path__startswith=self.path)

    def contains(self, other):
        return other is not None and other.path.startswith(self.path)


class ServiceType(models.Model):
    """An entry of the service catalogue (服务产品目录); staff can add more."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = NameField(_("name (Chinese)"), max_length=60)
    name_en = NameField(_("name (English)"), max_length=80)
    sort_order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self):
        return localized(self.name_zh, self.name_en)


class Venue(models.Model):
    class Kind(models.TextChoices):
        CENTRE = "centre", _("Public legal service centre")
        WORKSTATION = "workstation", _("Public legal service workstation")
        VILLAGE_ROOM = "village_room", _("Village / community legal service room")
        HOTLINE_SEAT = "hotline_seat", _("12348 hotline seat")
        COURT = "court", _("Court")
        DETENTION_CENTRE = "detention_centre", _("Detention centre")

    name = NameField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="venues")
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_rural = models.BooleanField(_("rural or remote"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="venue_unique_name_in_region")]

    def __str__(self):
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        LAW_FIRM = "law_firm", _("Law firm")
        NOTARY_OFFICE = "notary_office", _("Notary office")
        LEGAL_SERVICE_OFFICE = "legal_service_office", _("Grassroots legal service office")
        FORENSIC_INSTITUTE = "forensic_institute", _("Forensic examination institute")
        SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")

    name = NameField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="organisations")
    licence_number = models.CharField(_("licence number"), max_length=30, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Annual commendations can require a firm in good standing (no sanction that year); staff keep this.
    good_standing = models.BooleanField(_("in good standing"), default=True)
    admins = models.ManyToManyField(
        User, verbose_name=_("administrators"), related_name="administered_organisations", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class Contributor(models.Model):
    """The profile of someone who serves: lawyer, notary, mediator, volunteer…"""

    class Kind(models.TextChoices):
        LAWYER = "lawyer", _("Lawyer")
        GRASSROOTS_WORKER = "grassroots_worker", _("Grassroots legal worker")
        NOTARY = "notary", _("Notary")
        FORENSIC_EXAMINER = "forensic_examiner", _("Forensic examiner")
        MEDIATOR = "mediator", _("People's mediator")
        VOLUNTEER = "volunteer", _("Volunteer")

    # Kinds that hold a practice licence (执业证), and so must give its number.
    LICENSED_KINDS = {Kind.LAWYER, Kind.GRASSROOTS_WORKER, Kind.NOTARY, Kind.FORENSIC_EXAMINER}

    class IdType(models.TextChoices):
        """Identity documents a volunteer-service record may name (志愿服务记录证明)."""

        RESIDENT_ID = "resident_id", _("Resident identity card")
        RESIDENCE_PERMIT = "residence_permit", _("Residence permit for Hong Kong, Macao and Taiwan residents")
        MAINLAND_TRAVEL_PERMIT = "travel_permit", _("Mainland travel permit for Hong Kong, Macao or Taiwan residents")
        PASSPORT = "passport", _("Passport")
        FOREIGN_PERMANENT_RESIDENT = "foreign_pr", _("Foreign permanent resident ID card")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="contributor")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    legal_name = NameField(_("legal name"), max_length=60)
    phone = models.CharField(_("mobile phone"), max_length=20)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="contributors")
    specialities = models.ManyToManyField(ServiceType, verbose_name=_("specialities"), blank=True)
    licence_number = models.CharField(_("practice licence number"), max_length=30, null=True, blank=True)
    # From the licence register (staff keep it): rotas can ask for years in practice.
    licensed_on = models.DateField(_("in practice since"), null=True, blank=True)
    profile_completed_at = models.DateTimeField(null=True, blank=True)
    # Bureau staff have checked the profile against the licence register; commendations can require it.
    verified_at = models.DateTimeField(_("profile verified"), null=True, blank=True)
    # Off: leaderboards and the honour roll show a masked name instead of the legal name.
    public_listing = models.BooleanField(_("show my name on public lists"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Secret of the private calendar feed; replacing it revokes the old address.
    calendar_token = models.CharField(max_length=43, null=True, blank=True, unique=True)
    # For hours certificates; shown masked everywhere but the form where the person types it.
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, blank=True)
    id_number = models.CharField(_("ID number"), max_length=30, blank=True)

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("contributor")
        verbose_name_plural = _("contributors")
        constraints = [
            models.UniqueConstraint(fields=["licence_number"], name="contributor_unique_licence"),
        ]
        # Staff lists page through people by name.
        indexes = [models.Index(fields=["legal_name", "id"], name="contributor_name_idx")]

    def __str__(self):
        return self.legal_name

    @property
    def is_complete(self):
        return self.profile_completed_at is not None


class Membership(models.Model):
    """A person's belonging to an organisation over time.

    `started_on` is the first day as a member and `ended_on` the first day no longer a member
    (half-open), so the day someone moves firms counts for the new firm only. Rows are kept
    after they end: firm records are counted by these dates.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        ACTIVE = "active", _("Member")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Request withdrawn")
        ENDED = "ended", _("Former member")

    contributor = models.ForeignKey(Contributor, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    started_on = models.DateField(_("member from"), null=True, blank=True)
    ended_on = models.DateField(_("left on"), null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    # Notes the system writes are English msgids, translated when shown; reasons people type stay as typed.
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # At most one organisation at a time, and one open request at a time.
            models.UniqueConstraint(fields=["contributor"], condition=Q(status="active"), name="membership_one_active"),
            models.UniqueConstraint(
                fields=["contributor"], condition=Q(status="pending"), name="membership_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="membership_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["active", "ended"]) | Q(started_on__isnull=False),
                name="membership_started_when_confirmed",
            ),
        ]

    def __str__(self):
        return f"{self.contributor} @ {self.organisation}"


class StaffProfile(models.Model):
    """Bureau staff (司法局工作人员), who see and manage their region and everything under it."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_profile")
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="staff")
    title = NameField(pgettext_lazy("job title", "title"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("bureau staff member")
        verbose_name_plural = _("bureau staff")

    def __str__(self):
        return f"{self.user} ({self.region})"
