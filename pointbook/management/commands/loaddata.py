"""Django's loaddata, keeping the ledger's totals right: totals in a fixture (a dump from before dumpdata
left them out) are skipped, since the insert trigger adds each loaded entry to its total; and when the
fixtures held ledger entries the totals are summed again from the entries at the end, in the same
transaction, so they are right whatever the database held before."""

from django.core.management.commands import loaddata

from pointbook.ledger.services import totals_rebuild
from pointbook.models import LedgerEntry

TOTALS = "pointbook.LedgerTotal"


class Command(loaddata.Command):
    help = loaddata.Command.help + " The ledger's totals are rebuilt from the loaded entries."

    def handle(self, *fixture_labels, **options):
        options["exclude"] = [*options.get("exclude", []), TOTALS]
        super().handle(*fixture_labels, **options)

    def loaddata(self, fixture_labels):
        super().loaddata(fixture_labels)
        # Still inside loaddata's transaction (handle wraps this in transaction.atomic).
        if LedgerEntry in self.models:
            rows = totals_rebuild()
            if self.verbosity >= 1:
                self.stdout.write(f"Ledger totals rebuilt from the entries: {rows:,} rows.")
