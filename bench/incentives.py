"""Do the rewards pages stay flat, and does the expiry job stay small, as the city grows?

Uses a demo in its own SQLite file under BENCH_DIR (default /tmp/pb-bench/<scale>, the same folders
as bench/pages.py; built with seed_demo when missing, which includes the rewards demo). Then, side by
side on the same database:

1. Pages: median server time and queries of My rewards (the demo lawyer, and the contributor with the
   most ledger entries), the staff catalogue, the request queue and the pick-up counter, each ÷ a
   trivial view (the login form).
2. The expiry job: `points_expire` with every point older than a year expiring, over the whole ledger,
   in a child process measured by /usr/bin/time -v (peak memory), rolled back afterwards; next to it a
   child that only starts Django and counts the entries (the baseline).

    /usr/bin/time -v .venv/bin/python bench/incentives.py          # BENCH_SCALE=small|city|large
"""

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/pb-bench"))
SCALE = os.environ.get("BENCH_SCALE", "city")
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
BUSIEST = "busiest"
PAGES = [
    ("login form (trivial)", None, "/accounts/login/"),
    ("my rewards, lawyer", "lawyer@demo.cn", "/my/rewards/"),
    ("my rewards, busiest", BUSIEST, "/my/rewards/"),
    ("my points, lawyer", "lawyer@demo.cn", "/my/points/"),
    ("staff: rewards catalogue", "staff.city@demo.cn", "/staff/rewards/"),
    ("staff: reward requests", "staff.city@demo.cn", "/staff/rewards/requests/"),
    ("staff: pick-up counter", "staff.city@demo.cn", "/staff/rewards/pickup/"),
]


def _env():
    return {**os.environ, "PB_VAR_DIR": str(WORK / SCALE), "DJANGO_SETTINGS_MODULE": "config.settings.dev"}


def build():
    var = WORK / SCALE
    if not (var / "db.sqlite3").exists():
        for args in (["migrate", "-v0"], ["createcachetable"], ["seed_demo", "--scale", SCALE]):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(), check=True)
    else:  # a demo built before incentives: add the tables and the catalogue
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(), check=True)
        subprocess.run([sys.executable, __file__, "--seed"], cwd=ROOT, env=_env(), check=True)


def _setup():
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed():
    _setup()
    from demo.rewards import demo_rewards
    from pointbook.models import Reward

    if not Reward.objects.exists():
        print(demo_rewards(SCALE))


def pages():
    _setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from volunteers.models import Contributor, User

    settings.ALLOWED_HOSTS = ["*"]
    busiest = Contributor.objects.annotate(n=Count("ledger_entries")).order_by("-n").values_list("user_id", "n").first()
    rows = []
    for label, email, path in PAGES:
        client = Client()
        if email == BUSIEST:
            client.force_login(User.objects.get(pk=busiest[0]))
        elif email:
            client.force_login(User.objects.get(email=email))
        client.get(path)
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
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
    trivial = rows[0][3]
    print(f"busiest contributor: {busiest[1]:,} ledger entries")
    print(f"{'page':32} {'status':>6} {'queries':>7} {'ms':>8} {'÷ trivial':>9}")
    for label, status, queries, ms in rows:
        print(f"{label:32} {status:>6} {queries:>7} {ms:8.1f} {ms / trivial:9.1f}")


def expire():
    _setup()
    from django.db import transaction
    from django.utils import timezone

    from pointbook.incentives.services import points_expire
    from pointbook.models import LedgerEntry, RewardsPolicy

    entries = LedgerEntry.objects.count()
    with transaction.atomic():
        RewardsPolicy.objects.update_or_create(pk=1, defaults={"expiry": "years", "expiry_years": 1})
        start = time.perf_counter()
        posted, points = points_expire(today=timezone.localdate())
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    print(f"expiry job: {entries:,} entries, {posted:,} expiry entries ({points} points) in {seconds:.1f} s")


def baseline():
    _setup()
    from pointbook.models import LedgerEntry

    print(f"baseline: Django started, {LedgerEntry.objects.count():,} entries counted")


def _measured(mode):
    done = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, __file__, mode], cwd=ROOT, env=_env(), capture_output=True, text=True
    )
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    print(done.stdout.strip())
    if done.returncode:
        print(done.stderr[-2000:])
    return int(peak.group(1)) / 1024 if peak else float("nan")


def main():
    if len(sys.argv) > 1:
        {"--seed": seed, "--pages": pages, "--expire": expire, "--baseline": baseline}[sys.argv[1]]()
        return
    build()
    print(f"== {SCALE} demo ({WORK / SCALE}) ==")
    subprocess.run([sys.executable, __file__, "--pages"], cwd=ROOT, env=_env(), check=True)
    base, job = _measured("--baseline"), _measured("--expire")
    print(f"peak memory: baseline {base:.0f} MiB, expiry job {job:.0f} MiB")


if __name__ == "__main__":
    main()
