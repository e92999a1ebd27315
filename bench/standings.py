"""Does the refresh of a year's standings stay within 2× of one raw SQL GROUP BY over the same rows?

Issue 5: pandas does the ranking, the aggregation that feeds it runs in the database, and the
refresh of all scopes for a year of about a million entries stays within 2× of

    SELECT contributor_id, SUM(points), SUM(hours) FROM pointbook_ledgerentry
    WHERE effective_date BETWEEN <1 Jan> AND <31 Dec> GROUP BY contributor_id       (fully fetched)

In one run, on a database of its own (never var/db.sqlite3):

1. build, or reuse when it was built with the same parameters (bench/standings_data.py): 10,000
   demo contributors, 300 organisations with memberships that change mid-year, the 11 service
   types, and one year of `--entries` ledger entries (plus 10% as many in the year before);
2. measure, interleaved and `--repeat` times each (medians; one unmeasured warm-up of each first):
   the baseline GROUP BY; `standings_refresh(year)` end to end (every scope computed, stored and
   swapped in), broken down inside the same calls into the main pass (`_aggregate`: the query and
   its frame), the work beside it on a second connection (`_aggregate_firms`: contributors' facts,
   memberships, the organisations' split; it overlaps the main pass, so what counts is how long the
   refresh then waited for it), pandas (`standings_compute` less the main pass and that wait), and
   the write (tuples, insert, snapshot, swap); the main pass's SQL alone, fetched; and
   `standings_check()` (what `ledger_verify` adds for standings). Prints the table, the ratio
   refresh ÷ baseline, whether it is within 2×, and each process's peak memory (getrusage maxrss).

Rerun (SQLite, a file under /tmp/pb-bench/standings-<entries>/; the first run builds it: about 75 s
on SQLite, 160 s on PostgreSQL, for a million entries):

    /usr/bin/time -v .venv/bin/python bench/standings.py                    # 1,000,000 entries
    .venv/bin/python bench/standings.py --entries 100000                    # a quick run

PostgreSQL (the script creates the database when it is missing; it only ever drops the schema of
a database whose name contains "bench"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_standings /usr/bin/time -v .venv/bin/python bench/standings.py

Building and measuring run in two child processes, so the maximum resident set size that
`/usr/bin/time -v` reports is the larger of the two; the script prints each one's own peak (run it
a second time, reusing the data, and time -v's figure is the measurement's alone).
Options: --entries N, --repeat R (5), --year Y (last year), --history F (0.1), --rebuild.
On SQLite the baseline is also timed over a plain table scan (NOT INDEXED), and the ratio is taken
against the faster of the two, so the refresh never looks good against a slow plan. The refresh lets
SQLite's sorter use helper threads (PRAGMA threads, as PostgreSQL runs its GROUP BY with parallel
workers); the same scan with those threads is printed too, for comparison only.
The build step also applies migrations added since the database was built (the ledger stays).
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/pb-bench"))
BASELINE_SQL = """SELECT contributor_id, SUM(points), SUM(hours) FROM pointbook_ledgerentry
WHERE effective_date BETWEEN %s AND %s GROUP BY contributor_id"""


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--year", type=int, default=date.today().year - 1)
    parser.add_argument("--history", type=float, default=0.1, help="entries of the year before, × --entries")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--child", choices=["build", "measure"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def environment(args):
    postgres = bool(os.environ.get("DATABASE_URL"))
    var = WORK / ("standings-pg" if postgres else f"standings-{args.entries}")
    var.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "PB_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "0"}


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup():
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()


# --- building ---------------------------------------------------------------------------------------


def database_empty():
    """Start the benchmark's own database afresh: the SQLite file removed, or on PostgreSQL the schema
    dropped, only ever of a database whose name contains "bench"."""
    from django.db import connection

    if not connection.introspection.table_names():
        return
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        connection.close()
        for path in (name, Path(f"{name}-wal"), Path(f"{name}-shm")):
            path.unlink(missing_ok=True)
    else:
        name = connection.settings_dict["NAME"]
        if "bench" not in name:
            sys.exit(f"refusing to empty database {name!r}: its name does not contain 'bench'")
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")


def postgres_database_ensure():
    """Create the DATABASE_URL's database when it does not exist (the server's trust auth suffices)."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    options = dict(host=config["HOST"] or None, port=config["PORT"] or None, user=config["USER"] or None,
                   password=config["PASSWORD"] or None)
    with psycopg.connect(dbname="postgres", autocommit=True, **options) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')
            print(f"  created database {config['NAME']}", file=sys.stderr)


def child_build(args):
    if os.environ.get("DATABASE_URL"):
        postgres_database_ensure()
    setup()
    from django.core.management import call_command

    import standings_data

    params = standings_data.Params(entries=args.entries, year=args.year, history=args.history)
    if not args.rebuild and standings_data.params_stored() == params.key():
        call_command("migrate", verbosity=0)  # migrations added since it was built (the ledger stays)
        print(repr({"reused": True, "seconds": 0.0, "peak": peak_mib()}))
        return
    start = time.perf_counter()
    database_empty()
    print(f"  building {params}", file=sys.stderr)
    call_command("migrate", verbosity=0)
    call_command("createcachetable")
    counts = standings_data.build(params, log=lambda text: print(text, file=sys.stderr))
    print(repr({"reused": False, "seconds": time.perf_counter() - start, "counts": counts, "peak": peak_mib()}))


# --- measuring --------------------------------------------------------------------------------------


class Timer:
    """Seconds spent in wrapped functions during one refresh."""

    def __init__(self):
        self.spent = {}

    def wrap(self, name, function):
        def timed(*a, **kw):
            start = time.perf_counter()
            try:
                return function(*a, **kw)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - start
        return timed


def child_measure(args):
    setup()
    from django.db import connection

    from pointbook import standings
    from pointbook.models import LedgerEntry, Standing
    from volunteers.models import Contributor, Membership, Organisation

    year = args.year
    first, last = date(year, 1, 1), date(year, 12, 31)

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, [first, last])
            return len(cursor.fetchall())

    def aggregate_sql_only(watermark):
        """The main pass's query as the refresh runs it (on SQLite with its sort threads), fetched."""
        settings, undo = standings.PASS_SETTINGS.get(connection.vendor, ([], []))
        with connection.cursor() as cursor:
            for statement in settings:
                cursor.execute(statement)
            cursor.execute(standings.aggregate_sql(), [first, last, watermark])
            count = len(cursor.fetchall())
            for statement in undo:
                cursor.execute(statement)
            return count

    def baseline_scan_threads():
        """For comparison only (SQLite): the baseline's scan given the same sort threads as the refresh."""
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA threads = {standings.SQLITE_SORT_THREADS}")
            try:
                return baseline_scan()
            finally:
                cursor.execute("PRAGMA threads = 0")

    def baseline_scan():
        """The same GROUP BY made to read the table in order (SQLite; PostgreSQL plans this itself)."""
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL.replace("FROM pointbook_ledgerentry", "FROM pointbook_ledgerentry NOT INDEXED"),
                           [first, last])
            return len(cursor.fetchall())

    originals = {name: getattr(standings, name) for name in ("_aggregate", "_aggregate_firms", "standings_compute",
                                                             "_rows", "_insert", "_swap_in", "_beside")}

    def refresh():
        timer = Timer()
        for name, function in originals.items():
            setattr(standings, name, timer.wrap(name, function))
        beside = originals["_beside"]
        # The side work's result is waited for after the main pass: that wait is time it did not overlap.
        standings._beside = lambda *a: timer.wrap("wait for the side", timer.wrap("_beside", beside)(*a))
        try:
            start = time.perf_counter()
            snapshot = standings.standings_refresh(year)
            timer.spent["total"] = time.perf_counter() - start
        finally:
            for name, function in originals.items():
                setattr(standings, name, function)
        return snapshot, timer.spent

    def timed(function, *a):
        start = time.perf_counter()
        result = function(*a)
        return time.perf_counter() - start, result

    facts = {
        "backend": connection.vendor,
        "entries in the year": LedgerEntry.objects.filter(effective_date__range=(first, last)).count(),
        "entries in all": LedgerEntry.objects.count(),
        "contributors": Contributor.objects.count(),
        "organisations": Organisation.objects.count(),
        "memberships": Membership.objects.count(),
    }
    baseline()  # warm-up: caches, the first snapshot (later refreshes also replace one, as nightly)
    refresh()
    watermark = LedgerEntry.objects.order_by("-id").values_list("id", flat=True).first()
    samples = {"baseline": [], "refresh": [], "aggregate SQL only": [], "check": []}
    if connection.vendor == "sqlite":
        samples["baseline, scan"] = []
        if standings.SQLITE_SORT_THREADS:
            samples["baseline, scan, threads"] = []
    parts = []
    for _ in range(args.repeat):
        seconds, groups = timed(baseline)
        samples["baseline"].append(seconds)
        if "baseline, scan" in samples:
            samples["baseline, scan"].append(timed(baseline_scan)[0])
        if "baseline, scan, threads" in samples:
            samples["baseline, scan, threads"].append(timed(baseline_scan_threads)[0])
        seconds, (snapshot, spent) = timed(refresh)
        samples["refresh"].append(seconds)
        parts.append(spent)
        seconds, aggregated = timed(aggregate_sql_only, watermark)
        samples["aggregate SQL only"].append(seconds)
    for _ in range(max(1, args.repeat // 2)):
        seconds, problems = timed(standings.standings_check)
        samples["check"].append(seconds)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    for name in parts[0]:
        medians["part: " + name] = statistics.median(p[name] for p in parts)
    facts.update(groups=groups, aggregated_rows=aggregated, rows_written=Standing.objects.filter(
        snapshot=snapshot).count(), problems=problems, samples=samples, medians=medians, peak=peak_mib())
    print(repr(facts))


# --- the parent: runs both children and prints the table -----------------------------------------


def child(args, which):
    argv = [sys.executable, __file__, "--child", which, "--entries", str(args.entries), "--repeat",
            str(args.repeat), "--year", str(args.year), "--history", str(args.history)]
    if args.rebuild:
        argv.append("--rebuild")
    out = subprocess.run(argv, cwd=ROOT, env=environment(args), check=True, stdout=subprocess.PIPE,
                         text=True).stdout.strip().splitlines()[-1]
    return eval(out)  # our own repr from the child


def report(args, built, m):
    med = m["medians"]
    # The baseline is the faster of the planner's GROUP BY and (SQLite) the same query over a table scan:
    # the refresh must not look good against a slow plan.
    base = min(med["baseline"], med.get("baseline, scan", med["baseline"]))
    agg, compute, total = med["part: _aggregate"], med["part: standings_compute"], med["part: total"]
    wait = med["part: wait for the side"]
    write = total - compute
    rows = [
        ("(a) baseline: GROUP BY contributor_id, fetched", med["baseline"], f"{m['groups']:,} rows"),
        *([("    the same over a table scan (NOT INDEXED)", med["baseline, scan"], "")]
          if "baseline, scan" in med else []),
        *([("    the scan with the refresh's sort threads", med["baseline, scan, threads"], "not the baseline")]
          if "baseline, scan, threads" in med else []),
        ("(b) standings_refresh(year), end to end", med["refresh"], f"{m['rows_written']:,} rows written"),
        ("    main pass (_aggregate: query + frame)", agg, ""),
        ("      its SQL alone, fetched", med["aggregate SQL only"], f"{m['aggregated_rows']:,} rows"),
        ("    beside it: facts, memberships, firms' split", med["part: _aggregate_firms"], "2nd connection"),
        ("      waited for after the main pass", wait, ""),
        ("    pandas ranking (compute − main pass − wait)", compute - agg - wait, ""),
        ("    write + swap (refresh − compute)", write, ""),
        ("      rows to tuples (_rows)", med["part: _rows"], ""),
        ("      insert (_insert)", med["part: _insert"], ""),
        ("      swap (_swap_in: old snapshot deleted)", med["part: _swap_in"], ""),
        ("standings_check() (in ledger_verify)", med["check"], f"{len(m['problems'])} problems"),
    ]
    print(f"standings refresh vs one GROUP BY — {m['backend']}, year {args.year}: {m['entries in the year']:,} "
          f"entries in the year ({m['entries in all']:,} in the ledger), {m['contributors']:,} contributors, "
          f"{m['organisations']:,} organisations, {m['memberships']:,} memberships; median of {args.repeat}, "
          f"interleaved")
    if built["reused"]:
        print("data: reused the database built earlier with the same parameters")
    else:
        print(f"data: built in {built['seconds']:.0f} s ({built['counts']})")
    print(f"{'':<50}{'seconds':>9}{'÷ baseline':>12}   (baseline: the faster of the two, {base:.3f} s)")
    for label, seconds, note in rows:
        print(f"{label:<50}{seconds:>9.3f}{seconds / base:>11.2f}×  {note}")
    ratio = med["refresh"] / base
    print(f"refresh ÷ baseline = {ratio:.2f}× — {'within' if ratio <= 2 else 'NOT within'} 2×")
    print(f"peak memory (maxrss): measuring {m['peak']:,.0f} MiB, building {built['peak']:,.0f} MiB")


def main():
    args = arguments()
    if args.child == "build":
        child_build(args)
    elif args.child == "measure":
        child_measure(args)
    else:
        built = child(args, "build")
        report(args, built, child(args, "measure"))


if __name__ == "__main__":
    main()
