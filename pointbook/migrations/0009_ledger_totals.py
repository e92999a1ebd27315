"""The ledger summed per contributor, year and service type (`LedgerTotal`), kept by a trigger on the
ledger: every insert adds its entries to their totals in the same transaction, whoever inserts (the
ORM, a COPY, raw SQL). PostgreSQL sums each statement's rows once (a statement trigger over the rows
it inserted); SQLite adds row by row (its triggers take no table alias). Entries are never updated or deleted (migration 0002), so
adding is all the totals ever need. The totals of the entries already in the ledger are filled in."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "pointbook_ledgertotal"
LEDGER = "pointbook_ledgerentry"
COLUMNS = "contributor_id, year, service_type, points, hours, entries, reached_at"
# Each vendor's year of an entry's date (SQLite keeps dates as 'YYYY-MM-DD').
YEAR = {"postgresql": "CAST(EXTRACT(YEAR FROM {date}) AS INTEGER)", "sqlite": "CAST(substr({date}, 1, 4) AS INTEGER)"}
SUMMED = ("SELECT contributor_id, {year}, COALESCE(service_type_id, 0), SUM(points), SUM(COALESCE(hours, 0)), "
          "COUNT(*), MAX(created_at) FROM {source} GROUP BY 1, 2, 3")
# Rows in key order, so two inserts touching the same totals lock them in the same order.
ADD = ("INSERT INTO {table} AS t ({columns}) {rows} ORDER BY 1, 2, 3 "
       "ON CONFLICT (year, contributor_id, service_type) DO UPDATE SET points = t.points + excluded.points, "
       "hours = t.hours + excluded.hours, entries = t.entries + excluded.entries, "
       "reached_at = {latest}(t.reached_at, excluded.reached_at)")

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION pointbook_ledger_total_add() RETURNS trigger AS $$
        BEGIN
        {ADD.format(table=TABLE, columns=COLUMNS, latest="GREATEST", rows=SUMMED.format(
            year=YEAR["postgresql"].format(date="effective_date"), source="added"))};
        RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER ledger_total_add AFTER INSERT ON {LEDGER} REFERENCING NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION pointbook_ledger_total_add()""",
]
POSTGRES_DROP = [f"DROP TRIGGER IF EXISTS ledger_total_add ON {LEDGER}",
                 "DROP FUNCTION IF EXISTS pointbook_ledger_total_add()"]
SQLITE = [
    f"""CREATE TRIGGER ledger_total_add AFTER INSERT ON {LEDGER} BEGIN
        INSERT INTO {TABLE} ({COLUMNS}) VALUES (NEW.contributor_id,
            {YEAR["sqlite"].format(date="NEW.effective_date")}, COALESCE(NEW.service_type_id, 0), NEW.points,
            COALESCE(NEW.hours, 0), 1, NEW.created_at)
        ON CONFLICT (year, contributor_id, service_type) DO UPDATE SET points = points + excluded.points,
            hours = hours + excluded.hours, entries = entries + 1, reached_at = max(reached_at, excluded.reached_at);
        END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS ledger_total_add"]


def totals_fill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    rows = SUMMED.format(year=YEAR[vendor].format(date="effective_date"), source=LEDGER)
    schema_editor.execute(f"INSERT INTO {TABLE} ({COLUMNS}) {rows}")
    for statement in {"postgresql": POSTGRES, "sqlite": SQLITE}[vendor]:
        schema_editor.execute(statement)


def triggers_drop(apps, schema_editor):
    for statement in {"postgresql": POSTGRES_DROP, "sqlite": SQLITE_DROP}[schema_editor.connection.vendor]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('pointbook', '0008_standings_fold_boards'),
        ('volunteers', '0012_exports'),
    ]

    operations = [
        migrations.CreateModel(
            name='LedgerTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('service_type', models.PositiveIntegerField()),
                ('points', models.DecimalField(decimal_places=2, max_digits=14)),
                ('hours', models.DecimalField(decimal_places=2, max_digits=12)),
                ('entries', models.PositiveIntegerField()),
                ('reached_at', models.DateTimeField()),
                ('contributor', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='volunteers.contributor')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('year', 'contributor', 'service_type'), name='ledger_total_key')],
            },
        ),
        migrations.RunPython(totals_fill, triggers_drop),
    ]
