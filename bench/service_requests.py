"""Do the request lists stay flat at 100,000 requests?

Builds (once) the small demo in its own SQLite file (/tmp/pb-bench/requests/, BENCH_DIR moves it) and
tops it up to 100,000 service requests (a year of them across every village, a third still open, some
assigned to the demo lawyer), then times each request page's median server time through Django's test
client and counts its queries, next to the login form on the same database. Rerun:

    .venv/bin/python bench/service_requests.py     # delete /tmp/pb-bench/requests to rebuild
"""

import os
import secrets
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/pb-bench")) / "requests"
TOTAL = 100_000
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
PAGES = [
    ("login form (trivial)", None, "/accounts/login/"),
    ("staff: open requests, city", "staff.city@demo.cn", "/staff/requests/"),
    ("staff: all requests, city", "staff.city@demo.cn", "/staff/requests/?state=all"),
    ("staff: all requests, page 500", "staff.city@demo.cn", "/staff/requests/?state=all&page=500"),
    ("staff: overdue, district", "staff.district@demo.cn", "/staff/requests/?overdue=1"),
    ("staff: overview", "staff.district@demo.cn", "/staff/"),
    ("my requests, lawyer", "lawyer@demo.cn", "/my/requests/"),
]


def _env():
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{WORK / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    }


def _build():
    WORK.mkdir(parents=True, exist_ok=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    for args in (["migrate", "-v0"], ["createcachetable"], ["seed_demo", "--scale", "small"]):
        subprocess.run(manage + args, check=True, env=_env(), cwd=ROOT)


def _top_up():
    from django.utils import timezone

    from volunteers.models import Contributor, Region, RequestEvent, ServiceRequest, ServiceType

    missing = TOTAL - ServiceRequest.objects.count()
    if missing <= 0:
        return
    now = timezone.now()
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE))
    districts = {r.path: r for r in Region.objects.filter(level=Region.Level.DISTRICT)}
    types = list(ServiceType.objects.all())
    lawyer = Contributor.objects.get(user__email="lawyer@demo.cn")
    people = list(Contributor.objects.all())
    step = Region.steplen * 2
    for start in range(0, missing, 5000):
        rows = []
        for i in range(start, min(missing, start + 5000)):
            village = villages[i % len(villages)]
            created = now - timedelta(minutes=5 * i)
            # Open requests only: a finished one needs its own approved record, which the demo has few of.
            state = ("queued", "published", "accepted")[i % 3] if i % 7 else "dispatched"
            mine = state in ("accepted", "dispatched") and i % 5 == 0
            assigned = state in ("accepted", "dispatched")
            rows.append(
                ServiceRequest(
                    reference=f"BENCH-{i:08d}",
                    follow_token=secrets.token_urlsafe(24),
                    rating_token=secrets.token_urlsafe(24),
                    channel="public",
                    name=f"村民{i}",
                    phone=f"139{i:08d}",
                    region=village,
                    service_type=types[i % len(types)],
                    description="咨询",
                    state=state,
                    queue_region=None if assigned else districts[village.path[:step]],
                    assignee=(lawyer if mine else people[i % len(people)]) if assigned else None,
                    home_region=districts[village.path[:step]],
                    created_at=created,
                    accept_due_at=created + timedelta(hours=24),
                    finish_due_at=created + timedelta(days=15),
                    accepted_at=created + timedelta(hours=3) if state == "accepted" else None,
                )
            )
        made = ServiceRequest.objects.bulk_create(rows)
        RequestEvent.objects.bulk_create(
            [RequestEvent(request=r, kind="registered", created_at=r.created_at) for r in made]
        )


def main():
    if not (WORK / "db.sqlite3").exists():
        _build()
    os.environ.update(_env())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from volunteers.models import ServiceRequest, User

    _top_up()
    print(f"{ServiceRequest.objects.count():,} service requests")
    trivial = None
    print(f"{'page':34} {'queries':>7} {'median ms':>10} {'÷ trivial':>9}")
    for label, email, url in PAGES:
        client = Client(HTTP_HOST="localhost")
        if email:
            client.force_login(User.objects.get(email=email))
        assert client.get(url).status_code == 200, url
        times = []
        for _ in range(REPEAT):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - t) * 1000)
        median = statistics.median(times)
        trivial = trivial or median
        print(f"{label:34} {len(ctx.captured_queries):>7} {median:>10.1f} {median / trivial:>9.1f}")


if __name__ == "__main__":
    main()
