"""Django's dumpdata, leaving out the ledger's kept totals (`pointbook.LedgerTotal`) unless they are
named: they are derived from the entries, and loading both would count every entry twice (the insert
trigger adds each loaded entry to its total). Name `pointbook.LedgerTotal` to dump them anyway."""

from django.core.management.commands import dumpdata

TOTALS = "pointbook.LedgerTotal"


class Command(dumpdata.Command):
    help = dumpdata.Command.help + " The ledger's kept totals are left out unless named (they are rebuilt on load)."

    def handle(self, *app_labels, **options):
        if not any(label.lower() == TOTALS.lower() for label in app_labels):
            options["exclude"] = [*options.get("exclude", []), TOTALS]
        return super().handle(*app_labels, **options)
