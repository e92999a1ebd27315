from django.core.management.base import BaseCommand, CommandError

from pointbook.ledger.services import ledger_verify, totals_rebuild
from pointbook.models import LedgerEntry


class Command(BaseCommand):
    help = "Check the ledger's invariants; exits non-zero on any violation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild-totals",
            action="store_true",
            help="First sum the kept totals again from the entries (after a restore that loaded them with the "
            "insert trigger on or off: docs/deploy.md, Backups). Touches no entry.",
        )

    def handle(self, *args, **options):
        if options["rebuild_totals"]:
            self.stdout.write(f"Totals rebuilt from the entries: {totals_rebuild():,} rows.")
        problems = ledger_verify()  # includes the balances check
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found in the ledger")
        self.stdout.write(
            self.style.SUCCESS(
                f"Ledger OK ({LedgerEntry.objects.count():,} entries): no zero entries, every reversal cancels its "
                "entry exactly, every approved record has exactly one net award (none when a cap left it nothing), "
                "records not approved hold no points, the totals kept per contributor, year and service type equal the entries, standings match the ledger; spending: wallets match their entries, one debit per request "
                "(one refund when given back), no stock or spendable balance below zero."
            )
        )
