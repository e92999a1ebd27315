"""Does the refresh of a year's standings stay within 2× of one raw SQL GROUP BY over the same rows?

pandas does the ranking, the aggregation that feeds it runs in the database, and the
refresh of all scopes for a year of about a million entries stays within 2× of

    SELECT contributor_id, SUM(points), SUM(hours) FROM pointbook_ledgerentry
    WHERE effective_date BETWEEN <1 Jan> AND <31 Dec> GROUP BY contributor_id       (fully fetched)

In one run, on a database of its own (never var/db.sqlite3):

1. build, or reuse when it was built with the same parameters (bench/standings_data.py): 10,000
   demo contributors, 300 organisations with memberships that change mid-year, the 11 service
   types, and one year of `--entries` ledger entries (plus 10% as many in the year before);
2. measure, interleaved and `--repeat` times each (medians; one unmeasured warm-up of each first):
   the baseline GROUP BY; `standings_refresh(year)` end to end (every scope computed, stored and
   swapped in), broken down inside the same calls into the read (`_read`, one snapshot: the totals
   per person and service type the database keeps, `_totals`; contributors' facts; memberships; and
   `_split`, the entries of those who moved firm split by organisation), pandas (`standings_compute`
   less the read), and the write (tuples, insert, snapshot, swap); and `standings_check()` (what
   `ledger_verify` adds for standings, recomputed from the entries themselves);
3. what keeping the totals costs where entries are written: `rows_insert` of `--insert` entries
   (100,000) with the totals trigger and with it dropped, side by side, each rolled back.
Prints the table, the ratio refresh ÷ baseline, whether it is within 2×, the trigger's cost as a
ratio, and each process's peak memory (getrusage maxrss).

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
Options: --entries N, --repeat R (5), --year Y (last year), --history F (0.1), --insert N (100,000),
--rebuild. On SQLite the baseline is also timed over a plain table scan (NOT INDEXED), and the ratio
is taken against the faster of the two, so the refresh never looks good against a slow plan; for the
same reason the build step ends with VACUUM ANALYZE (PostgreSQL: a vacuumed table scans faster, as
autovacuum leaves it) or ANALYZE (SQLite). It also applies migrations added since the database was
built (the ledger stays).
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
    parser.add_argument("--insert", type=int, default=100_000, help="entries inserted to time the totals trigger")
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
    options = dict(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **options) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')
            print(f"  created database {config['NAME']}", file=sys.stderr)


def statistics_refresh():
    """The planner's statistics, and on PostgreSQL the visibility map, as a live database has them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def child_build(args):
    if os.environ.get("DATABASE_URL"):
        postgres_database_ensure()
    setup()
    import standings_data
    from django.core.management import call_command

    params = standings_data.Params(entries=args.entries, year=args.year, history=args.history)
    if not args.rebuild and standings_data.params_stored() == params.key():
        call_command("migrate", verbosity=0)  # migrations added since it was built (the ledger stays)
        statistics_refresh()
        print(repr({"reused": True, "seconds": 0.0, "peak": peak_mib()}))
        return
    start = time.perf_counter()
    database_empty()
    print(f"  building {params}", file=sys.stderr)
    call_command("migrate", verbosity=0)
    call_command("createcachetable")
    counts = standings_data.build(params, log=lambda text: print(text, file=sys.stderr))
    statistics_refresh()
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

    from django.db import connection, transaction

    from core.bulk_insert import rows_insert
    from pointbook.ledger.bulk import ENTRY_COLUMNS
    from pointbook.models import LedgerEntry, Standing
    from pointbook.standings import services as standings
    from volunteers.models import Contributor, Membership, Organisation

    year = args.year
    first, last = date(year, 1, 1), date(year, 12, 31)

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, [first, last])
            return len(cursor.fetchall())

    def baseline_scan():
        """The same GROUP BY made to read the table in order (SQLite; PostgreSQL plans this itself)."""
        with connection.cursor() as cursor:
            cursor.execute(
                BASELINE_SQL.replace("FROM pointbook_ledgerentry", "FROM pointbook_ledgerentry NOT INDEXED"),
                [first, last],
            )
            return len(cursor.fetchall())

    wrapped = (
        "_read",
        "_totals",
        "_facts",
        "_memberships",
        "_split",
        "standings_compute",
        "_rows",
        "_insert",
        "_swap_in",
    )
    originals = {name: getattr(standings, name) for name in wrapped}

    def refresh():
        timer = Timer()
        for name, function in originals.items():
            setattr(standings, name, timer.wrap(name, function))
        try:
            start = time.perf_counter()
            snapshot = standings.standings_refresh(year)
            timer.spent["total"] = time.perf_counter() - start
        finally:
            for name, function in originals.items():
                setattr(standings, name, function)
        return snapshot, timer.spent

    # What the totals trigger costs an insert: the year's first entries (no reversals: each points at
    # an entry of its own) inserted again under new keys, with the trigger and with it dropped, each
    # rolled back.
    from pointbook.ledger import trigger_sql

    key = ENTRY_COLUMNS.index("idempotency_key")
    copies = [
        list(row)
        for row in LedgerEntry.objects.filter(effective_date__range=(first, last))
        .exclude(kind=LedgerEntry.Kind.REVERSAL)
        .order_by("id")
        .values_list(*ENTRY_COLUMNS)[: args.insert]
    ]
    for n, row in enumerate(copies):
        row[key] = f"bench-insert:{n}"

    def insert(with_trigger):
        with transaction.atomic():
            if not with_trigger:
                with connection.cursor() as cursor:
                    for statement in (
                        trigger_sql.TOTALS_POSTGRES_DROP[:1]
                        if connection.vendor == "postgresql"
                        else trigger_sql.TOTALS_SQLITE_DROP
                    ):
                        cursor.execute(statement)
            start = time.perf_counter()
            rows_insert(LedgerEntry, ENTRY_COLUMNS, copies)
            seconds = time.perf_counter() - start
            transaction.set_rollback(True)
        return seconds

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
        "inserted": len(copies),
    }
    baseline()  # warm-up: caches, the first snapshot (later refreshes also replace one, as nightly)
    refresh()
    samples = {"baseline": [], "refresh": [], "check": [], "insert, totals kept": [], "insert, trigger dropped": []}
    if connection.vendor == "sqlite":
        samples["baseline, scan"] = []
    parts = []
    for _ in range(args.repeat):
        seconds, groups = timed(baseline)
        samples["baseline"].append(seconds)
        if "baseline, scan" in samples:
            samples["baseline, scan"].append(timed(baseline_scan)[0])
        seconds, (snapshot, spent) = timed(refresh)
        samples["refresh"].append(seconds)
        parts.append(spent)
    for _ in range(max(1, args.repeat // 2)):
        seconds, problems = timed(standings.standings_check)
        samples["check"].append(seconds)
        samples["insert, totals kept"].append(insert(True))
        samples["insert, trigger dropped"].append(insert(False))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    for name in parts[0]:
        medians["part: " + name] = statistics.median(p[name] for p in parts)
    with connection.cursor() as cursor:
        cursor.execute(standings.totals_sql(), [year])
        totals = len(cursor.fetchall())
    facts.update(
        groups=groups,
        totals=totals,
        rows_written=Standing.objects.filter(snapshot=snapshot).count(),
        problems=problems,
        samples=samples,
        medians=medians,
        peak=peak_mib(),
    )
    print(repr(facts))


# --- the parent: runs both children and prints the table -----------------------------------------


def child(args, which):
    argv = [
        sys.executable,
        __file__,
        "--child",
        which,
        "--entries",
        str(args.entries),
        "--repeat",
        str(args.repeat),
        "--year",
        str(args.year),
        "--history",
        str(args.history),
        "--insert",
        str(args.insert),
    ]
    if args.rebuild:
        argv.append("--rebuild")
    out = (
        subprocess.run(argv, cwd=ROOT, env=environment(args), check=True, stdout=subprocess.PIPE, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    return eval(out)  # our own repr from the child


def report(args, built, m):
    med = m["medians"]
    # The baseline is the faster of the planner's GROUP BY and (SQLite) the same query over a table scan:
    # the refresh must not look good against a slow plan.
    base = min(med["baseline"], med.get("baseline, scan", med["baseline"]))
    read, compute, total = med["part: _read"], med["part: standings_compute"], med["part: total"]
    rows = [
        ("(a) baseline: GROUP BY contributor_id, fetched", med["baseline"], f"{m['groups']:,} rows"),
        *(
            [("    the same over a table scan (NOT INDEXED)", med["baseline, scan"], "")]
            if "baseline, scan" in med
            else []
        ),
        ("(b) standings_refresh(year), end to end", med["refresh"], f"{m['rows_written']:,} rows written"),
        ("    read, in one snapshot (_read)", read, ""),
        ("      totals per person and service type", med["part: _totals"], f"{m['totals']:,} rows"),
        ("      contributors' kind and district", med["part: _facts"], ""),
        ("      memberships", med["part: _memberships"], ""),
        ("      entries of those who moved, by firm", med["part: _split"], ""),
        ("    pandas ranking (compute − read)", compute - read, ""),
        ("    write + swap (refresh − compute)", total - compute, ""),
        ("      rows to tuples (_rows)", med["part: _rows"], ""),
        ("      insert (_insert)", med["part: _insert"], ""),
        ("      swap (_swap_in: old snapshot deleted)", med["part: _swap_in"], ""),
        ("standings_check() (in ledger_verify)", med["check"], f"{len(m['problems'])} problems"),
    ]
    print(
        f"standings refresh vs one GROUP BY — {m['backend']}, year {args.year}: {m['entries in the year']:,} "
        f"entries in the year ({m['entries in all']:,} in the ledger), {m['contributors']:,} contributors, "
        f"{m['organisations']:,} organisations, {m['memberships']:,} memberships; median of {args.repeat}, "
        f"interleaved"
    )
    if built["reused"]:
        print("data: reused the database built earlier with the same parameters")
    else:
        print(f"data: built in {built['seconds']:.0f} s ({built['counts']})")
    print(f"{'':<50}{'seconds':>9}{'÷ baseline':>12}   (baseline: the faster of the two, {base:.3f} s)")
    for label, seconds, note in rows:
        print(f"{label:<50}{seconds:>9.3f}{seconds / base:>11.2f}×  {note}")
    ratio = med["refresh"] / base
    print(f"refresh ÷ baseline = {ratio:.2f}× — {'within' if ratio <= 2 else 'NOT within'} 2×")
    kept, dropped = med["insert, totals kept"], med["insert, trigger dropped"]
    print(
        f"keeping the totals: rows_insert of {m['inserted']:,} entries {kept:.3f} s with the trigger, "
        f"{dropped:.3f} s without = {kept / dropped:.2f}× ({m['inserted'] / kept:,.0f} vs "
        f"{m['inserted'] / dropped:,.0f} entries/s)"
    )
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
