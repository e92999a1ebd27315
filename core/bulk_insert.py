"""Insert many rows fast: one `executemany` of prepared tuples instead of `bulk_create`, whose
per-field preparation costs ten times the insert itself at a million rows. For plain values only
(no signals, no save(), no field defaults): callers pass every column they want set, and the
database's constraints and triggers still check each row.
"""

import json
from datetime import UTC

from django.db import connection


def _converter(field):
    """How one column's Python values go to the driver: chosen once per column, not per value."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        return lambda v: json.dumps(v, ensure_ascii=False)
    if connection.vendor != "sqlite":
        return None  # psycopg takes Decimal, date and aware datetime as they are
    if kind == "DateTimeField":
        return lambda v: None if v is None else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if kind == "DateField":
        return lambda v: None if v is None else v.isoformat()
    if kind == "DecimalField":
        return lambda v: None if v is None else str(v)
    return None


def ids_reserve(model, count):
    """`count` primary keys for new rows of `model`, never handed out twice (PostgreSQL: from the
    table's sequence; SQLite: past the largest id, inside the caller's IMMEDIATE transaction,
    which holds the only write lock)."""
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def rows_insert(model, columns, rows, *, batch_size=5000):
    """Insert `rows` (tuples in the order of `columns`, attribute names such as "contributor_id").
    PostgreSQL: one COPY (several times faster than executemany); SQLite: executemany in batches, or
    for a table with an insert trigger (the ledger) statements of many rows each."""
    table = model._meta.db_table
    fields = [model._meta.get_field(name) for name in columns]
    names = ", ".join(f'"{field.column}"' for field in fields)
    converters = [(i, convert) for i, convert in enumerate(map(_converter, fields)) if convert is not None]
    if connection.vendor == "postgresql":
        # The driver's own cursor raises the driver's errors: wrapped, a broken constraint is Django's
        # IntegrityError as from any other query.
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
        ):
            for row in _prepared(rows, converters) if converters else rows:
                copy.write_row(row)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND sql LIKE %s",
            [table, "% INSERT ON %"],
        )
        triggered = cursor.fetchone() is not None
        if triggered:
            # A statement that fires a trigger keeps a statement journal of every page it changes: one
            # statement a row journals the table's index pages again for each row (2× slower for the
            # ledger). Many rows a statement (SQLite takes up to 32,766 values) journal them once.
            per = max(1, min(1000, 32766 // len(fields)))
            marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
            for start in range(0, len(rows), per):
                values = [value for row in _prepared(rows[start : start + per], converters) for value in row]
                count = len(values) // len(fields)
                cursor.execute(f'INSERT INTO "{table}" ({names}) VALUES {", ".join([marks] * count)}', values)
            return
        marks = ", ".join(["%s"] * len(fields))
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, list(_prepared(rows[start : start + batch_size], converters)))


def _prepared(rows, converters):
    """Each row as a list, its values converted for the driver."""
    for row in rows:
        row = list(row)
        for i, convert in converters:
            row[i] = convert(row[i])
        yield row
