"""The figures of a recognition report (annual) or a staff digest (monthly) for a region.

Everything is summed by the database (GROUP BY), a fixed handful of queries whatever the size of the
ledger: a year of a city with a million entries comes back as a few hundred rows. The rows are
handed on as pandas DataFrames for the charts, the PDF and the spreadsheet.

Who is counted: contributors whose home region (Contributor.region) is in the report region's
subtree, with all their ledger entries dated (effective_date) in the period. Organisations are those
in the subtree, with the points their members earned on the days they were members (half-open
membership dates, as `selectors.member_records`). Labels are in the active language.

One truth with the standings: a report counts the ledger as of one standings snapshot of its year
(by default a fresh one, refreshed as the build starts). Every sum stops at that snapshot's watermark
(the last entry it counted), and an annual report's top contributors and organisations are the
snapshot's own rows, in its order, so a person's points and place in the report are the ones
/standings/ shows for the same "as of" (`ReportFigures.as_of`). All of it is read in one database
snapshot, so a refresh that replaces the standings snapshot meanwhile changes nothing read here.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
from django.db.models import Count, F, Q, Sum, TextField
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, Substr
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.language import localized
from pointbook.ledger.rules import cents
from pointbook.models import AwardCategory, LedgerEntry, Nomination, RecognitionReport, Standing, StandingsSnapshot
from pointbook.standings.services import one_snapshot, snapshot_of, standings_refresh
from volunteers.models import Contributor, Membership, Region, ServiceRecord, SpecialGroup
from volunteers.service_requests import selectors as request_selectors

TOP_CONTRIBUTORS = 20
TOP_ORGANISATIONS = 10
MOST_HONOUREES = 500


@dataclass
class ReportFigures:
    region: Region
    kind: str
    year: int
    month: int | None
    start: date
    end: date  # the day after the period
    totals: dict = field(default_factory=dict)
    # Columns are plain names; tables and charts take their headings from COLUMNS.
    by_period: pd.DataFrame = None  # month (1–12) or day (of the month), points, hours, entries
    by_service_type: pd.DataFrame = None  # service_type, points, hours, entries
    by_district: pd.DataFrame = None  # district, code, contributors, points, hours
    by_kind: pd.DataFrame = None  # kind, contributors, points, hours
    special_groups: pd.DataFrame = None  # group, records, people_served
    top_contributors: pd.DataFrame = None  # rank, name, kind, region, points, hours
    top_organisations: pd.DataFrame = None  # rank, name, members, points, hours
    honourees: pd.DataFrame = None  # award, name, district, points, hours
    # Service requests registered in the period: district, code, received, finished, on_time, satisfaction
    service_requests: pd.DataFrame = None
    as_of: datetime | None = None  # when the figures were counted (their standings snapshot's time)
    watermark: int = 0  # the last ledger entry counted

    @property
    def annual(self):
        return self.kind == RecognitionReport.Kind.ANNUAL

    @property
    def period_column(self):
        return "month" if self.annual else "day"

    @property
    def period_label(self):
        if self.annual:
            return _("Year %(year)s") % {"year": self.year}
        return _("%(year)s-%(month)02d") % {"year": self.year, "month": self.month}


def column_labels():
    """Headings for the DataFrame columns, in the active language."""
    return {
        "month": _("Month"),
        "day": _("Day"),
        "service_type": _("Service type"),
        "district": _("District"),
        "code": _("Region code"),
        "kind": _("Contributor kind"),
        "group": _("Special group"),
        "records": _("Approved records"),
        "people_served": _("People served"),
        "rank": _("Rank"),
        "name": _("Name"),
        "region": _("Region"),
        "members": _("Members"),
        "contributors": _("Contributors"),
        "points": _("Points"),
        "hours": _("Verified hours"),
        "entries": _("Ledger entries"),
        "award": pgettext("commendation", "Award"),
        "received": _("Requests received"),
        "finished": _("Finished"),
        "on_time": _("Finished on time"),
        "satisfaction": _("Satisfaction (%)"),
    }


def report_period(kind, year, month=None):
    """(first day, day after the last) of an annual report or a monthly digest."""
    if kind == RecognitionReport.Kind.ANNUAL:
        return date(year, 1, 1), date(year + 1, 1, 1)
    return date(year, month, 1), (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1))


def _frame(rows, columns):
    return pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


def _service_type_name(row):
    zh, en = row.get("service_type__name_zh"), row.get("service_type__name_en")
    if zh is None:
        return _("Other (penalties, adjustments)")
    return localized(zh, en)


def report_figures(region, *, kind, year, month=None, snapshot=None):
    """The report's figures as of the standings snapshot `snapshot` of `year` (None: refresh the
    standings now and use the new one): totals and the breakdowns, each from one aggregate query, all
    read in one database snapshot."""
    if snapshot is None:
        snapshot = standings_refresh(year)
    with one_snapshot():
        # A refresh may have replaced (and deleted) it since: the one that did counted more of the ledger.
        snapshot = StandingsSnapshot.objects.filter(pk=snapshot.pk).first() or snapshot_of(year)
        if snapshot is None:
            raise RuntimeError(f"no standings snapshot of {year} to count the report from")
        return _figures(region, kind=kind, year=year, month=month, snapshot=snapshot)


def _figures(region, *, kind, year, month, snapshot):
    start, end = report_period(kind, year, month)
    figures = ReportFigures(
        region=region,
        kind=kind,
        year=year,
        month=month,
        start=start,
        end=end,
        as_of=snapshot.computed_at,
        watermark=snapshot.watermark,
    )
    # Only what the snapshot counted: an entry posted since is in the next report, as on the standings.
    ledger = LedgerEntry.objects.earned().filter(id__lte=snapshot.watermark)
    entries = ledger.filter(
        contributor__region__path__startswith=region.path, effective_date__gte=start, effective_date__lt=end
    ).order_by()
    sums = {"points": Sum("points"), "hours": Sum("hours")}

    # 1. Totals.
    totals = entries.aggregate(**sums, entries=Count("id"), contributors=Count("contributor", distinct=True))

    # 2. By month (annual) or by day (monthly), every period present, zeros where nothing happened.
    part = ExtractMonth("effective_date") if figures.annual else ExtractDay("effective_date")
    rows = {
        r["period"]: r for r in entries.annotate(period=part).values("period").annotate(**sums, entries=Count("id"))
    }
    periods = range(1, 13) if figures.annual else range(1, (end - start).days + 1)
    figures.by_period = _frame(
        [
            (
                p,
                cents(rows.get(p, {}).get("points")),
                cents(rows.get(p, {}).get("hours")),
                rows.get(p, {}).get("entries", 0),
            )
            for p in periods
        ],
        [figures.period_column, "points", "hours", "entries"],
    )

    # 3. By service type (entries without one: penalties, adjustments, appeals).
    rows = (
        entries.values("service_type", "service_type__name_zh", "service_type__name_en", "service_type__sort_order")
        .annotate(**sums, entries=Count("id"))
        .order_by(F("service_type__sort_order").asc(nulls_last=True), "service_type")
    )
    figures.by_service_type = _frame(
        [(_service_type_name(r), cents(r["points"]), cents(r["hours"]), r["entries"]) for r in rows],
        ["service_type", "points", "hours", "entries"],
    )

    # 4. By district: the depth-2 prefix of the contributor's region path (the city rolls into itself).
    district_path = Substr("contributor__region__path", 1, 2 * Region.steplen)
    rows = list(
        entries.annotate(district_path=district_path)
        .values("district_path")
        .annotate(**sums, contributors=Count("contributor", distinct=True))
        .order_by("district_path")
    )
    districts = (
        {
            path: (name, code)
            for path, name, code in Region.objects.filter(path__in=[r["district_path"] for r in rows]).values_list(
                "path", "name", "code"
            )
        }
        if rows
        else {}
    )
    figures.by_district = _frame(
        [
            (
                *districts.get(r["district_path"], (r["district_path"], "")),
                r["contributors"],
                cents(r["points"]),
                cents(r["hours"]),
            )
            for r in rows
        ],
        ["district", "code", "contributors", "points", "hours"],
    )

    # 5. By contributor kind.
    labels = dict(Contributor.Kind.choices)
    rows = (
        entries.values("contributor__kind")
        .annotate(**sums, contributors=Count("contributor", distinct=True))
        .order_by("contributor__kind")
    )
    figures.by_kind = _frame(
        [
            (
                str(labels.get(r["contributor__kind"], r["contributor__kind"])),
                r["contributors"],
                cents(r["points"]),
                cents(r["hours"]),
            )
            for r in rows
        ],
        ["kind", "contributors", "points", "hours"],
    )

    # 6. Special groups served: approved records of the period, one conditional count per group. The
    # list is JSON text (["elderly", "minors"]) on every database, so a quoted code is a whole item.
    records = (
        ServiceRecord.objects.filter(
            status=ServiceRecord.Status.APPROVED,
            contributor__region__path__startswith=region.path,
            date__gte=start,
            date__lt=end,
        )
        .annotate(groups_text=Cast("special_groups", output_field=TextField()))
        .order_by()
    )
    counted = {}
    for code in SpecialGroup.values:
        has = Q(groups_text__contains=f'"{code}"')
        counted[f"n_{code}"] = Count("id", filter=has)
        counted[f"p_{code}"] = Sum("people_served", filter=has)
    groups = records.aggregate(records=Count("id"), people=Sum("people_served"), **counted)
    figures.special_groups = _frame(
        [(str(label), groups[f"n_{code}"], groups[f"p_{code}"] or 0) for code, label in SpecialGroup.choices],
        ["group", "records", "people_served"],
    )

    # 7. Top contributors by points in the period (real names: the report is for staff). A year's are the
    # standings' own rows, in the board's order (ties by hours, then who got there first), each with their
    # place on a board the standings page shows: the city's report the overall board, a district's (and a
    # township's) the district board.
    ranked_by = "rank" if region.level < Region.Level.DISTRICT else "district_rank"
    if figures.annual:
        rows = (
            Standing.objects.filter(
                snapshot=snapshot,
                scope=Standing.Scope.OVERALL,
                contributor__region__path__startswith=region.path,
            )
            .order_by("rank")
            .values(
                "contributor",
                "contributor__legal_name",
                "contributor__kind",
                "contributor__region__name",
                "points",
                "hours",
                place=F(ranked_by),
            )[:TOP_CONTRIBUTORS]
        )
    else:
        rows = (
            entries.values("contributor", "contributor__legal_name", "contributor__kind", "contributor__region__name")
            .annotate(**sums)
            .order_by("-points", "contributor")[:TOP_CONTRIBUTORS]
        )
    figures.top_contributors = _frame(
        [
            (
                r.get("place", i),
                r["contributor__legal_name"],
                str(labels.get(r["contributor__kind"], "")),
                r["contributor__region__name"],
                cents(r["points"]),
                cents(r["hours"]),
            )
            for i, r in enumerate(rows, 1)
        ],
        ["rank", "name", "kind", "region", "points", "hours"],
    )

    # 8. Top organisations of the subtree: their members' entries on the days they were members. All
    # conditions on the membership are in one filter() so they apply to the same membership row.
    belonged = (
        Q(contributor__memberships__organisation__region__path__startswith=region.path)
        & Q(contributor__memberships__status__in=[Membership.Status.ACTIVE, Membership.Status.ENDED])
        & Q(contributor__memberships__started_on__lte=F("effective_date"))
        & (
            Q(contributor__memberships__ended_on__isnull=True)
            | Q(contributor__memberships__ended_on__gt=F("effective_date"))
        )
    )
    if figures.annual:
        # The year's: the region's rows of the standings' organisations board, with their place on it
        # (members: everyone who belonged any day of the year, as the board counts them).
        rows = (
            Standing.objects.filter(
                snapshot=snapshot,
                scope=Standing.Scope.ORGANISATION,
                organisation__region__path__startswith=region.path,
            )
            .order_by("rank")
            .values("organisation__name", "members", "points", "hours", place=F("rank"))[:TOP_ORGANISATIONS]
        )
    else:
        rows = (
            ledger.filter(effective_date__gte=start, effective_date__lt=end)
            .filter(belonged)
            .values("contributor__memberships__organisation", "contributor__memberships__organisation__name")
            .annotate(**sums, members=Count("contributor", distinct=True))
            .order_by("-points", "contributor__memberships__organisation")[:TOP_ORGANISATIONS]
        )
    figures.top_organisations = _frame(
        [
            (
                r.get("place", i),
                r.get("organisation__name") or r.get("contributor__memberships__organisation__name"),
                r["members"],
                cents(r["points"]),
                cents(r["hours"]),
            )
            for i, r in enumerate(rows, 1)
        ],
        ["rank", "name", "members", "points", "hours"],
    )

    # 9. Honourees (annual): this region's people and organisations honoured by approved award categories
    # of the year, of this subtree or of a region above it (a city award lists the district's winners,
    # not the other districts'); a revoked certificate no longer counts.
    if figures.annual:
        above = [region.path[:i] for i in range(Region.steplen, len(region.path), Region.steplen)]
        rows = (
            Nomination.objects.filter(
                status=Nomination.Status.NOMINATED, category__year=year, category__status=AwardCategory.Status.APPROVED
            )
            .filter(Q(category__region__path__startswith=region.path) | Q(category__region__path__in=above))
            .filter(
                Q(contributor__region__path__startswith=region.path)
                | Q(organisation__region__path__startswith=region.path)
            )
            .exclude(certificate__revoked_at__isnull=False)
            .values(
                "category__name_zh",
                "category__name_en",
                "contributor__legal_name",
                "organisation__name",
                "district__name",
                "points",
                "hours",
            )
            .order_by("category__region__path", "category", "rank", "id")[:MOST_HONOUREES]
        )
        figures.honourees = _frame(
            [
                (
                    localized(r["category__name_zh"], r["category__name_en"]),
                    r["contributor__legal_name"] or r["organisation__name"],
                    r["district__name"] or "",
                    cents(r["points"]),
                    cents(r["hours"]),
                )
                for r in rows
            ],
            ["award", "name", "district", "points", "hours"],
        )
    else:
        figures.honourees = _frame([], ["award", "name", "district", "points", "hours"])

    # 10. Service requests registered in the period, per district: what the seeds ask to report
    # (received, finished, finished on time, satisfaction rate of the public ratings).
    figures.service_requests = _frame(
        [
            (r["region"].name, r["region"].code, r["received"], r["finished"], r["on_time"], r["satisfaction"] or "—")
            for r in request_selectors.monthly_figures(region, start, end - timedelta(days=1))
        ],
        ["district", "code", "received", "finished", "on_time", "satisfaction"],
    )

    figures.totals = {
        "points": cents(totals["points"]),
        "hours": cents(totals["hours"]),
        "entries": totals["entries"],
        "contributors": totals["contributors"],
        "records": groups["records"],
        "people_served": groups["people"] or 0,
    }
    return figures


def total_labels():
    return {
        "points": _("Points"),
        "hours": _("Verified hours"),
        "entries": _("Ledger entries"),
        "contributors": _("Contributors with entries"),
        "records": _("Approved service records"),
        "people_served": _("People served"),
    }
