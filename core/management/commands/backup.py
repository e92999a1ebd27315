from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back the database up while the site serves: SQLite through its online backup API (a consistent "
        "copy, checked), PostgreSQL through pg_dump --format=custom. See docs/deploy.md, Backups."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", type=Path, help="the file to write (replaced only once the copy is whole)")

    def handle(self, *args, target: Path, **options):
        if target.is_dir():
            raise CommandError(f"{target} is a folder: name the file to write")
        try:
            size = backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Backed up the {connection.vendor} database to {target} ({size:,} bytes).")
        )
