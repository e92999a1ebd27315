"""Lifting the ledger's append-only guard, for wiping a whole demo or test database only.

Nothing in the product calls this on a live ledger: `seed_demo --reset` uses it to start a demo
again, and the test suite uses it so Django can empty the database between transactional tests.
"""

from contextlib import contextmanager

from django.db import connection as default_connection
from django.db import transaction

from pointbook.ledger import trigger_sql


@contextmanager
def ledger_guard_lifted(connection=None):
    connection = connection or default_connection
    if connection.vendor == "postgresql":
        table = trigger_sql.LEDGER
        with connection.cursor() as cursor:
            # Deferred foreign-key checks from this transaction's inserts must run before ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ledger_no_update_delete")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ledger_no_truncate")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER ledger_no_update_delete")
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER ledger_no_truncate")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for statement in trigger_sql.APPEND_ONLY_SQLITE_DROP:
                cursor.execute(statement)
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for statement in trigger_sql.APPEND_ONLY_SQLITE:
                    cursor.execute(statement)
    else:
        yield


def ledger_wipe():
    """Delete every entry and what points at entries or records (demo reset only)."""
    from pointbook.models import (
        Appeal,
        Complaint,
        LedgerEntry,
        LedgerTotal,
        PublicRating,
        Redemption,
        RewardQualification,
        RewardsWallet,
    )

    with transaction.atomic(), ledger_guard_lifted():
        RewardQualification.objects.all().delete()
        Redemption.objects.all().delete()  # their debits and refunds go with the entries
        RewardsWallet.objects.all().delete()
        Appeal.objects.all().delete()
        Complaint.objects.all().delete()
        PublicRating.objects.all().delete()
        # Reversals first: an entry they reverse is protected while they point at it.
        LedgerEntry.objects.filter(reverses__isnull=False).delete()
        LedgerEntry.objects.all().delete()
        LedgerTotal.objects.all().delete()  # the trigger only ever adds
