"""How much memory does exporting a million ledger entries take (CSV and XLSX), and how fast is it?

The export streams its rows from the database (`.iterator(chunk_size=...)`) and
writes as it reads (CSV row by row, openpyxl's write-only workbook), so the peak resident set must
stay flat as rows grow: far under 1 GiB for 1,000,000 entries.

The database is the standings benchmark's (bench/standings_data.py: 1,000,000 ledger entries of
10,000 contributors), in a folder of its own (/tmp/pb-bench/exports-<entries>/). Build it here, or
copy an already built one from the standings benchmark (much quicker):

    .venv/bin/python bench/exports.py --copy-from /tmp/pb-bench/standings-1000000/db.sqlite3
    .venv/bin/python bench/exports.py                      # builds the database the first time

Each measurement (ledger → CSV, ledger → XLSX, contributors → XLSX) runs in a process of its own
and prints its rows, seconds, rows/s, the output's size, and its peak resident set (getrusage
maxrss) beside the peak of a process that only set Django up (the floor).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/pb-bench"))
sys.path.insert(0, str(ROOT / "bench"))

from standings import peak_mib, setup  # noqa: E402  (one way to do these)

MEASURES = ("floor", "ledger-csv", "ledger-xlsx", "contributors-xlsx")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--copy-from", help="an SQLite database built by bench/standings.py")
    parser.add_argument("--child", choices=("build",) + MEASURES)
    return parser.parse_args()


def environment(args):
    var = WORK / f"exports-{args.entries}"
    var.mkdir(parents=True, exist_ok=True)
    return var, {**os.environ, "PB_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "0"}


def child_build(args):
    setup()
    from datetime import date

    import standings_data
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable")
    if standings_data.params_stored() is None:
        params = standings_data.Params(entries=args.entries, year=date.today().year - 1, history=0.0)
        standings_data.build(params, log=lambda text: print(text, file=sys.stderr))


def child_measure(which):
    setup()
    import tempfile

    from spreadsheets.exports import services as exports
    from volunteers.models import Region

    if which == "floor":
        print(repr({"peak": peak_mib()}))
        return
    dataset, fmt = which.split("-")
    scope = Region.get_first_root_node()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as handle:
        rows = exports.export_write(handle, exports.DATASETS[dataset], fmt, scope, None)
        size = handle.tell()
    seconds = time.perf_counter() - start
    print(repr({"rows": rows, "seconds": seconds, "size": size, "peak": peak_mib()}))


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
        shutil.copyfile(args.copy_from, var / "db.sqlite3")
    run(args, env, "build")
    floor = run(args, env, "floor")["peak"]
    print(f"{'export':<20} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'file MiB':>9} {'peak MiB':>9}")
    print(f"{'(Django only)':<20} {'':>10} {'':>8} {'':>9} {'':>9} {floor:>9.0f}")
    for which in MEASURES[1:]:
        m = run(args, env, which)
        print(
            f"{which:<20} {m['rows']:>10,} {m['seconds']:>8.1f} {m['rows'] / m['seconds']:>9,.0f} "
            f"{m['size'] / 2**20:>9.1f} {m['peak']:>9.0f}"
        )


if __name__ == "__main__":
    main()
