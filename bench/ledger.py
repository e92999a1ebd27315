"""How fast does the bulk approval post entries, and what does checking a big ledger cost?

In one run, on a `small` demo in its own SQLite file (built once under /tmp/pb-bench):

1. posting: N waiting records approved by `pointbook.ledger.bulk.records_approve_bulk` (rules, caps, keys,
   one `services.entries_post` per batch), side by side with Django's `bulk_create` of the same entry rows and
   a bare `rows_insert` of them (INSERTs of many rows each: the ledger has a trigger) — the floor any
   posting path sits on. Each is rolled back after.
2. verifying: `ledger_verify` over the ledger of the `large` demo when bench/pages.py has built it
   (about a million entries), with the process's peak memory.

Rerun:  /usr/bin/time -v .venv/bin/python bench/ledger.py      (N: BENCH_RECORDS, default 100000)
"""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/pb-bench"))
RECORDS = int(os.environ.get("BENCH_RECORDS", "100000"))


class Rollback(Exception):
    pass


def setup(scale):
    var = WORK / scale
    env = {**os.environ, "PB_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    if scale == "small" and not (var / "db.sqlite3").exists():
        for args in (["migrate", "-v0"], ["createcachetable"], ["seed_demo", "--scale", scale]):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def posting():
    import random
    from datetime import datetime, timedelta
    from datetime import time as clock
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from core.bulk_insert import ids_reserve, rows_insert
    from pointbook.ledger.bulk import ENTRY_COLUMNS, records_approve_bulk
    from pointbook.models import LedgerEntry
    from volunteers.models import Contributor, ServiceRecord, ServiceType

    rng = random.Random(1)
    people = list(Contributor.objects.values_list("pk", "region_id"))
    types = list(ServiceType.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    now = timezone.now()

    def make_records():
        rows = []
        for pk in ids_reserve(ServiceRecord, RECORDS):
            person, region = rng.choice(people)
            day = today - timedelta(days=rng.randint(400, 1400))
            start = timezone.make_aware(datetime.combine(day, clock(9)))
            rows.append(
                (
                    pk,
                    person,
                    rng.choice(types),
                    region,
                    day,
                    start,
                    start + timedelta(hours=2),
                    Decimal(2),
                    "submitted",
                    now,
                    now,
                    0,
                    [],
                    "",
                    False,
                    False,
                    "",
                    "",
                )
            )
        rows_insert(
            ServiceRecord,
            (
                "id",
                "contributor_id",
                "service_type_id",
                "region_id",
                "date",
                "started_at",
                "ended_at",
                "hours",
                "status",
                "created_at",
                "updated_at",
                "people_served",
                "special_groups",
                "description",
                "capped_out",
                "flagged",
                "flag_reason",
                "decision_reason",
            ),
            rows,
        )
        return list(
            ServiceRecord.objects.filter(pk__in=[r[0] for r in rows])
            .select_related("venue")
            .order_by("contributor_id", "date", "id")
        )

    results = {}
    try:
        with transaction.atomic():
            records = make_records()
            start = time.perf_counter()
            posted, capped, refused = records_approve_bulk(actor=None, records=records)
            results["records_approve_bulk (rules, caps, keys)"] = (posted, time.perf_counter() - start)
            raise Rollback
    except Rollback:
        pass
    sample = {"hours": "2", "per_hour": "10", "factors": [], "cap": None, "points": "20.00"}
    for label in ("Django bulk_create of the entries", "bare rows_insert of the entries"):
        try:
            with transaction.atomic():
                records = make_records()
                start = time.perf_counter()
                if label.startswith("Django"):
                    LedgerEntry.objects.bulk_create(
                        [
                            LedgerEntry(
                                contributor_id=r.contributor_id,
                                points=Decimal(20),
                                hours=r.hours,
                                kind="award",
                                source="service_record",
                                source_id=r.pk,
                                service_type_id=r.service_type_id,
                                explanation="2 小时 × 10 分/小时 = 20",
                                breakdown=sample,
                                idempotency_key=f"b:{r.pk}",
                                effective_date=r.date,
                                created_at=now,
                            )
                            for r in records
                        ],
                        batch_size=2000,
                    )
                else:
                    rows_insert(
                        LedgerEntry,
                        ENTRY_COLUMNS,
                        [
                            (
                                r.contributor_id,
                                Decimal(20),
                                r.hours,
                                "award",
                                "service_record",
                                r.pk,
                                None,
                                r.service_type_id,
                                "2 小时 × 10 分/小时 = 20",
                                sample,
                                f"b:{r.pk}",
                                r.date,
                                None,
                                now,
                            )
                            for r in records
                        ],
                    )
                results[label] = (len(records), time.perf_counter() - start)
                raise Rollback
        except Rollback:
            pass
    return results


def verifying():
    from pointbook.ledger.services import ledger_verify
    from pointbook.models import LedgerEntry

    start = time.perf_counter()
    problems = ledger_verify()
    return LedgerEntry.objects.count(), time.perf_counter() - start, len(problems)


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--posting":
        setup("small")
        print(repr(posting()))
        return
    if len(sys.argv) == 2 and sys.argv[1] == "--verifying":
        setup("large")
        entries, seconds, problems = verifying()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(repr((entries, seconds, problems, peak)))
        return
    out = (
        subprocess.run([sys.executable, __file__, "--posting"], cwd=ROOT, check=True, capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    results = eval(out)  # our own repr from the child
    floor = results["bare rows_insert of the entries"]
    print(f"posting {RECORDS:,} approvals, SQLite, one transaction each (rolled back):")
    for label, (count, seconds) in results.items():
        print(
            f"  {label:<44}{count:>9,} entries {seconds:>7.2f} s {count / seconds:>10,.0f}/s "
            f"{seconds / floor[1]:>6.2f}× the bare insert"
        )
    if (WORK / "large" / "db.sqlite3").exists():
        out = (
            subprocess.run(
                [sys.executable, __file__, "--verifying"], cwd=ROOT, check=True, capture_output=True, text=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        entries, seconds, problems, peak = eval(out)
        print(
            f"ledger_verify over the large demo: {entries:,} entries in {seconds:.1f} s, {problems} problems, "
            f"peak memory {peak:,.0f} MiB (the whole process)"
        )
    else:
        print("ledger_verify: build the large demo first (bench/pages.py does)")


if __name__ == "__main__":
    main()
