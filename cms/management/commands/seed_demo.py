from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cms.demo import demo_opportunities, demo_opportunities_reset, demo_pages
from pointbook.demo import demo_points
from pointbook.maintenance import ledger_wipe
from volunteers import demo as people_demo


class Command(BaseCommand):
    help = "Build the deterministic demo city (small for tests, city for `make run`, large for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(people_demo.SCALES), default="city")
        parser.add_argument("--reset", action="store_true", help="Delete existing people and places first.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing (and succeed) if a demo exists.")

    def handle(self, *args, scale, reset, if_empty, **options):
        if people_demo.demo_exists():
            if if_empty:
                self.stdout.write("Demo data already present; leaving it as it is.")
                return
            if not reset:
                raise CommandError("This database already has demo data. Use --reset to rebuild it.")
            ledger_wipe()
            people_demo.demo_rota_reset()
            demo_opportunities_reset()
            people_demo.demo_reset()
        counts = people_demo.demo_build(scale)
        counts["pages"] = demo_pages()
        counts.update(demo_opportunities(scale))
        counts.update(demo_points(scale))
        # Fresh statistics: without them SQLite's planner can pick a region index over a partial one
        # (the staff queue's flagged records took 2 s instead of 7 ms on the large demo).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(
            "Demo '%s' built: %s" % (scale, ", ".join(f"{k} {v}" for k, v in counts.items()))
        ))
