"""Who and where: accounts, regions, venues, organisations, contributors and their memberships."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from .language import localized


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
    name = models.CharField(_("name"), max_length=100)
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
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
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

    name = models.CharField(_("name"), max_length=120)
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

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="organisations"
    )
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

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="contributor")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    legal_name = models.CharField(_("legal name"), max_length=60)
    phone = models.CharField(_("mobile phone"), max_length=20)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="contributors"
    )
    specialities = models.ManyToManyField(ServiceType, verbose_name=_("specialities"), blank=True)
    licence_number = models.CharField(_("practice licence number"), max_length=30, null=True, blank=True)
    profile_completed_at = models.DateTimeField(null=True, blank=True)
    # Bureau staff have checked the profile against the licence register; commendations can require it.
    verified_at = models.DateTimeField(_("profile verified"), null=True, blank=True)
    # Off: leaderboards and the honour roll show a masked name instead of the legal name.
    public_listing = models.BooleanField(_("show my name on public lists"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Secret of the private calendar feed; replacing it revokes the old address.
    calendar_token = models.CharField(max_length=43, null=True, blank=True, unique=True)

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
            models.UniqueConstraint(
                fields=["contributor"], condition=Q(status="active"), name="membership_one_active"
            ),
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
    title = models.CharField(_("title"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("bureau staff member")
        verbose_name_plural = _("bureau staff")

    def __str__(self):
        return f"{self.user} ({self.region})"


class AuditEntry(models.Model):
    """Who changed what and when; written by the service that makes the change, in its transaction."""

    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.action} {self.object_type}#{self.object_id}"


class Shift(models.Model):
    """One slot of an opportunity's rota (a hotline morning, a village clinic afternoon).

    The opportunity itself is a Wagtail page in `cms`; this app refers to it only as a page, and
    keeps on the shift what signing up needs (service type, venue, who may take it), so the rules
    for signing up never have to read `cms`.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    opportunity = models.ForeignKey("wagtailcore.Page", on_delete=models.PROTECT, related_name="shifts")
    service_type = models.ForeignKey(ServiceType, verbose_name=_("service type"), on_delete=models.PROTECT)
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), on_delete=models.PROTECT, related_name="shifts")
    # Contributor kinds that may take the shift; empty means anyone with a completed profile.
    eligible_kinds = models.JSONField(_("who may take it"), default=list, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    min_staffing = models.PositiveSmallIntegerField(_("minimum staffing"), default=1)
    signup_deadline = models.DateTimeField(_("sign-up deadline"))
    cancel_deadline = models.DateTimeField(_("free cancellation until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # Shifts created together by one series form share this, so a person can take several at once.
    series = models.UUIDField(null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        indexes = [models.Index(fields=["starts_at"], name="shift_starts_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="shift_has_places"),
        ]

    def __str__(self):
        return f"{self.venue} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def hours(self):
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class Signup(models.Model):
    """A person's place on a shift, or their place in its waiting list.

    A confirmed sign-up, or a pending offer from the waiting list, holds a numbered seat; seats are
    unique per shift in the database, so even a writer that skipped the shift lock could not put
    more people on a shift than it has seats.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("On the waiting list")
        OFFERED = "offered", _("Offered a place")
        OFFER_EXPIRED = "offer_expired", _("Offer expired")
        CANCELLED = "cancelled", _("Cancelled")
        LATE_CANCELLED = "late_cancelled", _("Cancelled late")

    class Attendance(models.TextChoices):
        UNMARKED = "", _("Not marked")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")

    OPEN = (Status.CONFIRMED, Status.WAITING, Status.OFFERED)
    HOLDS_SEAT = (Status.CONFIRMED, Status.OFFERED)

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="signups")
    contributor = models.ForeignKey(Contributor, on_delete=models.PROTECT, related_name="signups")
    status = models.CharField(_("status"), max_length=15, choices=Status.choices)
    seat = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    # A reminder is claimed (lease) before it is sent and marked sent after, so overlapping or
    # restarted jobs never send it twice; a claim whose sender died is taken again after the lease.
    reminder_claimed_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(_("attendance"), max_length=10, choices=Attendance.choices, blank=True,
                                  default=Attendance.UNMARKED)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    attendance_marked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                             related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        indexes = [
            models.Index(fields=["status", "offer_expires_at"], name="signup_offer_idx"),
            models.Index(fields=["contributor", "status"], name="signup_person_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "contributor"], condition=Q(status__in=["confirmed", "waiting", "offered"]),
                name="signup_one_open_per_person",
            ),
            models.UniqueConstraint(
                fields=["shift", "seat"], condition=Q(status__in=["confirmed", "offered"]),
                name="signup_one_person_per_seat",
            ),
            models.CheckConstraint(
                # seat IS NOT NULL spelled out: a CHECK that evaluates to NULL passes.
                condition=(Q(status__in=["confirmed", "offered"]) & Q(seat__isnull=False) & Q(seat__gte=1))
                | (~Q(status__in=["confirmed", "offered"]) & Q(seat__isnull=True)),
                name="signup_seat_only_when_held",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="signup_offer_has_deadline",
            ),
        ]

    def __str__(self):
        return f"{self.contributor} → {self.shift}"


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
    signup = models.OneToOneField(Signup, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="service_record")
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

    # Statuses that still wait for a decision by staff.
    WAITING = (Status.VERIFIED_ATTENDANCE, Status.SUBMITTED)
    # Statuses whose hours count towards the 24 hours a day a person can serve.
    COUNTING = (Status.VERIFIED_ATTENDANCE, Status.SUBMITTED, Status.APPROVED)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        indexes = [models.Index(fields=["contributor", "date"], name="record_person_date_idx"),
                   models.Index(fields=["status", "created_at"], name="record_queue_idx"),
                   # The staff queue of a region's subtree: its regions' waiting records only.
                   models.Index(fields=["region", "status", "created_at"], name="record_region_queue_idx"),
                   # The few records a poor rating flagged, found without reading the rest.
                   models.Index(fields=["-decided_at"], condition=Q(flagged=True), name="record_flagged_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__gt=models.F("started_at")), name="record_ends_after_start"),
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="record_hours_in_day"),
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


class RotaPolicy(models.Model):
    """City-wide rota rules that bureau staff adjust (one row)."""

    max_hours_per_day = models.PositiveSmallIntegerField(_("most shift hours per person per day"), default=10)
    max_hours_per_week = models.PositiveSmallIntegerField(_("most shift hours per person per week"), default=40)
    offer_hours = models.PositiveSmallIntegerField(
        _("hours to accept a waiting-list offer"), default=12,
        help_text=_("Shorter when the shift is sooner: never more than half the time left before it starts."))
    reminder_hours = models.PositiveSmallIntegerField(_("reminder this many hours before a shift"), default=24)
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-shows that block signing up"), default=3,
        help_text=_("Counted over the period below; 0 turns the block off."))
    no_show_window_days = models.PositiveSmallIntegerField(_("no-show period (days)"), default=180)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rota rules")
        verbose_name_plural = _("rota rules")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="rota_policy_single_row")]

    def __str__(self):
        return str(_("rota rules"))

    @classmethod
    def current(cls):
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


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
