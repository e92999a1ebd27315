"""Do staff and contributor pages stay flat as the city grows?

Builds (once) a `small` and a `large` demo in their own SQLite files, then, in one run, times each
page's median server time through Django's test client and counts its queries, side by side with a
trivial view (the login form) on the same database. Rerun:

    .venv/bin/python bench/pages.py            # or: /usr/bin/time -v .venv/bin/python bench/pages.py

Prints a table; the ratios (page ÷ trivial view, large ÷ small) are what to compare across machines.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUSIEST = "the contributor with the most ledger entries"
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/pb-bench"))
PAGES = [
    ("login form (trivial)", None, "/accounts/login/"),
    ("home, lawyer", "lawyer@demo.cn", "/"),
    ("my profile", "lawyer@demo.cn", "/profile/"),
    ("firm members", "firm.admin@demo.cn", "/org/1/members/"),
    ("staff: people", "staff.city@demo.cn", "/staff/people/"),
    ("staff: people search", "staff.city@demo.cn", "/staff/people/?q=王"),
    ("staff: organisations", "staff.city@demo.cn", "/staff/organisations/"),
    ("staff: regions", "staff.city@demo.cn", "/staff/regions/"),
    ("staff: venues", "staff.district@demo.cn", "/staff/venues/"),
    ("staff: overview", "staff.city@demo.cn", "/staff/"),
    ("opportunity list", None, "/opportunities/"),
    ("opportunity list, filtered", "lawyer@demo.cn", "/opportunities/?free=on&qualified=on&region=1"),
    ("opportunity page", "lawyer@demo.cn", "/opportunities/hotline-12348/"),
    ("my shifts", "lawyer@demo.cn", "/my/shifts/"),
    ("staff: coverage", "staff.city@demo.cn", "/staff/coverage/"),
    ("staff: opportunities", "staff.city@demo.cn", "/staff/opportunities/"),
    ("my points", "lawyer@demo.cn", "/my/points/"),
    ("my points, busiest", BUSIEST, "/my/points/"),
    ("my points, busiest p.3", BUSIEST, "/my/points/?page=3"),
    ("my records, busiest", BUSIEST, "/my/records/"),
    ("my appeals", "lawyer@demo.cn", "/my/appeals/"),
    ("firm: member records", "firm.admin@demo.cn", "/org/1/records/"),
    ("staff: records queue", "staff.city@demo.cn", "/staff/records/"),
    ("staff: appeals", "staff.city@demo.cn", "/staff/appeals/"),
    ("staff: points rules", "staff.city@demo.cn", "/staff/rules/"),
]
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))


def build(scale):
    var = WORK / scale
    if not (var / "db.sqlite3").exists():
        env = {**os.environ, "PB_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
        for args in (["migrate", "-v0"], ["createcachetable"], ["seed_demo", "--scale", scale]):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    return var


def measure(scale):
    """Runs in a child process per scale (settings are read once per process)."""
    os.environ["PB_VAR_DIR"] = str(WORK / scale)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from django.db.models import Count

    from pointbook.models import LedgerEntry
    from volunteers.models import Contributor, Shift, User

    settings.ALLOWED_HOSTS = ["*"]
    busiest = (Contributor.objects.annotate(n=Count("ledger_entries")).order_by("-n").values_list("user_id", "n")
               .first())
    rows = []
    for label, email, path in PAGES:
        client = Client()
        if email == BUSIEST:
            client.force_login(User.objects.get(pk=busiest[0]))
        elif email:
            client.force_login(User.objects.get(email=email))
        client.get(path)  # warm caches and templates
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            status = client.get(path).status_code
        times = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - start)
        rows.append((label, status, len(queries), statistics.median(times) * 1000))
    print(repr({"contributors": Contributor.objects.count(), "shifts": Shift.objects.count(), "rows": rows,
                "entries": LedgerEntry.objects.count(), "busiest": busiest[1]}))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure(sys.argv[2])
        return
    results = {}
    for scale in ("small", "large"):
        build(scale)
        out = subprocess.run([sys.executable, __file__, "--measure", scale], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
        results[scale] = eval(out)  # our own repr from the child
    small, large = results["small"], results["large"]
    trivial = {s: results[s]["rows"][0][3] for s in results}
    print(f"contributors: small {small['contributors']:,}, large {large['contributors']:,}; "
          f"shifts: small {small['shifts']:,}, large {large['shifts']:,}; "
          f"ledger entries: small {small['entries']:,}, large {large['entries']:,} (busiest contributor "
          f"{small['busiest']:,} / {large['busiest']:,}); median of {REPEAT} requests, SQLite, Django test client")
    print(f"{'page':<24}{'queries s/l':>12}{'ms small':>10}{'ms large':>10}{'÷trivial s':>12}{'÷trivial l':>12}{'large÷small':>13}")
    for (label, st_s, q_s, t_s), (_, st_l, q_l, t_l) in zip(small["rows"], large["rows"]):
        print(f"{label:<24}{f'{q_s}/{q_l}':>12}{t_s:>10.1f}{t_l:>10.1f}{t_s / trivial['small']:>12.1f}"
              f"{t_l / trivial['large']:>12.1f}{t_l / t_s:>13.2f}" + ("" if st_s == st_l == 200 else f"  HTTP {st_s}/{st_l}"))


if __name__ == "__main__":
    main()
