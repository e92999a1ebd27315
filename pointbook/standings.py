"""The year's standings: computed from the ledger, ranked with pandas, stored as a snapshot.

One GROUP BY in the database feeds every scope: per (contributor, service type, organisation the
contributor belonged to on the entry's date). pandas then sums that small frame into the overall,
district, kind, service-type and organisation boards and ranks each the same way every time:
points, then verified hours, then who reached the total first (their last entry counted), then id.

A refresh writes a new snapshot beside the current one and swaps the `is_current` flag in one short
transaction; readers filter on the flag in the same statement that reads the rows, so they see the
old board or the new one, never half. Two refreshes at once both compute; the one that counted less
of the ledger (a lower watermark) steps aside.
"""

from datetime import date, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal

import pandas as pd
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from volunteers.bulk_insert import rows_insert
from volunteers.models import Contributor, Membership, Region

from .models import LedgerEntry, Standing, StandingsSnapshot

Scope = Standing.Scope
COUNTED_MEMBERSHIPS = (Membership.Status.ACTIVE, Membership.Status.ENDED)
# A leftover of a refresh that died before its swap is cleared once it is this old.
STALE_AFTER = timedelta(hours=6)

# Per (person, service type): the one pass over the year's entries. On SQLite a plain scan of the
# table: the planner would walk an index by person and fetch each row from the table, 2-4× slower.
AGGREGATE_SQL = """
SELECT contributor_id, service_type_id, SUM(points), SUM(COALESCE(hours, 0)), MAX(created_at)
FROM {entry} {not_indexed}
WHERE effective_date >= %s AND effective_date <= %s AND id <= %s
GROUP BY contributor_id, service_type_id
"""

# Per (person, organisation) by the days each belonged: only for people whose membership does not
# cover the whole year (those who joined, left or moved that year); the rest count whole.
SPLIT_SQL = """
SELECT e.contributor_id, m.organisation_id, SUM(e.points), SUM(COALESCE(e.hours, 0)), MAX(e.created_at)
FROM {entry} e
JOIN {membership} m
  ON m.contributor_id = e.contributor_id AND m.status IN (%s, %s)
 AND m.started_on <= e.effective_date AND (m.ended_on IS NULL OR e.effective_date < m.ended_on)
WHERE e.effective_date >= %s AND e.effective_date <= %s AND e.id <= %s AND e.contributor_id IN ({people})
GROUP BY e.contributor_id, m.organisation_id
"""
SPLIT_CHUNK = 2000


def _frame(rows, columns):
    frame = pd.DataFrame(rows, columns=columns)
    # SQLite sums decimals as floats and returns datetimes as text; bring both backends to one form.
    frame["points"] = frame["points"].astype(float).round(2)
    frame["hours"] = frame["hours"].astype(float).round(2)
    frame["reached"] = pd.to_datetime(frame["reached"], utc=True, format="ISO8601")
    return frame


def _aggregate(year, watermark):
    """The ledger of `year` up to `watermark`, summed per (person, service type): one query."""
    sql = AGGREGATE_SQL.format(entry=LedgerEntry._meta.db_table,
                               not_indexed="NOT INDEXED" if connection.vendor == "sqlite" else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [date(year, 1, 1), date(year, 12, 31), watermark])
        rows = cursor.fetchall()
    return _frame(rows, ["contributor", "service_type", "points", "hours", "reached"])


def _memberships(year):
    """({person: organisation} for members all year, [people who belonged only part of it],
    {organisation: number of people who belonged any day of the year})."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    spans = {}
    for person, organisation, start, end in (
            Membership.objects.filter(status__in=COUNTED_MEMBERSHIPS, started_on__lte=last)
            .exclude(ended_on__lte=first).values_list("contributor_id", "organisation_id", "started_on", "ended_on")):
        spans.setdefault(person, []).append((organisation, start, end))
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


def _aggregate_firms(year, watermark, people):
    """Per (person, organisation) for the year, counted by the days each belonged: members of the
    whole year from `people` (the per-person totals), the others from the ledger by date."""
    whole, part, members = _memberships(year)
    firms = people[people["contributor"].isin(whole.keys())][["contributor", "points", "hours", "reached"]].copy()
    firms["organisation"] = firms["contributor"].map(whole)
    tables = dict(entry=LedgerEntry._meta.db_table, membership=Membership._meta.db_table)
    rows = []
    with connection.cursor() as cursor:
        for start in range(0, len(part), SPLIT_CHUNK):
            chunk = part[start:start + SPLIT_CHUNK]
            cursor.execute(SPLIT_SQL.format(**tables, people=", ".join(["%s"] * len(chunk))),
                           [*COUNTED_MEMBERSHIPS, date(year, 1, 1), date(year, 12, 31), watermark, *chunk])
            rows += cursor.fetchall()
    split = _frame(rows, ["contributor", "organisation", "points", "hours", "reached"])
    return (pd.concat([firms, split], ignore_index=True) if len(split) else firms), members


def _districts():
    """{region id: id of its district (or the region itself above district level)}."""
    regions = list(Region.objects.values_list("id", "path", "level"))
    by_path = {path: (pk, level) for pk, path, level in regions}
    step = Region.steplen
    districts = {}
    for pk, path, level in regions:
        districts[pk] = pk
        for end in range(step, len(path) + 1, step):
            ancestor, ancestor_level = by_path.get(path[:end], (None, None))
            if ancestor_level == Region.Level.DISTRICT:
                districts[pk] = ancestor
                break
    return districts


def _ranked(frame, key):
    """`frame` with a `rank` within each value of `key` (None: one board): points desc, hours desc,
    reached first, then id, so equal totals always come out in the same order."""
    order = frame.sort_values(["points", "hours", "reached", "id"], ascending=[False, False, True, True],
                              kind="mergesort")
    order["rank"] = (order.groupby(key, sort=False).cumcount() if key else pd.RangeIndex(len(order))) + 1
    return order


def standings_compute(year, watermark):
    """Every board of `year` as one frame with columns scope, scope_key, contributor, organisation, rank,
    points, hours, reached, members, average."""
    frame = _aggregate(year, watermark)
    boards = []
    people = (frame.groupby("contributor", as_index=False)
              .agg(points=("points", "sum"), hours=("hours", "sum"), reached=("reached", "max")))
    people["id"] = people["contributor"]
    if len(people):
        facts = pd.DataFrame(Contributor.objects.filter(pk__in=people["contributor"].tolist())
                             .values_list("id", "kind", "region_id"), columns=["contributor", "kind", "region"])
        people = people.merge(facts, on="contributor", how="left")
        districts = _districts()
        people["district"] = people["region"].map(districts).astype("Int64").astype(str)
    else:
        people = people.assign(kind=[], region=[], district=[])
    boards.append(_ranked(people, None).assign(scope=Scope.OVERALL, scope_key=""))
    boards.append(_ranked(people, "district").assign(scope=Scope.DISTRICT).rename(columns={"district": "scope_key"}))
    boards.append(_ranked(people, "kind").assign(scope=Scope.KIND).rename(columns={"kind": "scope_key"}))

    typed = frame.dropna(subset=["service_type"])
    by_type = (typed.groupby(["contributor", "service_type"], as_index=False)
               .agg(points=("points", "sum"), hours=("hours", "sum"), reached=("reached", "max")))
    by_type["id"] = by_type["contributor"]
    by_type["scope_key"] = by_type["service_type"].astype("int64").astype(str)
    boards.append(_ranked(by_type, "scope_key").assign(scope=Scope.SERVICE_TYPE))

    earned, members = _aggregate_firms(year, watermark, people)
    firms = (earned.groupby("organisation", as_index=False)
             .agg(points=("points", "sum"), hours=("hours", "sum"), reached=("reached", "max")))
    firms["organisation"] = firms["organisation"].astype("int64")
    # Members: everyone who belonged any day of the year, with points or not (as the firm record counts).
    firms["members"] = firms["organisation"].map(members).fillna(1).astype("int64")
    firms["id"] = firms["organisation"]
    firms["average"] = (firms["points"] / firms["members"]).round(2)
    boards.append(_ranked(firms, None).assign(scope=Scope.ORGANISATION, scope_key=""))

    columns = ["scope", "scope_key", "contributor", "organisation", "rank", "points", "hours", "reached", "members",
               "average"]
    return pd.concat([board.reindex(columns=columns) for board in boards], ignore_index=True)


def _cents(column):
    """Decimals to the cent, from floats that are already rounded to the cent."""
    return [None if v != v else Decimal(f"{v:.2f}") for v in column.to_numpy(dtype=float, na_value=float("nan"))]


def _ints(column):
    return [None if v != v else int(v) for v in column.to_numpy(dtype=float, na_value=float("nan"))]


def _rows(snapshot_id, board):
    """Plain tuples for `rows_insert`, converted a column at a time."""
    reached = board["reached"].dt.tz_convert(dt_timezone.utc)
    reached = [None if v is pd.NaT or v != v else v for v in reached.dt.to_pydatetime()]
    return list(zip([snapshot_id] * len(board), board["scope"].astype(str).tolist(),
                    board["scope_key"].astype(str).tolist(), _ints(board["contributor"]),
                    _ints(board["organisation"]), _ints(board["rank"]), _cents(board["points"]),
                    _cents(board["hours"]), reached, _ints(board["members"]), _cents(board["average"])))


ROW_COLUMNS = ("snapshot_id", "scope", "scope_key", "contributor_id", "organisation_id", "rank", "points", "hours",
               "reached_at", "members", "average")


def standings_refresh(year):
    """Recompute `year`'s standings from the ledger and make them current. Safe to run twice at once."""
    watermark = LedgerEntry.objects.aggregate(m=Max("id"))["m"] or 0
    board = standings_compute(year, watermark)
    with transaction.atomic():
        snapshot = StandingsSnapshot.objects.create(
            year=year, watermark=watermark, contributors=int((board["scope"] == Scope.OVERALL).sum()))
        rows_insert(Standing, ROW_COLUMNS, _rows(snapshot.pk, board))
    return _swap_in(snapshot)


def _swap_in(snapshot, attempts=3):
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                current = (StandingsSnapshot.objects.select_for_update()
                           .filter(year=snapshot.year, is_current=True).first())
                if current is not None and current.watermark >= snapshot.watermark:
                    # Someone counted at least as much of the ledger: theirs stays.
                    snapshot.delete()
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


def standings_years():
    """The years that have ledger entries (the nightly job refreshes the current one and the last)."""
    today = timezone.localdate()
    return [today.year - 1, today.year] if today.month == 1 else [today.year]


CHECK_SQL = """
SELECT COUNT(*) FROM (
  SELECT k1, k2, SUM(p) AS diff, SUM(n) AS rows_stored FROM (
    SELECT {ledger_keys}, e.points AS p, 0 AS n
    FROM {entry} e {join}
    WHERE e.effective_date >= %s AND e.effective_date <= %s AND e.id <= %s {ledger_filter}
    UNION ALL
    SELECT {standing_keys}, -s.points, 1
    FROM {standing} s WHERE s.snapshot_id = %s AND s.scope = %s
  ) both_sides GROUP BY k1, k2
  HAVING SUM(p) > 0.005 OR SUM(p) < -0.005 OR SUM(n) <> 1
) mismatches
"""

# Per scope: how a ledger entry and a stored row are keyed, so the two sides can be summed together.
CHECKS = {
    Scope.OVERALL: dict(ledger_keys="e.contributor_id AS k1, 0 AS k2", join="", ledger_filter="",
                        standing_keys="s.contributor_id, 0"),
    Scope.SERVICE_TYPE: dict(ledger_keys="e.contributor_id AS k1, e.service_type_id AS k2", join="",
                             ledger_filter="AND e.service_type_id IS NOT NULL",
                             standing_keys="s.contributor_id, CAST(s.scope_key AS INTEGER)"),
    Scope.ORGANISATION: dict(
        ledger_keys="m.organisation_id AS k1, 0 AS k2",
        join=("JOIN {membership} m ON m.contributor_id = e.contributor_id AND m.status IN (%s, %s) "
              "AND m.started_on <= e.effective_date AND (m.ended_on IS NULL OR e.effective_date < m.ended_on)"),
        ledger_filter="", standing_keys="s.organisation_id, 0"),
}


def standings_check():
    """Each current snapshot against the ledger it counted (entries up to its watermark): every
    contributor's, contributor-and-type's and organisation's total must match, to the cent, with one
    stored row each. One query per scope and year; the problems as text."""
    problems = []
    tables = dict(entry=LedgerEntry._meta.db_table, standing=Standing._meta.db_table,
                  membership=Membership._meta.db_table)
    for snapshot in StandingsSnapshot.objects.filter(is_current=True):
        for scope, parts in CHECKS.items():
            sql = CHECK_SQL.format(**tables, **{k: v.format(**tables) for k, v in parts.items()})
            params = ([*COUNTED_MEMBERSHIPS] if scope == Scope.ORGANISATION else []) + [
                date(snapshot.year, 1, 1), date(snapshot.year, 12, 31), snapshot.watermark, snapshot.pk, scope]
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                mismatches = cursor.fetchone()[0]
            if mismatches:
                problems.append(f"standings {snapshot.year} ({scope}): {mismatches} totals differ from the ledger")
    return problems


# --- Reading the current snapshot. Each read is one statement joined on `is_current`, so it sees one
# whole snapshot even while a refresh swaps it.

LEADERBOARD_SIZE = 50


def _current(year):
    return Standing.objects.filter(snapshot__year=year, snapshot__is_current=True)


def snapshot_of(year):
    return StandingsSnapshot.objects.filter(year=year, is_current=True).first()


def masked_name(name):
    """What public lists show for someone who chose not to appear by name: the family name only."""
    return (name[:1] + "**") if name else "**"


def board_label(scope, key, *, regions=None, types=None):
    if scope == Scope.DISTRICT:
        region = (regions or {}).get(int(key)) if key.isdigit() else None
        return region.name if region else key
    if scope == Scope.SERVICE_TYPE:
        service_type = (types or {}).get(int(key)) if key.isdigit() else None
        return str(service_type) if service_type else key
    if scope == Scope.KIND:
        return str(Contributor.Kind(key).label) if key in Contributor.Kind.values else key
    return str(Scope(scope).label)


def ranks_of(contributor, year):
    """The contributor's rank in every board they are on: [{scope, key, label, rank, out_of, points,
    hours}]. Three queries whatever the size of the boards."""
    from django.db.models import Count, OuterRef, Subquery

    from volunteers.models import ServiceType

    size = (Standing.objects.filter(snapshot=OuterRef("snapshot"), scope=OuterRef("scope"),
                                    scope_key=OuterRef("scope_key")).order_by()
            .values("snapshot").annotate(n=Count("id")).values("n"))
    rows = list(_current(year).filter(contributor=contributor).annotate(out_of=Subquery(size))
                .values("scope", "scope_key", "rank", "out_of", "points", "hours"))
    order = [Scope.OVERALL, Scope.DISTRICT, Scope.KIND, Scope.SERVICE_TYPE]
    rows.sort(key=lambda r: (order.index(r["scope"]), r["rank"]))
    regions = Region.objects.in_bulk([int(r["scope_key"]) for r in rows if r["scope"] == Scope.DISTRICT])
    types = ServiceType.objects.in_bulk([int(r["scope_key"]) for r in rows if r["scope"] == Scope.SERVICE_TYPE])
    for row in rows:
        row["label"] = board_label(row["scope"], row["scope_key"], regions=regions, types=types)
    return rows


def rank_of_organisation(organisation, year):
    return _current(year).filter(scope=Scope.ORGANISATION, organisation=organisation).first()


def leaderboard(year, scope, key="", *, viewer=None, size=LEADERBOARD_SIZE):
    """The top `size` of one board, names masked for those who opted out (except the viewer's own),
    plus the viewer's own row when they are further down. Two queries."""
    board = _current(year).filter(scope=scope, scope_key=key)
    if scope == Scope.ORGANISATION:
        rows = list(board.select_related("organisation").order_by("rank")[:size])
        for row in rows:
            row.name = row.organisation.name
            row.mine = False
        return rows, None
    rows = list(board.select_related("contributor").order_by("rank")[:size])
    own = None
    if viewer is not None and not any(row.contributor_id == viewer.pk for row in rows):
        own = board.select_related("contributor").filter(contributor=viewer).first()
    for row in rows + ([own] if own else []):
        row.mine = viewer is not None and row.contributor_id == viewer.pk
        person = row.contributor
        row.name = person.legal_name if (person.public_listing or row.mine) else masked_name(person.legal_name)
    return rows, own


def boards(year):
    """The boards a visitor can pick for `year`: [(scope, key, label)], from what the snapshot holds."""
    from volunteers.models import ServiceType

    keys = list(_current(year).order_by().values_list("scope", "scope_key").distinct())
    regions = Region.objects.in_bulk([int(k) for s, k in keys if s == Scope.DISTRICT and k.isdigit()])
    types = ServiceType.objects.in_bulk([int(k) for s, k in keys if s == Scope.SERVICE_TYPE and k.isdigit()])
    order = [Scope.OVERALL, Scope.ORGANISATION, Scope.DISTRICT, Scope.KIND, Scope.SERVICE_TYPE]
    labelled = [(s, k, board_label(s, k, regions=regions, types=types)) for s, k in keys]
    return sorted(labelled, key=lambda b: (order.index(b[0]), b[2]))
