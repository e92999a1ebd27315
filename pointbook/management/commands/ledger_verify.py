from django.core.management.base import BaseCommand, CommandError

from pointbook.services import balances_check, ledger_verify


class Command(BaseCommand):
    help = "Check the ledger's invariants; exits non-zero on any violation."

    def handle(self, *args, **options):
        problems = ledger_verify() + balances_check()
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found in the ledger")
        self.stdout.write(self.style.SUCCESS("Ledger OK: no zero entries, every reversal cancels its entry, "
                                             "every approved record has exactly one net award."))
