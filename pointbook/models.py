"""The counting side: points rules (versioned by date) and the append-only ledger.

Every figure anyone sees about points is a sum of `LedgerEntry` rows. Entries are never updated or
deleted — the database refuses it (triggers, migration 0002) — and corrections are new entries that
point at what they correct.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volunteers.language import localized
from volunteers.models import evidence_storage


class PointsRule(models.Model):
    """How many points an hour of one service type earns, from `effective_from` on. Editing a rule
    adds a new version from a date; the version in force on a record's date is the one applied."""

    service_type = models.ForeignKey("volunteers.ServiceType", verbose_name=_("service type"),
                                     on_delete=models.PROTECT, related_name="points_rules")
    effective_from = models.DateField(_("in force from"))
    points_per_hour = models.DecimalField(_("points per hour"), max_digits=6, decimal_places=2)
    rural_multiplier = models.DecimalField(_("rural or remote venue ×"), max_digits=4, decimal_places=2,
                                           default=Decimal("1.00"))
    special_group_multiplier = models.DecimalField(
        _("special group served ×"), max_digits=4, decimal_places=2, default=Decimal("1.00"),
        help_text=_("When the record says it served at least one of the special groups."))
    night_holiday_multiplier = models.DecimalField(
        _("night or public holiday ×"), max_digits=4, decimal_places=2, default=Decimal("1.00"),
        help_text=_("Work starting between 20:00 and 06:00, or on a public holiday (e.g. hotline duty)."))
    daily_cap = models.DecimalField(_("most points per day"), max_digits=8, decimal_places=2, null=True, blank=True,
                                    help_text=_("Per person, all their records of this service type that day."))
    yearly_cap = models.DecimalField(_("most points per year"), max_digits=10, decimal_places=2, null=True,
                                     blank=True, help_text=_("Per person and calendar year, this service type."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["service_type", "-effective_from"]
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        constraints = [
            models.UniqueConstraint(fields=["service_type", "effective_from"], name="rule_one_version_a_day"),
            models.CheckConstraint(condition=Q(points_per_hour__gt=0), name="rule_points_positive"),
            models.CheckConstraint(condition=Q(rural_multiplier__gte=1), name="rule_rural_at_least_one"),
            models.CheckConstraint(condition=Q(special_group_multiplier__gte=1), name="rule_group_at_least_one"),
            models.CheckConstraint(condition=Q(night_holiday_multiplier__gte=1), name="rule_night_at_least_one"),
            models.CheckConstraint(condition=Q(daily_cap__isnull=True) | Q(daily_cap__gt=0), name="rule_day_cap_positive"),
            models.CheckConstraint(condition=Q(yearly_cap__isnull=True) | Q(yearly_cap__gt=0),
                                   name="rule_year_cap_positive"),
        ]

    def __str__(self):
        return f"{self.service_type} {self.points_per_hour}/h ({self.effective_from})"


class ConductRule(models.Model):
    """Penalties and bonuses, versioned by date like points rules: points = fixed points + a multiple
    of what the shift or record would earn (e.g. a no-show costs −2 × the shift's points)."""

    class Event(models.TextChoices):
        NO_SHOW = "no_show", _("No-show")
        LATE_CANCEL = "late_cancel", _("Late cancellation")
        COMPLAINT = "complaint", _("Upheld complaint")
        GOOD_RATING = "good_rating", _("Good public rating")

    event = models.CharField(_("event"), max_length=12, choices=Event.choices)
    effective_from = models.DateField(_("in force from"))
    fixed_points = models.DecimalField(_("fixed points"), max_digits=8, decimal_places=2, default=Decimal("0"),
                                       help_text=_("Negative for a penalty."))
    times_points = models.DecimalField(
        _("× the service's points"), max_digits=5, decimal_places=2, default=Decimal("0"),
        help_text=_("A multiple of what the shift or record earns under its points rule; −2 for “minus twice”."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event", "-effective_from"]
        verbose_name = _("penalty or bonus rule")
        verbose_name_plural = _("penalty and bonus rules")
        constraints = [
            models.UniqueConstraint(fields=["event", "effective_from"], name="conduct_one_version_a_day"),
            models.CheckConstraint(condition=~Q(fixed_points=0) | ~Q(times_points=0), name="conduct_not_empty"),
        ]

    def __str__(self):
        return f"{self.get_event_display()} ({self.effective_from})"


class PublicHoliday(models.Model):
    """Days the night-or-holiday multiplier applies all day (China's holidays move every year)."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["date"]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")

    def __str__(self):
        return f"{self.date} {self.name}"


class LedgerEntry(models.Model):
    """One change of a contributor's points, with where it came from and why, in words and as data."""

    class Kind(models.TextChoices):
        AWARD = "award", _("Award")
        BONUS = "bonus", _("Bonus")
        PENALTY = "penalty", _("Penalty")
        ADJUSTMENT = "adjustment", _("Adjustment")
        REVERSAL = "reversal", _("Reversal")

    class Source(models.TextChoices):
        SERVICE_RECORD = "service_record", _("Service record")
        RATING = "rating", _("Public rating")
        NO_SHOW = "no_show", _("No-show")
        APPEAL = "appeal", _("Appeal")
        RESCORE = "rescore", _("Re-scoring")
        LATE_CANCEL = "late_cancel", _("Late cancellation")
        COMPLAINT = "complaint", _("Upheld complaint")

    contributor = models.ForeignKey("volunteers.Contributor", on_delete=models.PROTECT, related_name="ledger_entries")
    points = models.DecimalField(_("points"), max_digits=10, decimal_places=2)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=2, null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_id = models.PositiveBigIntegerField()
    rule = models.ForeignKey(PointsRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    conduct_rule = models.ForeignKey(ConductRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The service type the points were earned in (caps, standings by type); empty for appeals.
    service_type = models.ForeignKey("volunteers.ServiceType", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    # What a person reads ("3.00 h × 10 pts/h × 1.5 rural venue = 45"), in the language it was written
    # in, and the same as data for programs (rule, factors, caps).
    explanation = models.CharField(_("explanation"), max_length=300)
    breakdown = models.JSONField(default=dict, blank=True)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    # The same posting asked twice (a double click, a retried task) finds the first entry by this key.
    idempotency_key = models.CharField(max_length=120, unique=True)
    effective_date = models.DateField(_("date"))  # the service's date: which year the points count for
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["contributor", "-created_at", "-id"], name="entry_person_recent_idx"),
            models.Index(fields=["contributor", "effective_date"], name="entry_person_date_idx"),
            models.Index(fields=["source", "source_id"], name="entry_source_idx"),
            models.Index(fields=["contributor", "service_type", "effective_date"], name="entry_person_type_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="entry_points_not_zero"),
            models.CheckConstraint(condition=Q(kind="reversal", reverses__isnull=False)
                                   | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                                   name="entry_reversal_points_at_entry"),
        ]

    def __str__(self):
        return f"{self.contributor} {self.points:+} ({self.kind})"


class LedgerTotal(models.Model):
    """The ledger summed per contributor, year (of the entries' dates) and service type, kept by the
    database itself: a trigger on the ledger adds every entry inserted, however it is inserted (the
    ORM, a bulk COPY, raw SQL), in the inserting transaction (migration 0009). The standings read these
    totals, a few rows per person, instead of the year's entries; `ledger_verify` checks them against
    the ledger. Derived data: no foreign-key constraint, never written by Python."""

    contributor = models.ForeignKey("volunteers.Contributor", on_delete=models.DO_NOTHING, related_name="+",
                                    db_constraint=False, db_index=False)
    year = models.PositiveSmallIntegerField()
    service_type = models.PositiveIntegerField()  # the entries' service type id; 0 for entries without one
    points = models.DecimalField(max_digits=14, decimal_places=2)
    hours = models.DecimalField(max_digits=12, decimal_places=2)
    entries = models.PositiveIntegerField()
    # The latest entry's created_at: when the contributor reached this total (the standings' tie-break).
    reached_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "contributor", "service_type"],
                                               name="ledger_total_key")]


class Complaint(models.Model):
    """A complaint about a contributor's service that staff upheld (失信惩戒): it costs points and
    counts against commendations that year."""

    contributor = models.ForeignKey("volunteers.Contributor", on_delete=models.PROTECT, related_name="complaints")
    record = models.ForeignKey("volunteers.ServiceRecord", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="complaints")
    region = models.ForeignKey("volunteers.Region", on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    reason = models.CharField(_("what was upheld"), max_length=500)
    upheld_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    upheld_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-upheld_at"]
        verbose_name = _("upheld complaint")
        verbose_name_plural = _("upheld complaints")

    def __str__(self):
        return f"{self.contributor} {self.date}"


class Appeal(models.Model):
    """A contributor disputes an entry or a rejection; staff answer with an adjustment or a reasoned
    refusal. Both sides write in the thread."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ADJUSTED = "adjusted", _("Resolved with an adjustment")
        REFUSED = "refused", _("Refused")

    contributor = models.ForeignKey("volunteers.Contributor", on_delete=models.PROTECT, related_name="appeals")
    entry = models.ForeignKey(LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals")
    record = models.ForeignKey("volunteers.ServiceRecord", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="appeals")
    region = models.ForeignKey("volunteers.Region", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.OneToOneField(LedgerEntry, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="resolves_appeal")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        indexes = [models.Index(fields=["status", "created_at"], name="appeal_queue_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(entry__isnull=False) | Q(record__isnull=False), name="appeal_about_something"),
            # One open appeal at a time about the same entry or record.
            models.UniqueConstraint(fields=["entry"], condition=Q(status="open", entry__isnull=False),
                                    name="appeal_one_open_per_entry"),
            models.UniqueConstraint(fields=["record"], condition=Q(status="open", record__isnull=False),
                                    name="appeal_one_open_per_record"),
        ]

    def __str__(self):
        return f"{self.contributor} {self.get_status_display()}"


class AppealMessage(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    from_staff = models.BooleanField(default=False)
    body = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class PublicRating(models.Model):
    """The link a contributor shows the person served (no account needed). The token is random and
    unguessable; the link expires; the first rating is the only one."""

    record = models.OneToOneField("volunteers.ServiceRecord", on_delete=models.PROTECT, related_name="rating")
    token = models.CharField(max_length=32, unique=True)
    expires_at = models.DateTimeField()
    score = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("public rating")
        verbose_name_plural = _("public ratings")
        constraints = [models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                                              name="rating_one_to_five")]

    def __str__(self):
        return f"{self.record_id} {self.score or '-'}"


# --- Recognition (issue 5): standings, commendations, certificates, targets, reports ---------------------------


class StandingsSnapshot(models.Model):
    """One computation of a year's standings. Readers see only the current one; a refresh writes a new
    snapshot beside it and swaps the flag in one transaction, so nobody sees half a refresh."""

    year = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)
    # The highest ledger entry id counted: what `ledger_verify` recomputes the snapshot against.
    watermark = models.BigIntegerField(default=0)
    is_current = models.BooleanField(default=False)
    contributors = models.PositiveIntegerField(default=0)
    # How many are on each board: {scope: {key: count}} ("" the key of the overall and organisations'
    # boards), so "No. 3 of 120" and the list of boards need no count over the rows.
    sizes = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year"], condition=Q(is_current=True),
                                               name="standings_one_current_per_year")]


class Standing(models.Model):
    """A row of a leaderboard: a contributor's (or an organisation's) rank in one scope of one year.

    Rows are stored for three scopes: overall (one per contributor), organisation (one per
    organisation) and service type (only the top of each type's board). A district's and a contributor
    kind's boards are the overall board restricted to one district or kind, so the overall row carries
    the contributor's district and kind and their rank within each (`district_rank`, `kind_rank`), and
    their rank on each service type's board (`types`), instead of rows of their own. Derived data,
    rebuilt whole by every refresh: no foreign-key constraints in the database (deleting a contributor
    or an organisation still removes their rows, through Django)."""

    class Scope(models.TextChoices):
        OVERALL = "overall", _("Overall")
        DISTRICT = "district", _("District")
        SERVICE_TYPE = "service_type", _("Service type")
        KIND = "kind", _("Contributor kind")
        ORGANISATION = "organisation", _("Organisations")

    snapshot = models.ForeignKey(StandingsSnapshot, on_delete=models.CASCADE, related_name="rows",
                                 db_constraint=False, db_index=False)
    scope = models.CharField(max_length=12, choices=Scope.choices)
    # "" for overall and organisations; the service type's id on a service-type row.
    scope_key = models.CharField(max_length=40, blank=True, default="")
    contributor = models.ForeignKey("volunteers.Contributor", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+", db_constraint=False, db_index=False)
    organisation = models.ForeignKey("volunteers.Organisation", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+", db_constraint=False, db_index=False)
    rank = models.PositiveIntegerField()
    points = models.DecimalField(max_digits=12, decimal_places=2)
    hours = models.DecimalField(max_digits=10, decimal_places=2)
    # When the total was reached (the last entry counted): the last tie-break.
    reached_at = models.DateTimeField(null=True, blank=True)
    members = models.PositiveIntegerField(null=True, blank=True)
    average = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # Overall rows only: the contributor's district (the region itself above district level) and kind,
    # and their rank on that district's and that kind's board.
    district = models.ForeignKey("volunteers.Region", null=True, blank=True, on_delete=models.DO_NOTHING,
                                 related_name="+", db_constraint=False, db_index=False)
    district_rank = models.PositiveIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=20, blank=True, default="")
    kind_rank = models.PositiveIntegerField(null=True, blank=True)
    # Overall rows only: the contributor's rank on each service type's board, {"<type id>": [rank,
    # points, hours]}. Only the top of each service type's board (what a leaderboard page shows) is
    # also stored as rows of its own (scope service type).
    types = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [
            # A board in rank order; a district's or a kind's board walks the overall one in rank order.
            models.Index(fields=["snapshot", "scope", "scope_key", "rank"], name="standing_board_idx"),
            models.Index(fields=["snapshot", "contributor"], name="standing_person_idx"),
            models.Index(fields=["snapshot", "organisation"], name="standing_org_idx",
                         condition=Q(organisation__isnull=False)),
        ]


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

    region = models.ForeignKey("volunteers.Region", verbose_name=_("region"), on_delete=models.PROTECT,
                               related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
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
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
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
    contributor = models.ForeignKey("volunteers.Contributor", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="nominations")
    organisation = models.ForeignKey("volunteers.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="nominations")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NOMINATED)
    drafted = models.BooleanField(default=True)  # False: added by hand
    # The figures when nominated, shown on the notice and the certificate.
    rank = models.PositiveIntegerField(null=True, blank=True)
    points = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    hours = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    district = models.ForeignKey("volunteers.Region", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "contributor"], name="nomination_one_per_person"),
            models.UniqueConstraint(fields=["category", "organisation"], name="nomination_one_per_org"),
            models.CheckConstraint(condition=Q(contributor__isnull=True) ^ Q(organisation__isnull=True),
                                   name="nomination_person_or_org"),
        ]


class Objection(models.Model):
    """Lodged by anyone on the public notice page (公示异议); staff resolve it before approval."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    category = models.ForeignKey(AwardCategory, on_delete=models.PROTECT, related_name="objections")
    nomination = models.ForeignKey(Nomination, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="objections")
    name = models.CharField(_("your name"), max_length=60, blank=True)
    contact = models.CharField(_("phone or email"), max_length=100, blank=True)
    body = models.TextField(_("objection"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(_("resolution"), max_length=500, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class Certificate(models.Model):
    """A document the public can verify by its QR code: an award certificate or a firm's statement.

    The code is random (secrets.token_urlsafe), so it cannot be guessed; the figures are copied at issue
    so the document stays what was issued. Revoking keeps the row with the reason."""

    class Kind(models.TextChoices):
        AWARD = "award", _("Award certificate")
        STATEMENT = "statement", _("Public-service statement")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    code = models.CharField(max_length=43, unique=True)
    nomination = models.OneToOneField(Nomination, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="certificate")
    contributor = models.ForeignKey("volunteers.Contributor", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="certificates")
    organisation = models.ForeignKey("volunteers.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="certificates")
    holder_name = models.CharField(_("name"), max_length=120)
    title_zh = models.CharField(max_length=80)
    title_en = models.CharField(max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    hours = models.DecimalField(_("verified hours"), max_digits=10, decimal_places=2)
    points = models.DecimalField(_("points"), max_digits=12, decimal_places=2)
    issuer = models.CharField(_("issued by"), max_length=120)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    @property
    def title(self):
        return localized(self.title_zh, self.title_en)


class TargetPlan(models.Model):
    """A region's targets for a year (seed 004) and the expected cumulative share by each quarter's end."""

    region = models.ForeignKey("volunteers.Region", verbose_name=_("region"), on_delete=models.PROTECT,
                               related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    # Cumulative percent of the year's target expected by the end of Q1..Q4 (Yuxi: 10, 60, 100, 100).
    q1_share = models.PositiveSmallIntegerField(_("expected by end of Q1 (%)"), default=10)
    q2_share = models.PositiveSmallIntegerField(_("expected by end of Q2 (%)"), default=60)
    q3_share = models.PositiveSmallIntegerField(_("expected by end of Q3 (%)"), default=100)
    q4_share = models.PositiveSmallIntegerField(_("expected by end of Q4 (%)"), default=100)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="target_plan_one_per_region_year"),
            models.CheckConstraint(condition=Q(q1_share__lte=models.F("q2_share"), q2_share__lte=models.F("q3_share"),
                                               q3_share__lte=models.F("q4_share"), q4_share__lte=100),
                                   name="target_shares_cumulative"),
        ]


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

    region = models.ForeignKey("volunteers.Region", verbose_name=_("region"), on_delete=models.PROTECT,
                               related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    pdf = models.FileField(storage=evidence_storage, upload_to="reports/%Y/", blank=True,
                           max_length=200)
    xlsx = models.FileField(storage=evidence_storage, upload_to="reports/%Y/", blank=True,
                            max_length=200)
    error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "year"], name="report_region_year_idx")]
