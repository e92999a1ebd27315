"""Standings snapshots: the year's boards, swapped in whole."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
        constraints = [
            models.UniqueConstraint(
                fields=["year"], condition=Q(is_current=True), name="standings_one_current_per_year"
            )
        ]

    def __str__(self):
        current = " (current)" if self.is_current else ""
        return f"{self.year} {timezone.localtime(self.computed_at):%Y-%m-%d %H:%M}{current}"


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

    snapshot = models.ForeignKey(
        StandingsSnapshot, on_delete=models.CASCADE, related_name="rows", db_constraint=False, db_index=False
    )
    scope = models.CharField(max_length=12, choices=Scope.choices)
    # "" for overall and organisations; the service type's id on a service-type row.
    scope_key = models.CharField(max_length=40, blank=True, default="")
    contributor = models.ForeignKey(
        "volunteers.Contributor",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    organisation = models.ForeignKey(
        "volunteers.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    rank = models.PositiveIntegerField()
    points = models.DecimalField(max_digits=12, decimal_places=2)
    hours = models.DecimalField(max_digits=10, decimal_places=2)
    # When the total was reached (the last entry counted): the last tie-break.
    reached_at = models.DateTimeField(null=True, blank=True)
    members = models.PositiveIntegerField(null=True, blank=True)
    average = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # Overall rows only: the contributor's district (the region itself above district level) and kind,
    # and their rank on that district's and that kind's board.
    district = models.ForeignKey(
        "volunteers.Region",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
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
            models.Index(
                fields=["snapshot", "organisation"], name="standing_org_idx", condition=Q(organisation__isnull=False)
            ),
        ]

    def __str__(self):
        # Ids only: derived rows without foreign-key constraints may outlive what they point at.
        who = f"organisation#{self.organisation_id}" if self.organisation_id else f"contributor#{self.contributor_id}"
        return f"{self.scope} {self.scope_key} No. {self.rank}: {who}"
