"""The annual assessment report (年度考核): for each licensed practitioner of a region (or of a firm), the
year's verified hours and earned points, whether they met the yearly guideline of 50 hours, their
commendations and their upheld complaints, as lawyers' associations ask the bureau for them.

Who is in it: contributors of the licensed kinds (`Contributor.LICENSED_KINDS`: lawyers, grassroots legal
workers, notaries, forensic examiners) registered by the year's end or with an entry in the year; for a
region, those registered in its subtree; for a firm, those the report attributes to it (below).

Each person's firm is the one they belonged to at the year's end (today, for the year under way); someone
who belonged to none then is attributed to the firm they belonged to on the most days of the year (the
later one on a tie). Each person is in exactly one firm's report, with the whole year's figures.

The figures are the person's, whichever firm they served with, and agree with their own My points for
that year: verified hours and points are sums of the year's ledger entries (by the service's date), of
the earning kinds only — spending or expiring points (kinds of their own) never lowers them. A
commendation is an award certificate of that year not revoked; an upheld complaint counts in the year it
was upheld, as for the commendations' "no upheld complaint that year" rule.

People are read in pages of CHUNK (by name), and each page's figures in four grouped queries, so the
report streams in constant memory and its query count grows with the pages, never with the people.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from core.language import localized
from pointbook.firm_record.selectors import GUIDELINE_HOURS
from pointbook.ledger.rules import cents
from pointbook.models import Certificate, Complaint, LedgerEntry
from volunteers.models import Contributor, Membership, Organisation, Region

# People read (and their figures summed) at a time.
CHUNK = 2000
FIRST_YEAR = 2000

Kind = LedgerEntry.Kind
# The kinds that make up earned points: verified work, bonuses, penalties and corrections. A reversal
# counts when what it reverses does; any other kind (spending, expiry) is not earned.
EARNING_KINDS = (Kind.AWARD, Kind.BONUS, Kind.PENALTY, Kind.ADJUSTMENT)
COUNTED_MEMBERSHIPS = (Membership.Status.ACTIVE, Membership.Status.ENDED)


def earned() -> Q:
    """The ledger entries that count as earned points and verified hours."""
    return Q(kind__in=EARNING_KINDS) | Q(kind=Kind.REVERSAL, reverses__kind__in=(*EARNING_KINDS, Kind.REVERSAL))


@dataclass
class AssessmentLine:
    contributor_id: int
    licence_number: str
    name: str
    kind: str
    firm_id: int | None = None
    firm_name: str = ""
    hours: Decimal = Decimal("0.00")
    points: Decimal = Decimal("0.00")
    commendations: list[tuple[str, str]] = field(default_factory=list)  # (title_zh, title_en)
    complaints: int = 0

    @property
    def guideline_met(self) -> bool:
        return self.hours >= GUIDELINE_HOURS

    @property
    def kind_label(self) -> str:
        return str(Contributor.Kind(self.kind).label) if self.kind in Contributor.Kind.values else self.kind

    @property
    def commendation_titles(self) -> list[str]:
        return [localized(zh, en) for zh, en in self.commendations]


def _year(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def firm_day(year: int, today: datetime.date | None = None) -> datetime.date:
    """The day a person's firm is read on: the year's last, or today for the year under way."""
    return min(_year(year)[1], today or timezone.localdate())


def _members_of_year(organisation: Organisation, year: int) -> QuerySet[Membership]:
    first = _year(year)[0]
    return Membership.objects.filter(
        organisation=organisation, status__in=COUNTED_MEMBERSHIPS, started_on__lte=firm_day(year)
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=first))


def assessment_people(
    year: int, *, region: Region | None = None, organisation: Organisation | None = None
) -> QuerySet[Contributor]:
    """Who may be in the report: licensed practitioners of the region's subtree (or members of the firm
    at some time in the year; the report keeps those it attributes to the firm), registered by the end
    of the year or with an entry in it."""
    first, last = _year(year)
    people = Contributor.objects.filter(kind__in=Contributor.LICENSED_KINDS)
    if region is not None:
        people = people.filter(region__path__startswith=region.path)
    if organisation is not None:
        people = people.filter(pk__in=_members_of_year(organisation, year).values("contributor_id"))
    next_year = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    in_the_year = LedgerEntry.objects.filter(contributor=OuterRef("pk"), effective_date__range=(first, last))
    return people.filter(Q(created_at__lt=next_year) | Exists(in_the_year))


def assessment_count(year: int, *, region: Region | None = None, organisation: Organisation | None = None) -> int:
    """How many people the report may hold (for a firm, an upper bound: some belong to another firm)."""
    return assessment_people(year, region=region, organisation=organisation).count()


def assessment_has_data(year: int, *, region: Region | None = None, organisation: Organisation | None = None) -> bool:
    """Whether anyone the report may hold has earned anything (or lost points) in the year."""
    first, last = _year(year)
    people = assessment_people(year, region=region, organisation=organisation)
    return LedgerEntry.objects.filter(
        earned(), contributor__in=people.values("pk"), effective_date__range=(first, last)
    ).exists()


def _firm(periods: list[tuple[int, str, datetime.date, datetime.date | None]], year: int) -> tuple[int, str] | None:
    """The firm a person is attributed to: theirs on the firm day, else the one of most days in the year."""
    first, day = _year(year)[0], firm_day(year)
    for org_id, name, started, ended in periods:
        if started <= day and (ended is None or ended > day):
            return org_id, name
    days: dict[tuple[int, str], tuple[int, datetime.date]] = {}
    after = day + datetime.timedelta(days=1)
    for org_id, name, started, ended in periods:
        span = max(0, (min(ended or after, after) - max(started, first)).days)
        total, latest = days.get((org_id, name), (0, started))
        days[(org_id, name)] = (total + span, max(latest, started))
    if not days:
        return None
    return max(days, key=lambda firm: days[firm])


def _lines(batch: list[tuple[int, str | None, str, str]], year: int) -> list[AssessmentLine]:
    """The figures of one page of people, in four grouped queries."""
    first, last = _year(year)
    lines = {
        pk: AssessmentLine(contributor_id=pk, licence_number=licence or "", name=name, kind=kind)
        for pk, licence, name, kind in batch
    }
    ids = list(lines)
    sums = (
        LedgerEntry.objects.filter(earned(), contributor_id__in=ids, effective_date__range=(first, last))
        .order_by()
        .values("contributor_id")
        .annotate(h=Sum("hours"), p=Sum("points"))
    )
    for row in sums:
        line = lines[row["contributor_id"]]
        line.hours, line.points = cents(row["h"]), cents(row["p"])

    periods: dict[int, list[tuple[int, str, datetime.date, datetime.date | None]]] = defaultdict(list)
    memberships = (
        Membership.objects.filter(
            contributor_id__in=ids, status__in=COUNTED_MEMBERSHIPS, started_on__lte=firm_day(year)
        )
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=first))
        .order_by("started_on", "pk")
        .values_list("contributor_id", "organisation_id", "organisation__name", "started_on", "ended_on")
    )
    for contributor_id, org_id, org_name, started, ended in memberships:
        if started is not None:  # always: confirmed memberships have a first day (a constraint)
            periods[contributor_id].append((org_id, org_name, started, ended))
    for contributor_id, spans in periods.items():
        firm = _firm(spans, year)
        if firm is not None:
            lines[contributor_id].firm_id, lines[contributor_id].firm_name = firm

    awards = (
        Certificate.objects.filter(
            kind=Certificate.Kind.AWARD, year=year, revoked_at__isnull=True, contributor_id__in=ids
        )
        .order_by("issued_at", "pk")
        .values_list("contributor_id", "title_zh", "title_en")
    )
    for contributor_id, title_zh, title_en in awards:
        lines[contributor_id].commendations.append((title_zh, title_en))

    complaints = (
        Complaint.objects.filter(contributor_id__in=ids, date__range=(first, last))
        .order_by()
        .values("contributor_id")
        .annotate(n=Count("pk"))
    )
    for row in complaints:
        lines[row["contributor_id"]].complaints = row["n"]
    return [lines[pk] for pk, *_rest in batch]


def assessment_lines(
    year: int, *, region: Region | None = None, organisation: Organisation | None = None, chunk: int = CHUNK
) -> Iterator[AssessmentLine]:
    """The report's lines by name, page by page (a page of people, then its figures): constant memory,
    and five queries a page however many people the page holds."""
    people = (
        assessment_people(year, region=region, organisation=organisation)
        .order_by("legal_name", "pk")
        .values_list("pk", "licence_number", "legal_name", "kind")
    )
    after: tuple[str, int] | None = None
    while True:
        page = people
        if after is not None:
            page = page.filter(Q(legal_name__gt=after[0]) | Q(legal_name=after[0], pk__gt=after[1]))
        batch = list(page[:chunk])
        for line in _lines(batch, year) if batch else []:
            if organisation is None or line.firm_id == organisation.pk:
                yield line
        if len(batch) < chunk:
            return
        after = (batch[-1][2], batch[-1][0])
