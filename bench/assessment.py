"""How fast is the annual assessment report over a city's year, how much memory does it take, and how many
queries does it make?

The report reads people in pages of 2,000 and each page's figures in four grouped queries, and writes as
it reads (CSV row by row, openpyxl's write-only workbook), so the peak resident set must stay flat as the
people and entries grow (far under 1 GiB) and the queries grow with the pages only.

The database is the export benchmark's (bench/standings_data.py: 10,000 contributors of every kind, the
entries all in last year), in /tmp/pb-bench/exports-<entries>/: built here the first time, or shared
with `bench/exports.py`.

    /usr/bin/time -v .venv/bin/python bench/assessment.py                  # 1,000,000 entries
    /usr/bin/time -v .venv/bin/python bench/assessment.py --entries 200000

Each measurement runs in a process of its own and prints its rows, seconds, queries, the file's size and
its peak resident set (getrusage maxrss) beside the peak of a process that only set Django up.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from exports import child_build, environment  # noqa: E402  (one way to build the data)
from standings import peak_mib, setup  # noqa: E402

MEASURES = ("floor", "assessment-csv", "assessment-xlsx")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--copy-from", help="an SQLite database built by bench/standings.py")
    parser.add_argument("--child", choices=("build",) + MEASURES)
    return parser.parse_args()


def child_measure(which):
    setup()
    import tempfile
    from datetime import date

    from django.db import connection

    from spreadsheets.exports import services as exports
    from volunteers.models import Region

    if which == "floor":
        print(repr({"peak": peak_mib()}))
        return
    queries = []
    dataset, fmt = which.split("-")
    scope = Region.get_first_root_node()
    start = time.perf_counter()
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        with tempfile.TemporaryFile() as handle:
            rows = exports.export_write(handle, exports.DATASETS[dataset], fmt, scope, date.today().year - 1)
            size = handle.tell()
    seconds = time.perf_counter() - start
    print(repr({"rows": rows, "seconds": seconds, "queries": len(queries), "size": size, "peak": peak_mib()}))


def run(args, env, which):
    command = [sys.executable, __file__, "--child", which, "--entries", str(args.entries)]
    done = subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    sys.stderr.write(done.stderr)
    return eval(done.stdout.strip().splitlines()[-1]) if which != "build" else None  # noqa: S307 (our own repr)


def main():
    args = arguments()
    if args.child == "build":
        return child_build(args)
    if args.child:
        return child_measure(args.child)
    var, env = environment(args)
    if args.copy_from and not (var / "db.sqlite3").exists():
        import shutil

        shutil.copyfile(args.copy_from, var / "db.sqlite3")
    run(args, env, "build")
    floor = run(args, env, "floor")["peak"]
    print(f"{'report':<18} {'rows':>8} {'seconds':>8} {'queries':>8} {'file MiB':>9} {'peak MiB':>9}")
    print(f"{'(Django only)':<18} {'':>8} {'':>8} {'':>8} {'':>9} {floor:>9.0f}")
    for which in MEASURES[1:]:
        m = run(args, env, which)
        print(
            f"{which:<18} {m['rows']:>8,} {m['seconds']:>8.1f} {m['queries']:>8} "
            f"{m['size'] / 2**20:>9.1f} {m['peak']:>9.0f}"
        )


if __name__ == "__main__":
    main()
