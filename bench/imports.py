"""How fast do spreadsheets import: a 10,000-row roster at ≥ 5,000 rows/s, 100,000 history records at ≥ 20,000 entries/s?

Side by side in one run, on a database of its own (never var/db.sqlite3), every
measurement inside one transaction that is rolled back afterwards (so each starts from the same
state; the ledger is append-only, so nothing is ever deleted):

1. Roster: `roster.csv`, 10,000 new contributors with the template's Chinese headers (UTF-8, BOM),
   organisation licences of existing organisations, region codes in the city staff member's scope,
   imported the whole way a confirmed upload goes: `sheet_read` + `import_check("contributors")` +
   `import_apply` — rows/s, target ≥ 5,000. Then, in the same transaction, the same file again (all
   rows unchanged, nothing written). Baseline: django-import-export's defaults, a plain
   `ModelResource` for Organisation importing 10,000 new organisations from CSV (tablib load +
   `import_data(dataset, dry_run=False, use_transactions=True)`; the issue quotes ~780 rows/s).
2. History: `history.csv`, 100,000 service records of last year for the demo's 2,930 contributors,
   `sheet_read` + `import_check("history")` + `import_apply` — LedgerEntry rows posted per second,
   target ≥ 20,000. Baselines: Django's `bulk_create` of 100,000 ledger entries (instances built
   and inserted, batch_size 2,000) and `core.bulk_insert.rows_insert` of the same tuples (COPY
   on PostgreSQL; on SQLite INSERTs of many rows each, as for any table with a trigger); the issue
   quotes ~23,000 and ~190,000 rows/s. Also the engine's own floor: rows_insert of the 100,000
   records and their 100,000 entries, the two inserts every history import has to make.

Each measurement runs in a process of its own (so each has its own peak memory, getrusage maxrss),
after an unmeasured warm-up on the first 200 rows of its file (and, on PostgreSQL, a VACUUM ANALYZE:
rolled-back rows stay behind as dead tuples until one); the processes are interleaved,
`--repeat` rounds of all of them, and the table shows medians, rows/s, the ratios against the
baselines, whether each target is met, the engine's time by phase, and each measurement's peak.

Rerun (SQLite, a file under /tmp/pb-bench/imports-<roster>-<history>/; the first run builds the
`city` demo and the files in about 30 s):

    /usr/bin/time -v .venv/bin/python bench/imports.py
    .venv/bin/python bench/imports.py --repeat 1                     # a quick run
    .venv/bin/python bench/imports.py --profile history              # cProfile of one engine import
    .venv/bin/python bench/imports.py --profile roster               # (top functions, to stderr)

PostgreSQL (the script creates the database when it is missing; it only ever drops the schema of a
database whose name contains "bench"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_imports /usr/bin/time -v .venv/bin/python bench/imports.py

`/usr/bin/time -v` reports the largest resident set of any of the processes (the history import's,
in practice); the table gives each measurement's own.
Options: --roster N (10000), --history N (100000), --repeat R (5), --year Y (last year), --rebuild,
--profile TASK (roster | history).
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/pb-bench"))
sys.path.insert(0, str(ROOT / "bench"))

from standings import database_empty, peak_mib, postgres_database_ensure  # noqa: E402  (one way to do these)

ROSTER_TARGET = 5_000
HISTORY_TARGET = 20_000
TASKS = ("roster", "roster-baseline", "history", "history-bulk_create", "history-rows_insert", "history-floor")
BULK_CREATE_BATCH = 2000


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roster", type=int, default=10_000)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--year", type=int, default=date.today().year - 1)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--profile", choices=["roster", "history"])
    parser.add_argument("--child", choices=["build", *TASKS], help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def var_dir(args):
    postgres = bool(os.environ.get("DATABASE_URL"))
    return WORK / ("imports-pg" if postgres else f"imports-{args.roster}-{args.history}")


def environment(args):
    var = var_dir(args)
    var.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "PB_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "0"}


def setup():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- building ---------------------------------------------------------------------------------------


def child_build(args):
    if os.environ.get("DATABASE_URL"):
        postgres_database_ensure()
    setup()
    import imports_data
    from django.core.management import call_command

    params = imports_data.Params(roster=args.roster, history=args.history, year=args.year)
    directory = var_dir(args)
    files = [directory / name for name in ("roster.csv", "organisations.csv", "history.csv")]
    if not args.rebuild and imports_data.params_stored() == params.key():
        call_command("migrate", verbosity=0)  # migrations added since it was built (the data stays)
        if not all(path.exists() for path in files):
            imports_data.files_build(params, directory)
        print(repr({"reused": True, "seconds": 0.0, "peak": peak_mib()}))
        return
    start = time.perf_counter()
    database_empty()
    print(f"  building {params}", file=sys.stderr)
    call_command("migrate", verbosity=0)
    call_command("createcachetable")
    counts = imports_data.build(params, directory, log=lambda text: print(text, file=sys.stderr))
    print(repr({"reused": False, "seconds": time.perf_counter() - start, "counts": counts, "peak": peak_mib()}))


# --- measuring --------------------------------------------------------------------------------------


class Timer:
    """Seconds spent in wrapped functions (module attributes replaced for the duration)."""

    def __init__(self):
        self.spent = {}
        self._undo = []

    def wrap(self, owner, attribute, name=None):
        function = getattr(owner, attribute)
        name = name or attribute

        def timed(*a, **kw):
            start = time.perf_counter()
            try:
                return function(*a, **kw)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - start

        self._undo.append((owner, attribute, owner.__dict__.get(attribute, _MISSING)))
        setattr(owner, attribute, timed)

    def restore(self):
        for owner, attribute, before in reversed(self._undo):
            if before is _MISSING:  # a method looked up on the class: drop the instance's wrapper
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, before)
        self._undo = []


_MISSING = object()


def _file(path):
    from django.core.files import File

    return File(open(path, "rb"), name=path.name)


def _staff():
    from volunteers.models import StaffProfile

    profile = StaffProfile.objects.select_related("user", "region").get(user__email="staff.city@demo.cn")
    return profile.user, profile.region


def _rolled_back(function):
    """function() inside a transaction that is rolled back; returns its result."""
    from django.db import transaction

    with transaction.atomic():
        try:
            return function()
        finally:
            transaction.set_rollback(True)


def _engine(kind, path, *, actor, scope, timer=None):
    """sheet_read + import_check + import_apply of one file, timed by phase (inside the caller's transaction)."""
    from django.utils import timezone

    from spreadsheets.imports.engine import import_apply, import_check
    from spreadsheets.upload import sheet_read

    start = time.perf_counter()
    upload = _file(path)
    try:
        sheet = sheet_read(upload)
    finally:
        upload.close()
    read = time.perf_counter()
    plan = import_check(kind, sheet, scope=scope)
    checked = time.perf_counter()
    if not plan.ok:
        sys.exit(f"{path.name}: {plan.problem_count} problems, e.g. {plan.problems[:5]}")
    import_apply(plan, actor=actor, now=timezone.now())
    applied = time.perf_counter()
    return plan, {
        "sheet_read": read - start,
        "import_check": checked - read,
        "import_apply": applied - checked,
        "total": applied - start,
    }


def _engine_timer(kind_code):
    """Wrap the engine's parts so one import's time splits into them."""
    import pointbook.ledger.bulk
    import spreadsheets.imports.engine
    import spreadsheets.imports.kinds_points

    timer = Timer()
    kind = spreadsheets.imports.engine.KINDS[kind_code]
    timer.wrap(spreadsheets.imports.engine, "rows_clean", "check: cells through widgets (rows_clean)")
    timer.wrap(kind, "check", f"check: {kind_code} rules and lookups (kind.check)")
    if kind_code == "history":
        timer.wrap(
            spreadsheets.imports.kinds_points,
            "records_add_approved",
            "apply: records and entries (records_add_approved)",
        )
        timer.wrap(pointbook.ledger.bulk, "rows_insert", "apply:   records inserted (rows_insert)")
        timer.wrap(pointbook.ledger.bulk, "entries_post", "apply:   entries posted (entries_post)")
        timer.wrap(pointbook.ledger.bulk, "earned_so_far", "apply:   caps read from the ledger (earned_so_far)")
    else:
        timer.wrap(kind, "_join", "apply: memberships (_join)")
    return timer


def task_roster(args, path):
    from volunteers.models import Contributor

    actor, scope = _staff()
    timer = None if args.warm else _engine_timer("contributors")

    def both():
        before = Contributor.objects.count()
        plan, first = _engine("contributors", path, actor=actor, scope=scope)
        spent = dict(timer.spent) if timer else {}
        if timer:
            timer.spent = {}
        created = Contributor.objects.count() - before
        again, second = _engine("contributors", path, actor=actor, scope=scope)
        assert again.unchanged == again.rows and again.writes == 0, again.summary()
        return {
            "rows": plan.rows,
            "created": created,
            "new": plan.new,
            "seconds": first,
            "parts": spent,
            "again": {"rows": again.rows, "unchanged": again.unchanged, "seconds": second},
        }

    try:
        return _rolled_back(both)
    finally:
        if timer:
            timer.restore()


def task_roster_baseline(args, path):
    import tablib
    from import_export import resources

    from volunteers.models import Organisation

    class DefaultOrganisationResource(resources.ModelResource):  # the library's defaults, nothing declared
        class Meta:
            model = Organisation

    def run():
        start = time.perf_counter()
        dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
        result = DefaultOrganisationResource().import_data(dataset, dry_run=False, use_transactions=True)
        seconds = time.perf_counter() - start
        assert not result.has_errors() and not result.has_validation_errors(), result.base_errors or result.invalid_rows
        return {"rows": len(dataset), "created": result.totals["new"], "seconds": {"total": seconds}}

    return _rolled_back(run)


def task_history(args, path):
    from pointbook.models import LedgerEntry

    actor, scope = _staff()
    timer = None if args.warm else _engine_timer("history")

    def run():
        before = LedgerEntry.objects.count()
        plan, seconds = _engine("history", path, actor=actor, scope=scope)
        return {
            "rows": plan.rows,
            "created": LedgerEntry.objects.count() - before,
            "seconds": seconds,
            "parts": dict(timer.spent) if timer else {},
        }

    try:
        return _rolled_back(run)
    finally:
        if timer:
            timer.restore()


def _entry_rows(count, record_ids=None):
    """`count` ledger entries as the history import posts them (pointbook.ledger.bulk.ENTRY_COLUMNS), and the
    service records they are for (spreadsheets.imports.kinds_points.RECORD_COLUMNS), from the demo's people."""
    import random
    from datetime import datetime, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from pointbook.models import PointsRule
    from volunteers.models import Contributor, ServiceRecord

    rng = random.Random(7)
    people = list(Contributor.objects.values_list("pk", "region_id"))
    rules = list(PointsRule.objects.values_list("pk", "service_type_id", "points_per_hour", "effective_from"))
    actor, _scope = _staff()
    now = timezone.now()
    tz = timezone.get_current_timezone()
    first = date(date.today().year - 1, 1, 1)
    entries, records = [], []
    ids = record_ids or range(1, count + 1)
    for record_id in ids:
        person, region = rng.choice(people)
        rule, type_id, per_hour, since = rng.choice(rules)
        hours = Decimal(rng.choice((1, 2, 3, 4))) / 2
        points = (hours * per_hour).quantize(Decimal("0.01"))
        day = first + timedelta(days=rng.randrange(365))
        breakdown = {
            "hours": str(hours),
            "per_hour": str(per_hour),
            "factors": [],
            "cap": None,
            "cap_kind": None,
            "earned_before": None,
            "asked": str(points),
            "rule": rule,
            "rule_from": since.isoformat(),
            "points": str(points),
        }
        entries.append(
            (
                person,
                points,
                hours,
                "award",
                "service_record",
                record_id,
                rule,
                type_id,
                f"{hours} 小时 × {per_hour} 分/小时 = {points}",
                breakdown,
                f"record:{record_id}:award:1",
                day,
                actor.pk,
                now,
            )
        )
        started = datetime.combine(day, datetime.min.time().replace(hour=9), tzinfo=tz)
        # spreadsheets.imports.kinds_points.RECORD_COLUMNS, then pointbook.ledger.bulk.DECIDED_COLUMNS
        records.append(
            (
                record_id,
                person,
                type_id,
                None,
                region,
                day,
                started,
                started + timedelta(hours=float(hours)),
                hours,
                now,
                now,
                1,
                [],
                "",
                f"BENCH-{record_id}",
                False,
                "",
                ServiceRecord.Status.APPROVED,
                now,
                actor.pk,
                "",
                False,
            )
        )
    return entries, records


def task_history_bulk_create(args, path):
    from pointbook.ledger.bulk import ENTRY_COLUMNS
    from pointbook.models import LedgerEntry

    count = 200 if args.warm else args.history
    entries, _records = _entry_rows(count)

    def run():
        start = time.perf_counter()
        LedgerEntry.objects.bulk_create(
            [LedgerEntry(**dict(zip(ENTRY_COLUMNS, row, strict=True))) for row in entries], batch_size=BULK_CREATE_BATCH
        )
        return {"rows": count, "created": count, "seconds": {"total": time.perf_counter() - start}}

    return _rolled_back(run)


def task_history_rows_insert(args, path):
    from core.bulk_insert import rows_insert
    from pointbook.ledger.bulk import ENTRY_COLUMNS
    from pointbook.models import LedgerEntry

    count = 200 if args.warm else args.history
    entries, _records = _entry_rows(count)

    def run():
        start = time.perf_counter()
        rows_insert(LedgerEntry, ENTRY_COLUMNS, entries)
        return {"rows": count, "created": count, "seconds": {"total": time.perf_counter() - start}}

    return _rolled_back(run)


def task_history_floor(args, path):
    from core.bulk_insert import ids_reserve, rows_insert
    from pointbook.ledger.bulk import DECIDED_COLUMNS, ENTRY_COLUMNS
    from pointbook.models import LedgerEntry
    from spreadsheets.imports.kinds_points import RECORD_COLUMNS
    from volunteers.models import ServiceRecord

    count = 200 if args.warm else args.history

    def run():
        entries, records = _entry_rows(count, ids_reserve(ServiceRecord, count))
        start = time.perf_counter()
        rows_insert(ServiceRecord, (*RECORD_COLUMNS, *DECIDED_COLUMNS), records)
        rows_insert(LedgerEntry, ENTRY_COLUMNS, entries)
        return {"rows": count, "created": count, "seconds": {"total": time.perf_counter() - start}}

    return _rolled_back(run)


RUNNERS = {
    "roster": (task_roster, "roster.csv"),
    "roster-baseline": (task_roster_baseline, "organisations.csv"),
    "history": (task_history, "history.csv"),
    "history-bulk_create": (task_history_bulk_create, None),
    "history-rows_insert": (task_history_rows_insert, None),
    "history-floor": (task_history_floor, None),
}


def child_measure(args):
    setup()
    from django.db import connection

    if connection.vendor == "postgresql":
        # A rolled-back import leaves its rows behind as dead tuples until a vacuum: without this, each
        # measurement would scan the ledgers of all the ones before it. (SQLite's rollback leaves nothing.)
        with connection.cursor() as cursor:  # Django's connection is in autocommit outside atomic()
            cursor.execute("VACUUM ANALYZE")
    runner, name = RUNNERS[args.child]
    directory = var_dir(args)
    full = directory / name if name else None
    warm = full.with_name(full.stem + "-warm.csv") if full else None
    args.warm = True
    runner(args, warm)  # warm-up: imports, translations, widget lookups, the database's caches
    args.warm = False
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(runner, args, full)
        stats = pstats.Stats(profiler, stream=sys.stderr).strip_dirs()
        print(f"\n=== cProfile of {args.child} on {connection.vendor} ({result['rows']:,} rows) ===", file=sys.stderr)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(45)
    else:
        result = runner(args, full)
    result.update(backend=connection.vendor, peak=peak_mib())
    print(repr(result))


# --- the parent: runs the children and prints the table -------------------------------------------


def child(args, which, profile=False):
    argv = [
        sys.executable,
        __file__,
        "--child",
        which,
        "--roster",
        str(args.roster),
        "--history",
        str(args.history),
        "--year",
        str(args.year),
    ]
    if args.rebuild and which == "build":
        argv.append("--rebuild")
    if profile:
        argv += ["--profile", args.profile]
    out = (
        subprocess.run(argv, cwd=ROOT, env=environment(args), check=True, stdout=subprocess.PIPE, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    return eval(out)  # our own repr from the child


def report(args, built, results):
    def med(task, key="total", part="seconds"):
        return statistics.median(r[part][key] for r in results[task])

    def peak(task):
        return max(r["peak"] for r in results[task])

    def rate(task, key="total", part="seconds"):
        return results[task][0]["created" if part == "seconds" else "rows"] / med(task, key, part)

    backend = results["roster"][0]["backend"]
    print(
        f"imports — {backend}; median of {args.repeat}, each measurement in a process of its own, interleaved, "
        f"rolled back after"
    )
    if built["reused"]:
        print("data: reused the database and files built earlier with the same parameters")
    else:
        print(f"data: built in {built['seconds']:.0f} s ({built['counts']})")
    head = f"{'':<58}{'rows':>9}{'seconds':>9}{'rows/s':>10}  {'vs baselines':<26}{'peak MiB':>9}"
    roster = results["roster"][0]
    r_rate = roster["created"] / med("roster")
    again = roster["again"]["rows"] / statistics.median(r["again"]["seconds"]["total"] for r in results["roster"])
    base = rate("roster-baseline")
    print()
    print(f"1. Roster: {roster['rows']:,} new contributors from roster.csv (UTF-8, Chinese template headers)")
    print(head)

    def line(label, rows, seconds, note="", peak_mib=None):
        per = f"{rows / seconds:>10,.0f}" if rows else f"{'':>10}"
        mem = f"{peak_mib:>9,.0f}" if peak_mib is not None else ""
        print(
            f"{label:<58}{rows or '':>9,}{seconds:>9.3f}{per}  {note:<26}{mem}"
            if rows
            else f"{label:<58}{'':>9}{seconds:>9.3f}{per}  {note:<26}{mem}"
        )

    line(
        "engine: sheet_read + import_check + import_apply",
        roster["created"],
        med("roster"),
        f"{r_rate / base:.1f}× import-export",
        peak("roster"),
    )
    for key in ("sheet_read", "import_check", "import_apply"):
        line(f"  {key}", None, med("roster", key))
    for key in results["roster"][0]["parts"]:
        line(f"    {key}", None, statistics.median(r["parts"].get(key, 0.0) for r in results["roster"]))
    line(
        "engine: the same file again (all unchanged, nothing written)",
        roster["again"]["rows"],
        statistics.median(r["again"]["seconds"]["total"] for r in results["roster"]),
        f"{again / base:.1f}× import-export",
    )
    line(
        "baseline: import-export ModelResource defaults (organisations)",
        results["roster-baseline"][0]["created"],
        med("roster-baseline"),
        "",
        peak("roster-baseline"),
    )
    print(
        f"roster import {r_rate:,.0f} rows/s — target ≥ {ROSTER_TARGET:,} rows/s "
        f"{'MET' if r_rate >= ROSTER_TARGET else 'NOT MET'}; re-import {again:,.0f} rows/s; "
        f"import-export defaults {base:,.0f} rows/s"
    )

    history = results["history"][0]
    h_rate = history["created"] / med("history")
    bulk, copy, floor = rate("history-bulk_create"), rate("history-rows_insert"), rate("history-floor")
    insert = "COPY" if backend == "postgresql" else "multi-row INSERT"
    print()
    print(
        f"2. History: {history['rows']:,} service records of {args.year} from history.csv, "
        f"{history['created']:,} ledger entries posted"
    )
    print(head)
    line(
        "engine: sheet_read + import_check + import_apply (entries)",
        history["created"],
        med("history"),
        f"{h_rate / bulk:.2f}× bulk_create, {h_rate / copy:.2f}× {insert}",
        peak("history"),
    )
    for key in ("sheet_read", "import_check", "import_apply"):
        line(f"  {key}", None, med("history", key))
    for key in results["history"][0]["parts"]:
        line(f"    {key}", None, statistics.median(r["parts"].get(key, 0.0) for r in results["history"]))
    line(
        f"baseline: Django bulk_create of the entries (batch {BULK_CREATE_BATCH:,})",
        results["history-bulk_create"][0]["created"],
        med("history-bulk_create"),
        "",
        peak("history-bulk_create"),
    )
    line(
        f"baseline: rows_insert of the entries ({insert})",
        results["history-rows_insert"][0]["created"],
        med("history-rows_insert"),
        "",
        peak("history-rows_insert"),
    )
    line(
        f"floor: rows_insert of the records + the entries ({insert})",
        results["history-floor"][0]["created"],
        med("history-floor"),
        f"engine at {h_rate / floor:.2f}× this",
        peak("history-floor"),
    )
    print(
        f"history import {h_rate:,.0f} entries/s — target ≥ {HISTORY_TARGET:,} entries/s "
        f"{'MET' if h_rate >= HISTORY_TARGET else 'NOT MET'}; bulk_create {bulk:,.0f} rows/s, {insert} {copy:,.0f} "
        f"rows/s"
    )
    print(
        f"peak memory (maxrss) is each measuring process's own, the largest of its {args.repeat} runs; "
        f"building {built['peak']:,.0f} MiB"
    )


def main():
    args = arguments()
    if args.child == "build":
        child_build(args)
    elif args.child:
        child_measure(args)
    elif args.profile:
        child(args, "build")
        child(args, args.profile, profile=True)
    else:
        built = child(args, "build")
        results = {task: [] for task in TASKS}
        for _round in range(args.repeat):
            for task in TASKS:
                results[task].append(child(args, task))
        report(args, built, results)


if __name__ == "__main__":
    main()
