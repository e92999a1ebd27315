"""A firm's public-service record for a year (公益服务档案, for the annual inspection): its members, each
one's verified hours, points, star level and commendations, totals by service type and by month, the
firm's rank among firms, and who is below the yearly guideline; and the statement that certifies it.

A member's ledger entries count for the firm only on the days they belonged to it (membership dates are
half-open: the day someone moves firms counts for the new firm), so a person who moved mid-year appears
in both firms' records, each with their own days. Everything is summed in the database, in a fixed
number of queries however many members and entries there are.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext_lazy as _

from core.language import localized
from pointbook.ledger.rules import cents, stars_for
from pointbook.models import Certificate, LedgerEntry, Standing
from volunteers.models import Contributor, Membership, Organisation

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The yearly guideline of pro-bono hours per member (the Ministry of Justice's 50 hours a year).
GUIDELINE_HOURS = Decimal(50)

# Ledger entries not tied to a service type: conduct bonuses and penalties, appeal adjustments.
OTHER_TYPE = _("Other (bonuses, penalties, adjustments)")

COUNTED = (Membership.Status.ACTIVE, Membership.Status.ENDED)


@dataclass
class Commendation:
    title_zh: str
    title_en: str

    @property
    def title(self) -> str:
        return localized(self.title_zh, self.title_en)


@dataclass
class MemberLine:
    contributor_id: int
    legal_name: str
    kind: str
    licence_number: str
    periods: list  # [(started_on, ended_on or None)] that touch the year, oldest first
    days: int  # days of the year the person belonged
    hours: Decimal = Decimal("0.00")
    points: Decimal = Decimal("0.00")
    hours_to_year_end: Decimal = Decimal("0.00")  # all their verified hours up to the year's end
    stars: int = 0
    commendations: list = field(default_factory=list)
    below_guideline: bool = False
    part_year: bool = False  # belonged for only part of the year (joined, left or moved firms)

    @property
    def kind_label(self) -> StrOrPromise:
        return Contributor.Kind(self.kind).label if self.kind in Contributor.Kind.values else self.kind


@dataclass
class TypeLine:
    service_type_id: int | None  # None: penalties and adjustments not tied to a service type
    name_zh: str
    name_en: str
    hours: Decimal
    points: Decimal
    share: int = 0  # percent of the largest line's hours (or points), for a bar

    @property
    def name(self) -> str:
        if self.service_type_id is None:
            return str(OTHER_TYPE)
        return localized(self.name_zh, self.name_en)


@dataclass
class MonthLine:
    month: int
    hours: Decimal
    points: Decimal
    share: int = 0


@dataclass
class Rank:
    rank: int
    of: int  # organisations ranked in that snapshot
    points: Decimal
    hours: Decimal
    computed_at: object


@dataclass
class FirmRecord:
    organisation: Organisation
    year: int
    members: list
    by_type: list
    by_month: list
    hours: Decimal
    points: Decimal
    rank: Rank | None
    firm_commendations: list = field(default_factory=list)  # awards to the organisation itself
    guideline_hours: Decimal = GUIDELINE_HOURS

    @property
    def below_guideline(self) -> list[MemberLine]:
        return [m for m in self.members if m.below_guideline]

    @property
    def commendations(self) -> int:
        return sum(len(m.commendations) for m in self.members)


def _days_belonged(periods: Iterable[tuple[date, date | None]], year: int) -> int:
    first, after = date(year, 1, 1), date(year + 1, 1, 1)
    days = 0
    for started, ended in periods:
        start, end = max(started, first), min(ended or after, after)
        days += max(0, (end - start).days)
    return days


def _share(value: Decimal, largest: Decimal) -> int:
    return int(round(100 * value / largest)) if largest > 0 and value > 0 else 0


def firm_record(organisation: Organisation, year: int) -> FirmRecord:
    """The organisation's record of `year` as plain data (see FirmRecord), in seven queries."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    memberships = Membership.objects.filter(organisation=organisation, status__in=COUNTED)
    of_year = memberships.filter(started_on__lte=last).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=first))
    member_ids = of_year.values("contributor_id")

    # 1. Who belonged in the year, and when.
    members: dict[int, MemberLine] = {}
    rows = of_year.select_related("contributor").order_by("started_on", "id")
    for membership in rows:
        person = membership.contributor
        line = members.get(person.pk)
        if line is None:
            line = members[person.pk] = MemberLine(
                contributor_id=person.pk,
                legal_name=person.legal_name,
                kind=person.kind,
                licence_number=person.licence_number or "",
                periods=[],
                days=0,
            )
        line.periods.append((membership.started_on, membership.ended_on))
    for line in members.values():
        line.days = _days_belonged(line.periods, year)
        line.part_year = line.days < (366 if calendar.isleap(year) else 365)

    # The entries that count for the firm: in the year, on a day the person belonged.
    on_the_day = OuterRef("effective_date")
    belonged = memberships.filter(contributor=OuterRef("contributor"), started_on__lte=on_the_day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=on_the_day)
    )
    counted = (
        LedgerEntry.objects.earned()
        .filter(contributor_id__in=member_ids, effective_date__gte=first, effective_date__lte=last)
        .filter(Exists(belonged))
        .order_by()
    )

    # 2. Each member's hours and points for the firm.
    for row in counted.values("contributor_id").annotate(h=Sum("hours"), p=Sum("points")):
        line = members[row["contributor_id"]]
        line.hours, line.points = cents(row["h"]), cents(row["p"])

    # 3. Star level: the person's verified hours up to the end of the year (anywhere they served).
    lifetime = (
        LedgerEntry.objects.earned()
        .filter(contributor_id__in=member_ids, effective_date__lte=last)
        .order_by()
        .values("contributor_id")
        .annotate(h=Sum("hours"))
    )
    for row in lifetime:
        line = members[row["contributor_id"]]
        line.hours_to_year_end = cents(row["h"])
    for line in members.values():
        line.stars = stars_for(line.hours_to_year_end)[0]
        line.below_guideline = line.hours < GUIDELINE_HOURS

    # 4. Commendations of the year (award certificates not revoked): the members' and the firm's own.
    awards = (
        Certificate.objects.filter(kind=Certificate.Kind.AWARD, year=year, revoked_at__isnull=True)
        .filter(Q(contributor_id__in=member_ids) | Q(organisation=organisation, contributor__isnull=True))
        .order_by("issued_at", "id")
        .values_list("contributor_id", "title_zh", "title_en")
    )
    firm_commendations: list[Commendation] = []
    for contributor_id, title_zh, title_en in awards:
        (members[contributor_id].commendations if contributor_id else firm_commendations).append(
            Commendation(title_zh, title_en)
        )

    # 5. By service type.
    by_type = [
        TypeLine(
            service_type_id=row["service_type_id"],
            name_zh=row["service_type__name_zh"] or "",
            name_en=row["service_type__name_en"] or "",
            hours=cents(row["h"]),
            points=cents(row["p"]),
        )
        for row in counted.values(
            "service_type_id", "service_type__name_zh", "service_type__name_en", "service_type__sort_order"
        )
        .annotate(h=Sum("hours"), p=Sum("points"))
        .order_by("service_type__sort_order", "service_type_id")
    ]
    by_type.sort(key=lambda line: line.service_type_id is None)  # "other" last

    # 6. By month, all twelve.
    months = {
        row["m"]: row
        for row in counted.annotate(m=ExtractMonth("effective_date"))
        .values("m")
        .annotate(h=Sum("hours"), p=Sum("points"))
    }
    by_month = [
        MonthLine(month=m, hours=cents(months.get(m, {}).get("h")), points=cents(months.get(m, {}).get("p")))
        for m in range(1, 13)
    ]

    largest = max([line.hours for line in by_type] + [Decimal(0)])
    for type_line in by_type:
        type_line.share = _share(type_line.hours, largest)
    largest = max([line.hours for line in by_month] + [Decimal(0)])
    for month_line in by_month:
        month_line.share = _share(month_line.hours, largest)

    # 7. Rank among organisations in the year's current standings.
    ranked = Standing.objects.filter(snapshot=OuterRef("snapshot"), scope=Standing.Scope.ORGANISATION).order_by()
    standing = (
        Standing.objects.filter(
            scope=Standing.Scope.ORGANISATION, organisation=organisation, snapshot__year=year, snapshot__is_current=True
        )
        .annotate(of=Subquery(ranked.values("snapshot").annotate(n=Count("id")).values("n")))
        .select_related("snapshot")
        .first()
    )
    rank = (
        None
        if standing is None
        else Rank(
            rank=standing.rank,
            of=standing.of or 0,
            points=cents(standing.points),
            hours=cents(standing.hours),
            computed_at=standing.snapshot.computed_at,
        )
    )

    lines = sorted(members.values(), key=lambda m: (-m.hours, -m.points, m.legal_name, m.contributor_id))
    return FirmRecord(
        organisation=organisation,
        year=year,
        members=lines,
        by_type=by_type,
        by_month=by_month,
        hours=sum((m.hours for m in lines), Decimal("0.00")),
        points=sum((m.points for m in lines), Decimal("0.00")),
        rank=rank,
        firm_commendations=firm_commendations,
    )


# --- the statement ---------------------------------------------------------------------------------------------


def statement_latest(organisation: Organisation, year: int) -> Certificate | None:
    """The organisation's newest unrevoked statement of `year`, whatever it says."""
    return (
        Certificate.objects.filter(
            kind=Certificate.Kind.STATEMENT, organisation=organisation, year=year, revoked_at__isnull=True
        )
        .order_by("-issued_at", "-id")
        .first()
    )


def statement_certifies(statement: Certificate | None, record: FirmRecord) -> bool:
    """Whether `statement` still says what `record` says: the organisation's name, hours and points."""
    return (
        statement is not None
        and cents(statement.hours) == record.hours
        and cents(statement.points) == record.points
        and statement.holder_name == record.organisation.name
    )
