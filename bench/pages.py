"""Do staff and contributor pages stay flat as the city grows?

Builds (once) a `small` and a `large` demo in their own SQLite files, then, in one run, times each
page's median server time through Django's test client and counts its queries, side by side with a
trivial view (the login form) on the same database. Rerun:

    .venv/bin/python bench/pages.py            # or: /usr/bin/time -v .venv/bin/python bench/pages.py

Prints a table; the ratios (page ÷ trivial view, large ÷ small) are what to compare across machines.
A demo is built only when its directory has no db.sqlite3 (delete the directory to rebuild; BENCH_DIR moves
them). Pages whose address depends on the data (an organisation, an award, a certificate) are looked up in
each demo by `_lookups`; downloads are timed once, on their own lines.
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
    # Recognition. A path may be a function of the ids `_lookups` finds in each demo.
    ("standings", "lawyer@demo.cn", "/standings/"),
    ("standings, own district", "lawyer@demo.cn", lambda o: f"/standings/?board=district%7C{o['district']}"),
    ("standings, firms", "lawyer@demo.cn", "/standings/?board=organisation%7C"),
    ("firm: record", "firm.admin@demo.cn", lambda o: reverse("firm_record", args=[o["firm"]])),
    ("staff: commendations", "staff.city@demo.cn", lambda o: reverse("staff_commendations")),
    ("staff: approved award", "staff.city@demo.cn", lambda o: reverse("staff_commendation", args=[o["approved"]])),
    ("staff: award on notice", "staff.city@demo.cn", lambda o: reverse("staff_commendation", args=[o["on_notice"]])),
    ("notices", None, lambda o: reverse("notices")),
    ("notice, on notice", None, lambda o: reverse("notice", args=[o["on_notice"]])),
    ("honour roll", None, lambda o: o["honour_roll"]),
    ("certificate verify", None, lambda o: reverse("certificate_verify", args=[o["certificate"]])),
    ("staff: targets", "staff.city@demo.cn", lambda o: reverse("staff_targets")),
    ("staff: reports", "staff.city@demo.cn", lambda o: reverse("staff_reports")),
]
# Timed once each (a file, not a page); listed after the table.
DOWNLOADS = [
    ("firm: record XLSX", "firm.admin@demo.cn", lambda o: reverse("firm_record_xlsx", args=[o["firm"]])),
]
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))


def build(scale):
    var = WORK / scale
    if not (var / "db.sqlite3").exists():
        env = {**os.environ, "PB_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
        for args in (["migrate", "-v0"], ["createcachetable"], ["seed_demo", "--scale", scale]):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    return var


def reverse(name, args=()):
    from django.urls import reverse as django_reverse

    return django_reverse(name, args=args)


def _lookups():
    """Ids of what the recognition pages show, found in this demo (they differ between builds)."""
    from urllib.parse import urlsplit

    from django.utils import timezone

    from cms.models import HonourRollPage
    from pointbook.models import AwardCategory, Certificate, Standing
    from volunteers.models import Region, User

    year = timezone.localdate().year
    lawyer = User.objects.get(email="lawyer@demo.cn").contributor
    district = (
        Standing.objects.filter(
            snapshot__year=year, snapshot__is_current=True, scope=Standing.Scope.OVERALL, contributor=lawyer
        )
        .values_list("district_id", flat=True)
        .first()
        or Region.objects.filter(path__startswith=lawyer.region.path[: Region.steplen * 2], depth=2)
        .values_list("pk", flat=True)
        .first()
    )
    approved = AwardCategory.objects.filter(status=AwardCategory.Status.APPROVED, year=year - 1).order_by("id").first()
    on_notice = AwardCategory.objects.filter(status=AwardCategory.Status.NOTICE).order_by("id").first()
    roll = HonourRollPage.objects.live().filter(category=approved).first()
    certificate = (
        Certificate.objects.filter(nomination__category=approved, revoked_at__isnull=True).order_by("id").first()
    )
    return {
        "district": district,
        "approved": approved.pk,
        "on_notice": on_notice.pk if on_notice else 0,  # none: the row shows HTTP 404
        "firm": User.objects.get(email="firm.admin@demo.cn").administered_organisations.order_by("id").first().pk,
        "honour_roll": urlsplit(roll.get_url()).path if roll else "/honour-roll-missing/",
        "certificate": certificate.code if certificate else "missing",
    }


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
    from django.db.models import Count
    from django.test import Client

    from pointbook.models import LedgerEntry, Standing
    from volunteers.models import Contributor, Shift, User

    settings.ALLOWED_HOSTS = ["*"]
    busiest = Contributor.objects.annotate(n=Count("ledger_entries")).order_by("-n").values_list("user_id", "n").first()
    ids = _lookups()

    def client_for(email):
        client = Client()
        if email == BUSIEST:
            client.force_login(User.objects.get(pk=busiest[0]))
        elif email:
            client.force_login(User.objects.get(email=email))
        return client

    def counted(client, path):
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            start = time.perf_counter()
            status = client.get(path).status_code
            elapsed = time.perf_counter() - start
        return status, len(queries), elapsed

    rows = []
    for label, email, path in PAGES:
        path = path(ids) if callable(path) else path
        client = client_for(email)
        client.get(path)  # warm caches and templates
        status, queries, _elapsed = counted(client, path)
        times = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - start)
        rows.append((label, status, queries, statistics.median(times) * 1000))
    downloads = []
    for label, email, path in DOWNLOADS:
        status, queries, elapsed = counted(client_for(email), path(ids))
        downloads.append((label, status, queries, elapsed * 1000))
    print(
        repr(
            {
                "contributors": Contributor.objects.count(),
                "shifts": Shift.objects.count(),
                "rows": rows,
                "downloads": downloads,
                "entries": LedgerEntry.objects.count(),
                "busiest": busiest[1],
                "standings": Standing.objects.count(),
                "ids": ids,
            }
        )
    )


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure(sys.argv[2])
        return
    results = {}
    for scale in ("small", "large"):
        build(scale)
        out = (
            subprocess.run(
                [sys.executable, __file__, "--measure", scale], cwd=ROOT, check=True, capture_output=True, text=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        results[scale] = eval(out)  # our own repr from the child
    small, large = results["small"], results["large"]
    trivial = {s: results[s]["rows"][0][3] for s in results}
    print(
        f"contributors: small {small['contributors']:,}, large {large['contributors']:,}; "
        f"shifts: small {small['shifts']:,}, large {large['shifts']:,}; "
        f"ledger entries: small {small['entries']:,}, large {large['entries']:,} (busiest contributor "
        f"{small['busiest']:,} / {large['busiest']:,}); median of {REPEAT} requests, SQLite, Django test client"
    )
    print(
        f"{'page':<24}{'queries s/l':>12}{'ms small':>10}{'ms large':>10}{'÷trivial s':>12}{'÷trivial l':>12}{'large÷small':>13}"
    )
    for (label, st_s, q_s, t_s), (_, st_l, q_l, t_l) in zip(small["rows"], large["rows"], strict=True):
        print(
            f"{label:<24}{f'{q_s}/{q_l}':>12}{t_s:>10.1f}{t_l:>10.1f}{t_s / trivial['small']:>12.1f}"
            f"{t_l / trivial['large']:>12.1f}{t_l / t_s:>13.2f}"
            + ("" if st_s == st_l == 200 else f"  HTTP {st_s}/{st_l}")
            + ("" if q_s == q_l else "  QUERIES GROW")
        )
    print(
        f"standings rows: small {small['standings']:,}, large {large['standings']:,}; "
        f"ids small {small['ids']}, large {large['ids']}"
    )
    print("downloads, one request each (time includes building the file):")
    for (label, st_s, q_s, t_s), (_, st_l, q_l, t_l) in zip(small["downloads"], large["downloads"], strict=True):
        print(
            f"{label:<24}{f'{q_s}/{q_l}':>12}{t_s:>10.1f}{t_l:>10.1f}{t_s / trivial['small']:>12.1f}"
            f"{t_l / trivial['large']:>12.1f}{t_l / t_s:>13.2f}"
            + ("" if st_s == st_l == 200 else f"  HTTP {st_s}/{st_l}")
            + ("" if q_s == q_l else "  QUERIES GROW")
        )


if __name__ == "__main__":
    main()
