"""Build a recognition report (or a monthly digest with --month) now, for operators: the same figures
and rendering as the Celery job, written to a file instead of the report store.

    manage.py recognition_report --year 2025 --region 410402 --format pdf --output /tmp/xinhua-2025.pdf
    manage.py recognition_report --year 2025 --month 3 --region 410400 --format xlsx --output digest.xlsx
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pointbook.models import RecognitionReport
from pointbook.reports.services import FIRST_YEAR
from volunteers.models import Region


class Command(BaseCommand):
    help = "Build a recognition report (annual) or a monthly digest (--month) for a region into a PDF or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--month", type=int, help="1–12: a monthly digest instead of the annual report")
        parser.add_argument("--region", required=True, help="the region's code, e.g. 410402")
        parser.add_argument("--format", choices=["pdf", "xlsx"], required=True, dest="fmt")
        parser.add_argument("--output", required=True, help="the file to write")
        parser.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES], default=settings.LANGUAGE_CODE
        )

    def handle(self, *args, year, month, region, fmt, output, language, **options):
        from pointbook.reports.build import report_run_now

        today = timezone.localdate()
        if not FIRST_YEAR <= year <= today.year:
            raise CommandError(f"--year must be from {FIRST_YEAR} to {today.year}.")
        if month is not None and not 1 <= month <= 12:
            raise CommandError("--month must be from 1 to 12.")
        if month is not None and (year, month) > (today.year, today.month):
            raise CommandError(f"{year}-{month:02d} has not started yet.")
        place = Region.objects.filter(code=region.strip()).first()
        if place is None:
            raise CommandError(f"No region has the code {region!r}.")
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        kind = RecognitionReport.Kind.MONTHLY if month else RecognitionReport.Kind.ANNUAL
        files = report_run_now(region=place, kind=kind, year=year, month=month, formats=(fmt,), language=language)
        path.write_bytes(files[fmt])
        self.stdout.write(f"{path} ({len(files[fmt]):,} bytes): {place.name} {year}{f'-{month:02d}' if month else ''}")
