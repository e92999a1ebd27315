"""The data bench/standings.py measures: one year holding about `entries` ledger entries.

People, places and organisations come from the demo builder (`demo.people.demo_build`) at a
`standings` scale: 10,000 contributors of every kind over the demo's 8 districts, 300 organisations,
memberships with history dated so that about 4% of members (394) move firm during the year and
others (1,133) join mid-year (so the membership-date join of the aggregation matters). The ledger is then
written straight with `rows_insert`, a week per transaction in date order (its plain indexes
dropped during the load and built again after), as the services would have
left it: awards (hours, the type's rule, a breakdown like `award_proposal`'s), rating bonuses,
no-show penalties, appeal adjustments without a service type, and reversals that cancel an earlier
award exactly. Activity is skewed (log-normal per person, weekdays busier). The year before gets
`history` × as many entries, so the date filter has rows to skip, as in a ledger a few years old.

Deterministic for given parameters: a rerun with the same ones reuses the database.
"""

import json
import random
import time as timemod
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

SEED = 20261129
CENT = Decimal("0.01")
PARAMS_TABLE = "bench_standings_params"

# Which service types each kind of contributor does (all eleven of the catalogue are used).
TYPES_BY_KIND = {
    "lawyer": [
        "consultation",
        "legal_aid",
        "duty_lawyer",
        "hotline_12348",
        "legal_education",
        "village_adviser",
        "mediation",
        "enterprise_checkup",
        "petition_representation",
    ],
    "grassroots_worker": ["consultation", "mediation", "legal_education", "village_adviser", "hotline_12348"],
    "notary": ["notarisation", "consultation", "legal_education"],
    "forensic_examiner": ["forensic", "legal_education"],
    "mediator": ["mediation", "legal_education", "consultation"],
    "volunteer": ["consultation", "legal_education"],
}


@dataclass(frozen=True)
class Params:
    entries: int
    year: int
    history: float
    version: int = 2  # bump when the generator changes, so old databases are rebuilt

    def key(self):
        return json.dumps(asdict(self), sort_keys=True)


def params_stored(table=PARAMS_TABLE):
    """The parameters the current database was built with (kept in `table`), or None."""
    from django.db import connection

    if table not in connection.introspection.table_names():
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT params FROM {table}")
        row = cursor.fetchone()
    return row[0] if row else None


def _people(params):
    from demo import people as demo

    # 7,000 + 1,500 + 500 + 200 + 100 + 700 = 10,000 contributors; 300 organisations.
    demo.SCALES["standings"] = demo.Scale(8, 70, 700, 300, 7000, 1500, 500, 200, 100, 700, 60)
    # Membership history is drawn back from the demo's "today" (moves 60–1000 days before it, starts
    # 30–3650 days before it): half a year after the measured one puts many of both inside it.
    return demo.demo_build("standings", today=date(params.year + 1, 6, 30))


def _explanation(hours, rate, rural, points):
    text = f"{hours.normalize():f} 小时 × {rate.normalize():f} 分/小时"
    return text + (" × 1.2 偏远地区" if rural else "") + f" = {points.normalize():f}"


def _awards(rules):
    """Every (type, half-hours, rural) an award can take: its points, hours, explanation, breakdown."""
    variants = {}
    for type_id, rule in rules.items():
        for halves in range(1, 17):
            for rural in (False, True):
                hours = Decimal(halves) / 2
                points = (hours * rule.points_per_hour * (Decimal("1.2") if rural else 1)).quantize(
                    CENT, rounding=ROUND_HALF_UP
                )
                breakdown = {
                    "hours": str(hours),
                    "per_hour": str(rule.points_per_hour),
                    "factors": [{"name": "rural", "times": "1.20"}] if rural else [],
                    "cap": None,
                    "cap_kind": None,
                    "earned_before": None,
                    "asked": str(points),
                    "rule": rule.pk,
                    "rule_from": rule.effective_from.isoformat(),
                    "points": str(points),
                }
                variants[type_id, halves, rural] = (
                    points,
                    hours,
                    _explanation(hours, rule.points_per_hour, rural, points),
                    breakdown,
                )
    return variants


def _ledger(params, *, log):
    from django.db import transaction
    from django.utils import timezone

    from core.bulk_insert import ids_reserve, rows_insert
    from pointbook.ledger.bulk import ENTRY_COLUMNS
    from pointbook.models import ConductRule, LedgerEntry, PointsRule
    from volunteers.models import Contributor, ServiceType, StaffProfile

    columns = ("id", *ENTRY_COLUMNS, "conduct_rule_id", "reverses_id")
    rng = random.Random(SEED)
    draw = rng.random
    types = dict(ServiceType.objects.values_list("code", "pk"))
    rules = {r.service_type_id: r for r in PointsRule.objects.filter(effective_from=date(2020, 1, 1))}
    awards = _awards(rules)
    conduct = {r.event: r for r in ConductRule.objects.filter(effective_from=date(2020, 1, 1))}
    rating = conduct["good_rating"]
    no_show = conduct["no_show"]
    staff = list(StaffProfile.objects.values_list("user_id", flat=True))
    people = list(Contributor.objects.order_by("pk").values_list("pk", "kind"))
    # Skewed activity: a few very busy people, a long tail, some with nothing this year.
    weights = [
        0.0 if draw() < 0.04 else rng.lognormvariate(0, 1.0) * (0.4 if kind == "volunteer" else 1.0)
        for _pk, kind in people
    ]
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    kinds_types = {kind: [types[code] for code in codes] for kind, codes in TYPES_BY_KIND.items()}
    person_types = {
        pk: rng.sample(kinds_types[kind], k=min(len(kinds_types[kind]), rng.randint(1, 4))) for pk, kind in people
    }
    tz = timezone.get_current_timezone()
    inserted = 0
    source_id = 0

    def pick(items):
        return items[int(draw() * len(items))]

    def year_rows(year, count):
        nonlocal source_id
        days = [date(year, 1, 1) + timedelta(days=i) for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]
        day_weight = [1.0 if d.weekday() < 5 else 0.35 for d in days]
        scale = count / sum(day_weight)
        owed = 0.0
        recent = []  # awards that a later reversal may cancel: (id, person, points, hours, type, rule, day, source)
        for week in range(0, len(days), 7):
            batch = []
            for day, weight in zip(days[week : week + 7], day_weight[week : week + 7], strict=True):
                owed += weight * scale
                n, owed = int(owed), owed - int(owed)
                # When it was posted: approved within three weeks, in office hours (to the minute).
                moments = [
                    datetime.combine(day + timedelta(days=d), time(h, m), tz)
                    for d in range(0, 21, 2)
                    for h in range(8, 20, 3)
                    for m in (7, 31, 52)
                ]
                for person in rng.choices(people, cum_weights=cumulative, k=n):
                    batch.append((day, person, pick(moments)))
            ids = iter(ids_reserve(LedgerEntry, len(batch)))
            rows = []
            for day, (pk, _kind), at in batch:
                entry_id = next(ids)
                source_id += 1
                actor = pick(staff)
                roll = draw()
                type_id = pick(person_types[pk])
                if roll < 0.93:  # an approved record's award
                    points, hours, text, breakdown = awards[type_id, 1 + int(draw() * 16), draw() < 0.3]
                    rows.append(
                        (
                            entry_id,
                            pk,
                            points,
                            hours,
                            "award",
                            "service_record",
                            source_id,
                            breakdown["rule"],
                            type_id,
                            text,
                            breakdown,
                            f"approve:{source_id}",
                            day,
                            actor,
                            at,
                            None,
                            None,
                        )
                    )
                    recent.append((entry_id, pk, points, hours, type_id, breakdown["rule"], day, source_id))
                    if len(recent) > 4000:
                        recent[int(draw() * len(recent))] = recent[-1]
                        recent.pop()
                elif roll < 0.96:  # a good public rating
                    rows.append(
                        (
                            entry_id,
                            pk,
                            rating.fixed_points,
                            None,
                            "bonus",
                            "rating",
                            source_id,
                            None,
                            type_id,
                            "群众好评 +5",
                            {
                                "event": "good_rating",
                                "fixed": "5",
                                "times": "0",
                                "base": "0",
                                "conduct_rule": rating.pk,
                                "points": "5.00",
                                "about": "",
                            },
                            f"rating:{source_id}",
                            day,
                            actor,
                            at,
                            rating.pk,
                            None,
                        )
                    )
                elif roll < 0.98:  # a no-show: −2 × the shift's points
                    base = Decimal(pick((20, 30, 40, 60)))
                    points = no_show.times_points * base
                    rows.append(
                        (
                            entry_id,
                            pk,
                            points,
                            None,
                            "penalty",
                            "no_show",
                            source_id,
                            None,
                            type_id,
                            f"无故缺席 −2 × {base}",
                            {
                                "event": "no_show",
                                "fixed": "0",
                                "times": "-2",
                                "base": str(base),
                                "conduct_rule": no_show.pk,
                                "points": str(points),
                                "about": "",
                            },
                            f"no_show:{source_id}",
                            day,
                            actor,
                            at,
                            no_show.pk,
                            None,
                        )
                    )
                elif roll < 0.99 or not recent:  # an appeal's adjustment: no service type
                    points = Decimal(pick((-1, 1)) * (1 + int(draw() * 40)))
                    rows.append(
                        (
                            entry_id,
                            pk,
                            points,
                            None,
                            "adjustment",
                            "appeal",
                            source_id,
                            None,
                            None,
                            "申诉复核调整",
                            {"text": "申诉复核调整"},
                            f"appeal:{source_id}",
                            day,
                            actor,
                            at,
                            None,
                            None,
                        )
                    )
                else:  # an earlier award cancelled exactly
                    i = int(draw() * len(recent))
                    target, owner, points, hours, t_type, t_rule, t_day, t_source = recent[i]
                    recent[i] = recent[-1]
                    recent.pop()
                    rows.append(
                        (
                            entry_id,
                            owner,
                            -points,
                            -hours,
                            "reversal",
                            "service_record",
                            t_source,
                            t_rule,
                            t_type,
                            f"撤销 {t_day.isoformat()} 的记分：材料不实",
                            {"reason": "材料不实", "reversed": target, "reversed_date": t_day.isoformat()},
                            f"reversal:{target}",
                            t_day,
                            actor,
                            at,
                            None,
                            target,
                        )
                    )
            with transaction.atomic():
                rows_insert(LedgerEntry, columns, rows, batch_size=10000)
            yield len(rows)

    with _indexes_deferred(LedgerEntry._meta.db_table, log=log):
        for year, count in ((params.year - 1, round(params.entries * params.history)), (params.year, params.entries)):
            for n in year_rows(year, count):
                inserted += n
            log(f"  ledger {year}: {inserted:,} entries so far")
    return inserted


@contextmanager
def _indexes_deferred(table, *, log):
    """Drop the table's plain (non-unique) indexes for a bulk load and build them again after:
    sorting once is far faster than a million random index inserts. Unique ones stay (they check)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
            indexes = cursor.fetchall()
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB for this build connection
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
            indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    start = timemod.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '256MB'")
        for _name, sql in indexes:
            cursor.execute(sql)
    log(f"  {len(indexes)} indexes of {table} built again in {timemod.perf_counter() - start:.0f} s")


def build(params, *, log=print):
    """Fill the (migrated, empty) database; returns counts."""
    from django.db import connection, transaction

    from volunteers.models import Membership

    counts = _people(params)
    log(f"  people: {counts}")
    counts["entries"] = _ledger(params, log=log)
    start, end = date(params.year, 1, 1), date(params.year, 12, 31)
    counts["moved in the year"] = Membership.objects.filter(ended_on__range=(start, end)).count()
    counts["joined in the year"] = Membership.objects.filter(started_on__range=(start, end), status="active").count()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {PARAMS_TABLE} (params TEXT NOT NULL)")
        cursor.execute(f"INSERT INTO {PARAMS_TABLE} (params) VALUES (%s)", [params.key()])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as seed_demo does: fresh planner statistics
    return counts
