"""The year's standings: read from the ledger's totals, ranked with pandas, stored as a snapshot.

The database keeps the ledger summed per contributor, year and service type (`LedgerTotal`, kept by
a trigger as entries are inserted), so a refresh reads a few rows per person instead of the year's
entries. Only the people who did not belong to one organisation all year (they joined, left or moved
firm) have their entries read, to split their year between organisations by the days each belonged
(the organisations' board). All of it is read in one snapshot of the database, so an entry is counted
for its author and their firm or for neither. pandas ranks each board the same way every time:
points, then verified hours, then who reached the total first (their last entry counted), then id.

What is stored is what readers need, in as few rows as that takes: one overall row per contributor,
which also carries their district and kind and their rank on those two boards (a district's board is
the overall board restricted to the district, so its order is the overall order); one row per
contributor and service type; one per organisation; and each board's size on the snapshot.

A refresh writes a new snapshot beside the current one and swaps the `is_current` flag in one short
transaction; readers filter on the flag in the same statement that reads the rows, so they see the
old board or the new one, never half. Two refreshes at once both compute; the one that counted less
of the ledger (a lower watermark) steps aside; with nothing new in the ledger the later one replaces
the current board, as memberships, districts or kinds may have changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from core.jobs import job_enqueue
from pointbook.ledger.rules import cents
from pointbook.models import LedgerEntry, LedgerTotal, Standing, StandingsSnapshot
from volunteers.models import Contributor, Membership, Region

if TYPE_CHECKING:
    import numpy.typing as npt
    from django.db.models import QuerySet

    from core.models import Job
    from volunteers.models import Organisation, ServiceType, User

Scope = Standing.Scope
COUNTED_MEMBERSHIPS = (Membership.Status.ACTIVE, Membership.Status.ENDED)
# A leftover of a refresh that died before its swap is cleared once it is this old.
STALE_AFTER = timedelta(hours=6)

# Per (person, service type): the year's totals. Sums come as floats (rounded to the cent after) and
# the last entry's time as microseconds since 1970 on PostgreSQL, as text on SQLite: converting
# 27,000 Decimals and datetimes costs more than the rest of the ranking.
TOTALS_SQL = """
SELECT contributor_id, NULLIF(service_type, 0), {points}, {hours}, {reached}
FROM {totals} WHERE year = %s
"""

# Per (person, organisation) by the days each belonged: only for people whose membership does not
# cover the whole year (those who joined, left or moved that year); the rest count whole.
SPLIT_SQL = """
SELECT e.contributor_id, m.organisation_id, {points}, {hours}, {reached}
FROM {entry} e
JOIN {membership} m
  ON m.contributor_id = e.contributor_id AND m.status IN (%s, %s)
 AND m.started_on <= e.effective_date AND (m.ended_on IS NULL OR e.effective_date < m.ended_on)
WHERE e.effective_date >= %s AND e.effective_date <= %s AND e.id <= %s AND e.contributor_id IN ({people})
  AND e.kind NOT IN ('spend', 'refund', 'expiry')
GROUP BY e.contributor_id, m.organisation_id
"""
SPLIT_CHUNK = 2000
# How much of each service type's board is stored as rows (a leaderboard page shows the top 50);
# everyone's rank on it is on their overall row.
TYPE_ROWS = 50


def _columns(points: str, hours: str, reached: str) -> dict[str, str]:
    """The summed (or total) columns, as each backend returns them fastest."""
    if connection.vendor == "postgresql":
        return dict(
            points=f"{points}::float8",
            hours=f"{hours}::float8",
            reached=f"(EXTRACT(EPOCH FROM {reached}) * 1000000)::bigint",
        )
    return dict(points=points, hours=hours, reached=reached)


def totals_sql() -> str:
    """The main read's SQL, one parameter (the year)."""
    return TOTALS_SQL.format(totals=LedgerTotal._meta.db_table, **_columns("points", "hours", "reached_at"))


def _frame(rows: Sequence[Sequence[Any]], columns: list[str]) -> pd.DataFrame:
    """Points and hours as floats to the cent, `reached` as microseconds since 1970 (UTC)."""
    frame = pd.DataFrame(rows, columns=columns)
    frame["points"] = frame["points"].astype(float).round(2)
    frame["hours"] = frame["hours"].astype(float).round(2)
    reached = frame["reached"]
    if connection.vendor == "postgresql":
        frame["reached"] = reached.astype("int64")
    else:  # UTC as text, "YYYY-MM-DD HH:MM:SS[.ffffff]"
        frame["reached"] = (
            pd.to_datetime(reached, format="ISO8601").to_numpy(dtype="datetime64[us]").astype("int64")
            if len(frame)
            else reached.astype("int64")
        )
    return frame


@contextmanager
def one_snapshot() -> Iterator[None]:
    """Reads that all see the database as of one moment: a REPEATABLE READ transaction on PostgreSQL
    (READ COMMITTED would give each statement its own); on SQLite any read transaction is one. Inside
    a caller's transaction, that one."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _totals(year: int) -> pd.DataFrame:
    """The ledger of `year` per (person, service type), from the totals the database keeps."""
    with connection.cursor() as cursor:
        cursor.execute(totals_sql(), [year])
        rows = cursor.fetchall()
    return _frame(rows, ["contributor", "service_type", "points", "hours", "reached"])


def _memberships(year: int) -> tuple[dict[int, int], list[int], dict[int, int]]:
    """({person: organisation} for members all year, [people who belonged only part of it],
    {organisation: number of people who belonged any day of the year})."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    spans: dict[int, list[tuple[int, date, date | None]]] = {}
    for person, organisation, start, end in (
        Membership.objects.filter(status__in=COUNTED_MEMBERSHIPS, started_on__lte=last)
        .exclude(ended_on__lte=first)
        .values_list("contributor_id", "organisation_id", "started_on", "ended_on")
    ):
        spans.setdefault(person, []).append((organisation, start, end))  # type: ignore[arg-type]  # started_on__lte: never NULL
    members: dict[int, int]
    whole, part, members = {}, [], {}
    for person, held in spans.items():
        for organisation in {org for org, _start, _end in held}:
            members[organisation] = members.get(organisation, 0) + 1
        organisation, start, end = held[0]
        if len(held) == 1 and start <= first and (end is None or end > last):
            whole[person] = organisation
        else:
            part.append(person)
    return whole, part, members


def _districts() -> dict[int, int]:
    """{region id: id of its district (or the region itself above district level)}."""
    regions = list(Region.objects.values_list("id", "path", "level"))
    by_path = {path: (pk, level) for pk, path, level in regions}
    step = Region.steplen
    districts = {}
    for pk, path, _level in regions:
        districts[pk] = pk
        for end in range(step, len(path) + 1, step):
            ancestor, ancestor_level = by_path.get(path[:end], (None, None))
            if ancestor_level == Region.Level.DISTRICT:
                districts[pk] = ancestor
                break
    return districts


def _facts() -> pd.DataFrame:
    """Each contributor's kind and district."""
    facts = pd.DataFrame(
        list(Contributor.objects.values_list("id", "kind", "region_id")), columns=["contributor", "kind", "region"]
    )
    facts["district"] = facts["region"].map(_districts())
    return facts


def _split(year: int, part: list[int], watermark: int) -> pd.DataFrame:
    """The year of the people in `part` summed per (person, organisation) by the days they belonged."""
    sql = SPLIT_SQL.format(
        entry=LedgerEntry._meta.db_table,
        membership=Membership._meta.db_table,
        people="{people}",
        **_columns("SUM(e.points)", "SUM(COALESCE(e.hours, 0))", "MAX(e.created_at)"),
    )
    rows = []
    with connection.cursor() as cursor:
        for start in range(0, len(part), SPLIT_CHUNK):
            chunk = part[start : start + SPLIT_CHUNK]
            cursor.execute(
                sql.format(people=", ".join(["%s"] * len(chunk))),
                [*COUNTED_MEMBERSHIPS, date(year, 1, 1), date(year, 12, 31), watermark, *chunk],
            )
            rows += cursor.fetchall()
    return _frame(rows, ["contributor", "organisation", "points", "hours", "reached"])


def _read(year: int) -> tuple[int, pd.DataFrame, pd.DataFrame, dict[int, int], dict[int, int], pd.DataFrame]:
    """What the boards of `year` are computed from, read in one snapshot: (the highest entry id
    counted, the totals per person and service type, each contributor's facts, {person: organisation}
    for members all year, {organisation: members}, the split of the others' year by organisation)."""
    with one_snapshot():
        watermark = LedgerEntry.objects.aggregate(m=Max("id"))["m"] or 0
        totals = _totals(year)
        facts = _facts()
        whole, part, members = _memberships(year)
        split = _split(year, part, watermark)
    return watermark, totals, facts, whole, members, split


ORDER = ["points", "hours", "reached", "id"]
ASCENDING = [False, False, True, True]


def _ranked(frame: pd.DataFrame, key: str | None = None) -> pd.DataFrame:
    """`frame` in board order (points desc, hours desc, reached first, then id, so equal totals always
    come out in the same order) with a `rank` within each value of `key` (None: one board)."""
    order = frame.sort_values(
        ([key] if key else []) + ORDER,
        ascending=([True] if key else []) + ASCENDING,
        kind="mergesort",
        ignore_index=True,
    )
    if key:
        order["rank"] = order.groupby(key, sort=False).cumcount().to_numpy() + 1
    else:
        order["rank"] = np.arange(1, len(order) + 1)
    return order


def _within(order: pd.DataFrame, key: str) -> npt.NDArray[Any]:
    """The rank within each value of `key` of a frame already in board order."""
    return order.groupby(key, sort=False, dropna=False).cumcount().to_numpy() + 1


def _sizes(column: pd.Series) -> dict[str, int]:
    return {str(k): int(n) for k, n in column.value_counts(dropna=True).items()}


def standings_compute(year: int) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, int]], int]:
    """Every board of `year`: ({"people": overall rows with district, district_rank, kind, kind_rank
    and their ranks by service type as JSON; "types": the top TYPE_ROWS of each service type's board;
    "firms": per organisation}, {scope: {key: board size}}, the highest ledger entry id counted)."""
    watermark, frame, facts, whole, members, split = _read(year)

    people = frame.groupby("contributor", as_index=False, sort=False).agg(
        points=("points", "sum"), hours=("hours", "sum"), reached=("reached", "max")
    )
    people["points"] = people["points"].round(2)
    people["hours"] = people["hours"].round(2)
    people["id"] = people["contributor"]
    people = people.merge(facts, on="contributor", how="left")
    people = _ranked(people)
    people["district_rank"] = _within(people, "district")
    people["kind_rank"] = _within(people, "kind")

    types = frame[frame["service_type"].notna()].copy()
    types["service_type"] = types["service_type"].astype("int64")
    types["id"] = types["contributor"]
    types = _ranked(types, "service_type")
    people["types"] = people["contributor"].map(_packed(types))

    in_whole = people[people["contributor"].isin(whole.keys())]
    earned = pd.DataFrame(
        {
            "organisation": in_whole["contributor"].map(whole).to_numpy(),
            "points": in_whole["points"].to_numpy(),
            "hours": in_whole["hours"].to_numpy(),
            "reached": in_whole["reached"].to_numpy(),
        }
    )
    if len(split):
        earned = pd.concat([earned, split[["organisation", "points", "hours", "reached"]]], ignore_index=True)
    firms = earned.groupby("organisation", as_index=False, sort=False).agg(
        points=("points", "sum"), hours=("hours", "sum"), reached=("reached", "max")
    )
    firms["organisation"] = firms["organisation"].astype("int64")
    firms["points"] = firms["points"].round(2)
    firms["hours"] = firms["hours"].round(2)
    # Members: everyone who belonged any day of the year, with points or not (as the firm record counts).
    firms["members"] = firms["organisation"].map(members).fillna(1).astype("int64")
    firms["id"] = firms["organisation"]
    firms["average"] = (firms["points"] / firms["members"]).round(2)
    firms = _ranked(firms)

    sizes: dict[str, dict[str, int]] = {}
    if len(people):
        sizes[Scope.OVERALL.value] = {"": len(people)}
        sizes[Scope.DISTRICT.value] = _sizes(people["district"].astype("Int64"))
        sizes[Scope.KIND.value] = _sizes(people["kind"])
    if len(types):
        sizes[Scope.SERVICE_TYPE.value] = _sizes(types["service_type"])
    if len(firms):
        sizes[Scope.ORGANISATION.value] = {"": len(firms)}
    return {"people": people, "types": types[types["rank"] <= TYPE_ROWS], "firms": firms}, sizes, watermark


def _packed(types: pd.DataFrame) -> dict[int, str]:
    """{contributor: '{"<type id>": [rank, points, hours], ...}'}: each person's ranks by service type,
    as JSON text."""
    entries: dict[int, list[str]] = {}
    for person, key, rank, points, hours in zip(
        types["contributor"].tolist(),
        types["service_type"].tolist(),
        types["rank"].tolist(),
        types["points"].tolist(),
        types["hours"].tolist(),
        strict=True,
    ):
        entries.setdefault(person, []).append(f'"{key}": [{rank}, {points!r}, {hours!r}]')
    return {person: "{" + ", ".join(held) + "}" for person, held in entries.items()}


ROW_COLUMNS = (
    "snapshot_id",
    "scope",
    "scope_key",
    "contributor_id",
    "organisation_id",
    "rank",
    "points",
    "hours",
    "reached_at",
    "members",
    "average",
    "district_id",
    "district_rank",
    "kind",
    "kind_rank",
    "types",
)


def _ints(column: pd.Series) -> list[int | None]:
    """Python ints, None where missing."""
    if column.isna().any():
        return [None if v != v else int(v) for v in column.to_numpy(dtype=float, na_value=float("nan"))]
    return column.astype("int64").tolist()


def _times(column: pd.Series) -> list[str]:
    """Microseconds since 1970 to the text each backend reads as a UTC time."""
    text = np.datetime_as_string(column.to_numpy(dtype="int64").astype("datetime64[us]"), unit="us")
    text = np.char.replace(text, "T", " ")
    if connection.vendor == "postgresql":
        text = np.char.add(text, "+00")
    return text.tolist()


def _rows(snapshot_id: int, boards: Mapping[str, pd.DataFrame]) -> list[tuple[Any, ...]]:
    """Plain tuples in the order of ROW_COLUMNS, converted a column at a time: floats for the
    decimal columns (already rounded to the cent), text for the times."""
    people, types, firms = boards["people"], boards["types"], boards["firms"]
    rows: list[tuple[Any, ...]] = []
    n = len(people)
    if n:
        rows += zip(
            [snapshot_id] * n,
            [Scope.OVERALL.value] * n,
            [""] * n,
            _ints(people["contributor"]),
            [None] * n,
            _ints(people["rank"]),
            people["points"].tolist(),
            people["hours"].tolist(),
            _times(people["reached"]),
            [None] * n,
            [None] * n,
            _ints(people["district"]),
            _ints(people["district_rank"]),
            people["kind"].fillna("").astype(str).tolist(),
            _ints(people["kind_rank"]),
            people["types"].astype(object).where(people["types"].notna(), None).tolist(),
            strict=True,
        )
    n = len(types)
    if n:
        rows += zip(
            [snapshot_id] * n,
            [Scope.SERVICE_TYPE.value] * n,
            types["service_type"].astype(str).tolist(),
            _ints(types["contributor"]),
            [None] * n,
            _ints(types["rank"]),
            types["points"].tolist(),
            types["hours"].tolist(),
            _times(types["reached"]),
            [None] * n,
            [None] * n,
            [None] * n,
            [None] * n,
            [""] * n,
            [None] * n,
            [None] * n,
            strict=True,
        )
    n = len(firms)
    if n:
        rows += zip(
            [snapshot_id] * n,
            [Scope.ORGANISATION.value] * n,
            [""] * n,
            [None] * n,
            _ints(firms["organisation"]),
            _ints(firms["rank"]),
            firms["points"].tolist(),
            firms["hours"].tolist(),
            _times(firms["reached"]),
            _ints(firms["members"]),
            firms["average"].tolist(),
            [None] * n,
            [None] * n,
            [""] * n,
            [None] * n,
            [None] * n,
            strict=True,
        )
    return rows


def _insert(rows: list[tuple[Any, ...]]) -> None:
    """The rows into the table: PostgreSQL one COPY, SQLite one executemany. The values are already
    what the database stores (no per-field preparation), and the table has no foreign-key checks."""
    table = Standing._meta.db_table
    names = ", ".join(f'"{Standing._meta.get_field(name).column}"' for name in ROW_COLUMNS)  # type: ignore[union-attr]  # concrete fields
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(ROW_COLUMNS))
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def standings_refresh(year: int) -> StandingsSnapshot:
    """Recompute `year`'s standings from the ledger and make them current. Safe to run twice at once.

    The snapshot is stamped with the moment before the ledger is read, so its "as of" is a promise:
    every entry posted before then is counted."""
    counted_at = timezone.now()
    boards, sizes, watermark = standings_compute(year)
    with transaction.atomic():
        snapshot = StandingsSnapshot.objects.create(
            year=year, computed_at=counted_at, watermark=watermark, contributors=len(boards["people"]), sizes=sizes
        )
        _insert(_rows(snapshot.pk, boards))
    return _swap_in(snapshot)


def _swap_in(snapshot: StandingsSnapshot, attempts: int = 3) -> StandingsSnapshot:
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                current = (
                    StandingsSnapshot.objects.select_for_update().filter(year=snapshot.year, is_current=True).first()
                )
                if current is not None and current.watermark > snapshot.watermark:
                    # Someone counted more of the ledger: theirs stays. (Counting as much is no reason:
                    # memberships, districts and kinds may have changed since without a new entry.)
                    snapshot.delete()  # its rows too (Django cascades; the table has no foreign keys)
                    return current
                StandingsSnapshot.objects.filter(year=snapshot.year, is_current=True).update(is_current=False)
                StandingsSnapshot.objects.filter(pk=snapshot.pk).update(is_current=True)
                if current is not None:
                    current.delete()
                stale = timezone.now() - STALE_AFTER
                StandingsSnapshot.objects.filter(year=snapshot.year, is_current=False, computed_at__lt=stale).delete()
                snapshot.is_current = True
                return snapshot
        except IntegrityError:
            # Another refresh made the first snapshot of this year current at the same moment.
            if attempt == attempts - 1:
                raise
    return snapshot


def standings_years() -> list[int]:
    """The years that have ledger entries (the nightly job refreshes the current one and the last)."""
    today = timezone.localdate()
    return [today.year - 1, today.year] if today.month == 1 else [today.year]


CHECK_SQL = """
SELECT COUNT(*) FROM (
  SELECT k1, k2, SUM(p) AS diff, SUM(n) AS rows_stored FROM (
    SELECT {ledger_keys}, e.points AS p, 0 AS n
    FROM {entry} e {join}
    WHERE e.effective_date >= %s AND e.effective_date <= %s AND e.id <= %s {ledger_filter}
      AND e.kind NOT IN ('spend', 'refund', 'expiry')
    UNION ALL
    SELECT {standing_keys}, -s.points, 1 FROM {stored} s
  ) both_sides GROUP BY k1, k2
  HAVING SUM(p) > 0.005 OR SUM(p) < -0.005 OR SUM(n) <> 1
) mismatches
"""

# Everyone's rank on each service type's board, from the JSON on their overall row, as a table
# (contributor, service_type, rank, points) for the snapshot given as the parameter.
UNPACKED = {
    "sqlite": """(SELECT o.contributor_id AS contributor, CAST(j.key AS INTEGER) AS service_type,
        CAST(json_extract(j.value, '$[0]') AS INTEGER) AS rank, json_extract(j.value, '$[1]') AS points
        FROM {standing} o, json_each(o.types) j WHERE o.snapshot_id = %s AND o.scope = 'overall')""",
    "postgresql": """(SELECT o.contributor_id AS contributor, CAST(j.key AS INTEGER) AS service_type,
        CAST(j.value ->> 0 AS INTEGER) AS rank, CAST(j.value ->> 1 AS NUMERIC) AS points
        FROM {standing} o CROSS JOIN LATERAL jsonb_each(o.types) j WHERE o.snapshot_id = %s AND o.scope = 'overall')""",
}
ROWS_OF = "(SELECT * FROM {standing} WHERE snapshot_id = %s AND scope = '{scope}')"

# Per scope: how a ledger entry and a stored row are keyed, so the two sides can be summed together.
CHECKS = {
    Scope.OVERALL: dict(
        ledger_keys="e.contributor_id AS k1, 0 AS k2",
        join="",
        ledger_filter="",
        stored=ROWS_OF.replace("{scope}", Scope.OVERALL),
        standing_keys="s.contributor_id, 0",
    ),
    Scope.SERVICE_TYPE: dict(
        ledger_keys="e.contributor_id AS k1, e.service_type_id AS k2",
        join="",
        ledger_filter="AND e.service_type_id IS NOT NULL",
        stored="{unpacked}",
        standing_keys="s.contributor, s.service_type",
    ),
    Scope.ORGANISATION: dict(
        ledger_keys="m.organisation_id AS k1, 0 AS k2",
        join=(
            "JOIN {membership} m ON m.contributor_id = e.contributor_id AND m.status IN (%s, %s) "
            "AND m.started_on <= e.effective_date AND (m.ended_on IS NULL OR e.effective_date < m.ended_on)"
        ),
        ledger_filter="",
        stored=ROWS_OF.replace("{scope}", Scope.ORGANISATION),
        standing_keys="s.organisation_id, 0",
    ),
}

# The ranks carried on the overall rows: within each district, kind and service type they must follow
# the board's order (1, 2, 3, ... as the overall ranks, by points). Parameters: the snapshot twice.
RANKS_SQL = """
SELECT (SELECT COUNT(*) FROM (
  SELECT rank, district_rank, kind_rank, points,
         ROW_NUMBER() OVER (ORDER BY rank) AS r,
         ROW_NUMBER() OVER (PARTITION BY district_id ORDER BY rank) AS dr,
         ROW_NUMBER() OVER (PARTITION BY kind ORDER BY rank) AS kr,
         LAG(points) OVER (ORDER BY rank) AS ahead
  FROM {standing} WHERE snapshot_id = %s AND scope = 'overall'
) ranked
WHERE rank <> r OR district_rank IS NULL OR district_rank <> dr OR kind_rank IS NULL OR kind_rank <> kr
   OR ahead < points) + (SELECT COUNT(*) FROM (
  SELECT rank, points, ROW_NUMBER() OVER (PARTITION BY service_type ORDER BY rank) AS r,
         LAG(points) OVER (PARTITION BY service_type ORDER BY rank) AS ahead
  FROM {unpacked} u
) by_type WHERE rank <> r OR ahead < points)
"""

# The top rows of each service type's board: one for each rank up to TYPE_ROWS, each as the person's
# overall row has it. Parameters: the snapshot four times, then TYPE_ROWS.
TOP_SQL = """
SELECT (SELECT COUNT(*) FROM {standing} t LEFT JOIN {unpacked} u
          ON u.contributor = t.contributor_id AND u.service_type = CAST(t.scope_key AS INTEGER) AND u.rank = t.rank
         AND u.points - t.points < 0.005 AND t.points - u.points < 0.005
        WHERE t.snapshot_id = %s AND t.scope = 'service_type' AND u.contributor IS NULL)
     + ABS((SELECT COUNT(*) FROM {standing} t WHERE t.snapshot_id = %s AND t.scope = 'service_type')
           - (SELECT COUNT(*) FROM {unpacked} u WHERE u.rank <= %s))
"""


def _stored_sizes(snapshot: StandingsSnapshot) -> dict[str, dict[str, int]]:
    """{scope: {key: rows}} as the snapshot's rows hold them."""
    from django.db.models import Count

    rows = Standing.objects.filter(snapshot=snapshot).order_by()
    sizes: dict[str, dict[str, int]] = {}
    for scope, key, n in (
        rows.exclude(scope=Scope.SERVICE_TYPE).values_list("scope", "scope_key").annotate(n=Count("id"))
    ):
        sizes.setdefault(scope, {})[key] = n
    overall = rows.filter(scope=Scope.OVERALL)
    for district, n in overall.exclude(district=None).values_list("district_id").annotate(n=Count("id")):
        sizes.setdefault(Scope.DISTRICT.value, {})[str(district)] = n
    for kind, n in overall.exclude(kind="").values_list("kind").annotate(n=Count("id")):
        sizes.setdefault(Scope.KIND.value, {})[kind] = n
    for types in overall.exclude(types=None).values_list("types", flat=True):
        for key in types:  # type: ignore[union-attr]  # types=None excluded above
            board = sizes.setdefault(Scope.SERVICE_TYPE.value, {})
            board[key] = board.get(key, 0) + 1
    return sizes


def standings_check() -> list[str]:
    """Each current snapshot against the ledger it counted (entries up to its watermark): every
    contributor's, contributor-and-type's and organisation's total must match, to the cent, with one
    stored rank each (one query per scope and year); the district, kind and service-type ranks must
    follow each board's order, the top rows of the service types match the ranks on the overall rows,
    and the board sizes the rows. The problems as text."""
    problems = []
    tables = dict(
        entry=LedgerEntry._meta.db_table, standing=Standing._meta.db_table, membership=Membership._meta.db_table
    )
    tables["unpacked"] = UNPACKED[connection.vendor].format(**tables)
    for snapshot in StandingsSnapshot.objects.filter(is_current=True):
        for scope, parts in CHECKS.items():
            sql = CHECK_SQL.format(**tables, **{k: v.format(**tables) for k, v in parts.items()})
            params: list[Any] = ([*COUNTED_MEMBERSHIPS] if scope == Scope.ORGANISATION else []) + [
                date(snapshot.year, 1, 1),
                date(snapshot.year, 12, 31),
                snapshot.watermark,
                snapshot.pk,
            ]
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                mismatches = cursor.fetchone()[0]
            if mismatches:
                problems.append(f"standings {snapshot.year} ({scope}): {mismatches} totals differ from the ledger")
        with connection.cursor() as cursor:
            cursor.execute(RANKS_SQL.format(**tables), [snapshot.pk, snapshot.pk])
            misplaced = cursor.fetchone()[0]
            cursor.execute(TOP_SQL.format(**tables), [snapshot.pk, snapshot.pk, snapshot.pk, snapshot.pk, TYPE_ROWS])
            top = cursor.fetchone()[0]
        if misplaced:
            problems.append(
                f"standings {snapshot.year} (district, kind and service type): {misplaced} ranks out of order"
            )
        if top:
            problems.append(
                f"standings {snapshot.year} (service type): {top} top rows differ from the ranks on the overall rows"
            )
        if _stored_sizes(snapshot) != snapshot.sizes:
            problems.append(f"standings {snapshot.year}: the board sizes differ from the rows stored")
    return problems


# --- Reading the current snapshot. Each read is one statement joined on `is_current`, so it sees one
# whole snapshot even while a refresh swaps it.

LEADERBOARD_SIZE = 50


def _current(year: int) -> QuerySet[Standing]:
    return Standing.objects.filter(snapshot__year=year, snapshot__is_current=True)


def snapshot_of(year: int) -> StandingsSnapshot | None:
    return StandingsSnapshot.objects.filter(year=year, is_current=True).first()


def masked_name(name: str) -> str:
    """What public lists show for someone who chose not to appear by name: the family name only."""
    return (name[:1] + "**") if name else "**"


def board_label(
    scope: str,
    key: str,
    *,
    regions: Mapping[int, Region] | None = None,
    types: Mapping[int, ServiceType] | None = None,
) -> str:
    if scope == Scope.DISTRICT:
        region = (regions or {}).get(int(key)) if key.isdigit() else None
        return region.name if region else key
    if scope == Scope.SERVICE_TYPE:
        service_type = (types or {}).get(int(key)) if key.isdigit() else None
        return str(service_type) if service_type else key
    if scope == Scope.KIND:
        return str(Contributor.Kind(key).label) if key in Contributor.Kind.values else key
    return str(Scope(scope).label)


def ranks_of(contributor: Contributor, year: int) -> list[dict[str, Any]]:
    """The contributor's rank in every board they are on: [{scope, scope_key, label, rank, out_of,
    points, hours, as_of}] (as_of: when the snapshot counted them). Three queries whatever the size of
    the boards."""
    from volunteers.models import ServiceType

    stored = list(
        _current(year)
        .filter(contributor=contributor, scope=Scope.OVERALL)
        .values(
            "rank",
            "points",
            "hours",
            "district_id",
            "district_rank",
            "kind",
            "kind_rank",
            "types",
            "snapshot__sizes",
            "snapshot__computed_at",
        )
    )
    rows = []
    for row in stored:
        sizes = row["snapshot__sizes"] or {}
        boards: list[tuple[str, str, int | None, Decimal, Decimal]] = [
            (Scope.OVERALL.value, "", row["rank"], row["points"], row["hours"])
        ]
        if row["district_id"] is not None:
            boards.append(
                (Scope.DISTRICT.value, str(row["district_id"]), row["district_rank"], row["points"], row["hours"])
            )
        if row["kind"]:
            boards.append((Scope.KIND.value, row["kind"], row["kind_rank"], row["points"], row["hours"]))
        for key, (rank, points, hours) in (row["types"] or {}).items():
            boards.append((Scope.SERVICE_TYPE.value, key, rank, cents(points), cents(hours)))
        for scope, key, rank, points, hours in boards:
            rows.append(
                {
                    "scope": scope,
                    "scope_key": key,
                    "rank": rank,
                    "out_of": sizes.get(scope, {}).get(key),
                    "points": points,
                    "hours": hours,
                    "as_of": row["snapshot__computed_at"],
                }
            )
    order = [Scope.OVERALL, Scope.DISTRICT, Scope.KIND, Scope.SERVICE_TYPE]
    rows.sort(key=lambda r: (order.index(r["scope"]), r["rank"]))
    regions = Region.objects.in_bulk([int(r["scope_key"]) for r in rows if r["scope"] == Scope.DISTRICT])
    types = ServiceType.objects.in_bulk([int(r["scope_key"]) for r in rows if r["scope"] == Scope.SERVICE_TYPE])
    for labelled in rows:
        labelled["label"] = board_label(labelled["scope"], labelled["scope_key"], regions=regions, types=types)
    return rows


def rank_of_organisation(organisation: Organisation, year: int) -> Standing | None:
    return _current(year).filter(scope=Scope.ORGANISATION, organisation=organisation).first()


def _board_rows(year: int, scope: str, key: str) -> tuple[QuerySet[Standing], str]:
    """The stored rows of one board, and the field holding their rank on it. A district's and a kind's
    boards are the overall rows of that district or kind (ordered by the overall rank, they are in
    their order on the board too); a service type's, its top TYPE_ROWS."""
    current = _current(year)
    if scope == Scope.DISTRICT:
        return (
            current.filter(scope=Scope.OVERALL, district_id=int(key)) if key.isdigit() else current.none(),
            "district_rank",
        )
    if scope == Scope.KIND:
        return current.filter(scope=Scope.OVERALL, kind=key) if key else current.none(), "kind_rank"
    return current.filter(scope=scope, scope_key=key), "rank"


def _on_type_board(row: Standing, key: str) -> Standing | None:
    """A contributor's overall row as their row on service type `key`'s board (None when not on it)."""
    rank, points, hours = (row.types or {}).get(key) or (None, None, None)
    if rank is None:
        return None
    row.scope, row.scope_key, row.rank = Scope.SERVICE_TYPE, key, rank
    row.points, row.hours = cents(points), cents(hours)
    return row


def service_type_values(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The service-type boards of `rows` (dicts of overall rows, with their "types"): one dict per
    person and service type, "scope_key", "rank", "points" and "hours" set as a row of its own would
    have them, ordered by service type (its id as text) then rank. For exports of whole boards."""
    out = []
    for row in rows:
        for key, (rank, points, hours) in (row.get("types") or {}).items():
            out.append(
                {
                    **row,
                    "scope": Scope.SERVICE_TYPE.value,
                    "scope_key": key,
                    "rank": rank,
                    "points": cents(points),
                    "hours": cents(hours),
                }
            )
    out.sort(key=lambda r: (r["scope_key"], r["rank"]))
    return out


def board(year: int, scope: str, key: str = "", *, related: Sequence[str] = ()) -> list[Standing]:
    """Every row of one board of the current snapshot, in rank order, each with `rank` its rank on
    that board. For checks and exports; a page shows `leaderboard`."""
    if scope == Scope.SERVICE_TYPE:
        on_board = [
            _on_type_board(row, key)
            for row in _current(year).filter(scope=Scope.OVERALL, types__has_key=key).select_related(*related)
        ]
        return sorted(on_board, key=lambda row: row.rank)  # type: ignore[arg-type]  # has_key: all on it
    stored, ranked_by = _board_rows(year, scope, key)
    rows = list(stored.select_related(*related).order_by("rank"))
    for row in rows:
        row.rank = getattr(row, ranked_by)
    return rows


def leaderboard(
    year: int, scope: str, key: str = "", *, viewer: Contributor | None = None, size: int = LEADERBOARD_SIZE
) -> tuple[list[Standing], Standing | None]:
    """The top `size` of one board, names masked for those who opted out (except the viewer's own),
    plus the viewer's own row when they are further down. Two queries."""
    rows, ranked_by = _board_rows(year, scope, key)
    if scope == Scope.ORGANISATION:
        firms = list(rows.select_related("organisation").order_by("rank")[:size])
        for row in firms:
            row.name = row.organisation.name  # type: ignore[attr-defined, union-attr]  # for the template
            row.mine = False  # type: ignore[attr-defined]  # for the template
        return firms, None
    if scope == Scope.SERVICE_TYPE and size > TYPE_ROWS:
        top = board(year, scope, key, related=["contributor"])[:size]
    else:
        top = list(rows.select_related("contributor").order_by("rank")[:size])
    own = None
    if viewer is not None and not any(row.contributor_id == viewer.pk for row in top):
        if scope == Scope.SERVICE_TYPE:
            # Below the stored top: the viewer's rank on this type is on their overall row.
            overall = (
                _current(year).filter(scope=Scope.OVERALL, contributor=viewer).select_related("contributor").first()
            )
            own = overall and _on_type_board(overall, key)
        else:
            own = rows.select_related("contributor").filter(contributor=viewer).first()
    for row in top + ([own] if own else []):
        row.rank = getattr(row, ranked_by)
        row.mine = viewer is not None and row.contributor_id == viewer.pk  # type: ignore[attr-defined]  # for the template
        person = row.contributor
        row.name = person.legal_name if (person.public_listing or row.mine) else masked_name(person.legal_name)  # type: ignore[attr-defined, union-attr]  # as above
    return top, own


def boards(year: int) -> list[tuple[str, str, str]]:
    """The boards a visitor can pick for `year`: [(scope, key, label)], from what the snapshot holds."""
    from volunteers.models import ServiceType

    snapshot = snapshot_of(year)
    sizes = snapshot.sizes if snapshot else {}
    keys = [(scope, key) for scope, counts in sizes.items() for key, n in counts.items() if n]
    regions = Region.objects.in_bulk([int(k) for s, k in keys if s == Scope.DISTRICT and k.isdigit()])
    types = ServiceType.objects.in_bulk([int(k) for s, k in keys if s == Scope.SERVICE_TYPE and k.isdigit()])
    order: list[str] = [Scope.OVERALL, Scope.ORGANISATION, Scope.DISTRICT, Scope.KIND, Scope.SERVICE_TYPE]
    labelled = [(s, k, board_label(s, k, regions=regions, types=types)) for s, k in keys]
    return sorted(labelled, key=lambda b: (order.index(b[0]), b[2]))


def standings_refresh_start(*, actor: User | None, year: int) -> Job:
    """Queue a refresh of the year's standings (staff pressed "recompute now"); a worker runs it."""
    return job_enqueue(task="standings_refresh", args={"year": year}, requested_by=actor)
