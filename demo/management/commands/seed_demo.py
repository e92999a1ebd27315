from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cms.honours import honour_roll_publish
from cms.models import HonourRollPage
from demo import people as people_demo
from demo.assessment import demo_assessment
from demo.handover import demo_handover
from demo.hours_certificates import demo_hours_certificates, demo_hours_certificates_reset
from demo.pages import demo_opportunities, demo_opportunities_reset, demo_pages
from demo.points import demo_points
from demo.recognition import demo_recognition, demo_recognition_reset
from demo.rewards import demo_rewards, demo_rewards_reset
from demo.service_requests import demo_service_requests, demo_service_requests_reset
from demo.targets import demo_targets
from pointbook.ledger.maintenance import ledger_wipe
from pointbook.models import AwardCategory
from volunteers.models import User


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
            for page in HonourRollPage.objects.all():
                page.delete()
            demo_hours_certificates_reset()
            demo_recognition_reset()
            demo_service_requests_reset()
            demo_rewards_reset()
            ledger_wipe()
            people_demo.demo_rota_reset()
            demo_opportunities_reset()
            people_demo.demo_reset()
        counts = people_demo.demo_build(scale)
        counts["pages"] = demo_pages()
        counts.update(demo_opportunities(scale))
        counts.update(demo_handover())
        counts.update(demo_points(scale))
        counts.update(demo_targets())
        counts.update(demo_service_requests(scale))
        counts.update(demo_rewards(scale))
        counts.update(demo_recognition(User.objects.get(email="staff.city@demo.cn")))
        counts.update(demo_assessment())
        for category in AwardCategory.objects.filter(status=AwardCategory.Status.APPROVED):
            honour_roll_publish(category.pk)
        counts.update(demo_hours_certificates())
        # Fresh statistics: without them SQLite's planner can pick a region index over a partial one
        # (the staff queue's flagged records took 2 s instead of 7 ms on the large demo).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        built = ", ".join(f"{k} {v}" for k, v in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo '{scale}' built: {built}"))
