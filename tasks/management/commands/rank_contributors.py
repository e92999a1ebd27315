"""`manage.py rank_contributors --year Y`: the nightly standings refresh, run by hand."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pointbook.standings.services import standings_refresh


class Command(BaseCommand):
    help = "Recompute a year's standings from the ledger and make them current (what the nightly job does)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="default: this year")

    def handle(self, *args, year, **options):
        year = year or timezone.localdate().year
        if not 2000 <= year <= timezone.localdate().year + 1:
            raise CommandError(f"--year {year} is not a year with points.")
        snapshot = standings_refresh(year)
        self.stdout.write(
            self.style.SUCCESS(
                f"Standings {year}: {snapshot.contributors:,} contributors ranked, counting ledger entries up to "
                f"#{snapshot.watermark} (snapshot {snapshot.pk})."
            )
        )
