"""Ledger entries are append-only in the database itself: UPDATE, DELETE (and on PostgreSQL
TRUNCATE) of pointbook_ledgerentry fail, whoever asks — the ORM, `.update()` or raw SQL."""

from django.db import migrations

TABLE = "pointbook_ledgerentry"
MESSAGE = "ledger entries are append-only: post a correcting entry instead"

SQLITE = [
    f"CREATE TRIGGER ledger_no_update BEFORE UPDATE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER ledger_no_delete BEFORE DELETE ON {TABLE} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS ledger_no_update", "DROP TRIGGER IF EXISTS ledger_no_delete"]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION pointbook_ledger_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END;
        $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER ledger_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION pointbook_ledger_append_only()""",
    f"""CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION pointbook_ledger_append_only()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS ledger_no_update_delete ON {TABLE}",
    f"DROP TRIGGER IF EXISTS ledger_no_truncate ON {TABLE}",
    "DROP FUNCTION IF EXISTS pointbook_ledger_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    dependencies = [("pointbook", "0001_ledger")]
    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})),
    ]
