"""The SQL the ledger's guarantees rest on, as the database runs it now: the append-only triggers and
the trigger that keeps `LedgerTotal`. Runtime code (the guard lifted for a demo reset, the totals check,
benchmarks) reads it here; each migration keeps its own frozen copy of what it installed."""

# --- Append-only: UPDATE, DELETE (and on PostgreSQL TRUNCATE) of the ledger fail, whoever asks.
LEDGER = "pointbook_ledgerentry"
MESSAGE = "ledger entries are append-only: post a correcting entry instead"

APPEND_ONLY_SQLITE = [
    f"CREATE TRIGGER ledger_no_update BEFORE UPDATE ON {LEDGER} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER ledger_no_delete BEFORE DELETE ON {LEDGER} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
APPEND_ONLY_SQLITE_DROP = ["DROP TRIGGER IF EXISTS ledger_no_update", "DROP TRIGGER IF EXISTS ledger_no_delete"]

APPEND_ONLY_POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION pointbook_ledger_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END;
        $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER ledger_no_update_delete BEFORE UPDATE OR DELETE ON {LEDGER}
        FOR EACH ROW EXECUTE FUNCTION pointbook_ledger_append_only()""",
    f"""CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON {LEDGER}
        FOR EACH STATEMENT EXECUTE FUNCTION pointbook_ledger_append_only()""",
]
APPEND_ONLY_POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS ledger_no_update_delete ON {LEDGER}",
    f"DROP TRIGGER IF EXISTS ledger_no_truncate ON {LEDGER}",
    "DROP FUNCTION IF EXISTS pointbook_ledger_append_only()",
]


# --- The ledger summed per contributor, year and service type, kept by an insert trigger.
# Spending, refunds and expiry (incentives) are not earned: the totals leave them out (migration 0015).
TOTALS = "pointbook_ledgertotal"
COLUMNS = "contributor_id, year, service_type, points, hours, entries, reached_at"
# Each vendor's year of an entry's date (SQLite keeps dates as 'YYYY-MM-DD').
YEAR = {"postgresql": "CAST(EXTRACT(YEAR FROM {date}) AS INTEGER)", "sqlite": "CAST(substr({date}, 1, 4) AS INTEGER)"}
EARNED = "kind NOT IN ('spend', 'refund', 'expiry')"
SUMMED = (
    "SELECT contributor_id, {year}, COALESCE(service_type_id, 0), SUM(points), SUM(COALESCE(hours, 0)), "
    "COUNT(*), MAX(created_at) FROM {source} WHERE " + EARNED + " GROUP BY 1, 2, 3"
)
# Rows in key order, so two inserts touching the same totals lock them in the same order.
ADD = (
    "INSERT INTO {table} AS t ({columns}) {rows} ORDER BY 1, 2, 3 "
    "ON CONFLICT (year, contributor_id, service_type) DO UPDATE SET points = t.points + excluded.points, "
    "hours = t.hours + excluded.hours, entries = t.entries + excluded.entries, "
    "reached_at = {latest}(t.reached_at, excluded.reached_at)"
)

TOTALS_POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION pointbook_ledger_total_add() RETURNS trigger AS $$
        BEGIN
        {
        ADD.format(
            table=TOTALS,
            columns=COLUMNS,
            latest="GREATEST",
            rows=SUMMED.format(year=YEAR["postgresql"].format(date="effective_date"), source="added"),
        )
    };
        RETURN NULL;
        END;
        $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER ledger_total_add AFTER INSERT ON {LEDGER} REFERENCING NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION pointbook_ledger_total_add()""",
]
TOTALS_POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS ledger_total_add ON {LEDGER}",
    "DROP FUNCTION IF EXISTS pointbook_ledger_total_add()",
]
TOTALS_SQLITE = [
    f"""CREATE TRIGGER ledger_total_add AFTER INSERT ON {LEDGER} WHEN NEW.{EARNED} BEGIN
        INSERT INTO {TOTALS} ({COLUMNS}) VALUES (NEW.contributor_id,
            {YEAR["sqlite"].format(date="NEW.effective_date")}, COALESCE(NEW.service_type_id, 0), NEW.points,
            COALESCE(NEW.hours, 0), 1, NEW.created_at)
        ON CONFLICT (year, contributor_id, service_type) DO UPDATE SET points = points + excluded.points,
            hours = hours + excluded.hours, entries = entries + 1, reached_at = max(reached_at, excluded.reached_at);
        END""",
]
TOTALS_SQLITE_DROP = ["DROP TRIGGER IF EXISTS ledger_total_add"]
