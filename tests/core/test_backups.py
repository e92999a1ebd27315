"""Backups that come back right: the ledger's kept totals are never counted twice on a restore, and
`ledger_verify` passes after each supported round trip (docs/deploy.md, Backups)."""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.commands.dumpdata import Command as DjangoDumpdata
from django.core.management.commands.loaddata import Command as DjangoLoaddata
from django.db import connection

from pointbook.ledger.maintenance import ledger_wipe
from pointbook.ledger.services import entry_reverse, ledger_verify
from pointbook.models import LedgerEntry, LedgerTotal
from tests.support.ledger import post

ROOT = Path(settings.BASE_DIR)


def _ledger(world):
    """Entries for two people over two years, one reversed."""
    first = post(world.lawyer_contributor, date(2025, 3, 1), "2.5", "25")
    post(world.lawyer_contributor, date(2026, 4, 2), "3", "30")
    post(world.other_lawyer_contributor, date(2026, 5, 3), None, "-5", kind=LedgerEntry.Kind.PENALTY)
    entry_reverse(actor=None, entry=first, reason="测试冲正")


def _totals():
    return sorted(
        LedgerTotal.objects.values_list("contributor_id", "year", "service_type", "points", "hours", "entries")
    )


def _dump(tmp_path, command="dumpdata"):
    out = io.StringIO()
    call_command(command, "volunteers", "pointbook", stdout=out)
    rows = json.loads(out.getvalue())
    # As `dumpdata pointbook.LedgerTotal pointbook.LedgerEntry ...` writes it: the totals first.
    rows.sort(key=lambda row: row["model"] != "pointbook.ledgertotal")
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path, {row["model"] for row in rows}


@pytest.mark.django_db
def test_dumpdata_leaves_out_the_totals_and_loaddata_brings_them_back_once(world, tmp_path):
    _ledger(world)
    before = _totals()
    assert before
    path, models = _dump(tmp_path)
    assert "pointbook.ledgerentry" in models
    assert "pointbook.ledgertotal" not in models

    ledger_wipe()
    assert not LedgerTotal.objects.exists()
    call_command("loaddata", str(path), verbosity=0)

    assert _totals() == before
    assert ledger_verify() == []


@pytest.mark.django_db
def test_an_old_dump_holding_the_totals_loads_without_doubling_them(world, tmp_path):
    _ledger(world)
    before = _totals()
    path, models = _dump(tmp_path, command=DjangoDumpdata())  # Django's own: totals included
    assert "pointbook.ledgertotal" in models
    ledger_wipe()

    call_command("loaddata", str(path), verbosity=0)

    assert _totals() == before
    assert ledger_verify() == []


@pytest.mark.django_db
def test_django_own_loaddata_would_double_the_totals_and_ledger_verify_rebuilds_them(world, tmp_path):
    """Why loaddata is replaced: the loaded totals plus the trigger's additions count every entry twice.
    `ledger_verify --rebuild-totals` repairs a database restored that way."""
    _ledger(world)
    before = _totals()
    path, _models = _dump(tmp_path, command=DjangoDumpdata())
    ledger_wipe()
    call_command(DjangoLoaddata(), str(path), verbosity=0)
    doubled = [(*key, points * 2, hours * 2, entries * 2) for *key, points, hours, entries in before]
    assert _totals() == doubled
    assert any("ledger totals" in problem for problem in ledger_verify())

    out = io.StringIO()
    call_command("ledger_verify", "--rebuild-totals", stdout=out)
    assert "Ledger OK" in out.getvalue()
    assert _totals() == before


def _verify_elsewhere(**env):
    """`manage.py ledger_verify` in a process of its own, on another database."""
    args = env.pop("_args", [])
    run_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", **env}
    run_env.pop("PB_TEST_DB_DIR", None)
    return subprocess.run(
        [sys.executable, "manage.py", "ledger_verify", *args],
        cwd=ROOT,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite online backup")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_copies_sqlite_while_entries_are_being_posted(world, tmp_path):
    _ledger(world)
    stop, started = threading.Event(), threading.Barrier(2)
    posted = []

    def keep_posting():
        try:
            started.wait()
            day = 1
            while not stop.is_set() and day < 400:
                post(world.lawyer_contributor, date(2026, 1, 1), "1", "10")
                posted.append(day)
                day += 1
        finally:
            connection.close()

    writer = threading.Thread(target=keep_posting)
    writer.start()
    started.wait()
    target = tmp_path / "copy" / "db.sqlite3"
    target.parent.mkdir()
    try:
        out = io.StringIO()
        call_command("backup", str(target), stdout=out)
    finally:
        stop.set()
        writer.join()
    assert "Backed up the sqlite database" in out.getvalue()

    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copied = copy.execute("SELECT COUNT(*) FROM pointbook_ledgerentry").fetchone()[0]
    finally:
        copy.close()
    assert 3 <= copied <= 3 + len(posted) + 1
    assert not list(target.parent.glob(".*partial"))
    # The copy is a whole database as of one moment: its totals agree with its entries.
    result = _verify_elsewhere(PB_VAR_DIR=str(target.parent))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ledger OK" in result.stdout


pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore: PostgreSQL")


def _admin(params):
    return psycopg.connect(
        host=params["HOST"],
        port=params.get("PORT") or 5432,
        user=params["USER"],
        password=params["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def restore_db():
    """An empty database beside the test database, dropped afterwards."""
    params = connection.settings_dict
    name = f"{params['NAME']}_restore"
    with _admin(params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgres://{params['USER']}@{params['HOST']}:{params.get('PORT') or 5432}/{name}"
    yield name, url
    with _admin(params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_restore(name, dump, *args):
    params = connection.settings_dict
    return subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            f"--host={params['HOST']}",
            f"--port={params.get('PORT') or 5432}",
            f"--username={params['USER']}",
            f"--dbname={name}",
            *args,
            str(dump),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _restored_totals(name):
    params = connection.settings_dict
    with psycopg.connect(host=params["HOST"], port=params.get("PORT") or 5432, user=params["USER"], dbname=name) as c:
        return sorted(
            c.execute(
                "SELECT contributor_id, year, service_type, points, hours, entries FROM pointbook_ledgertotal"
            ).fetchall()
        )


@pg_only
@pytest.mark.skipif(shutil.which("pg_restore") is None, reason="the PostgreSQL client is not installed")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pg_dump_and_pg_restore_round_trip(world, tmp_path, restore_db):
    _ledger(world)
    before = [tuple(row) for row in _totals()]
    dump = tmp_path / "probono.dump"
    call_command("backup", str(dump), stdout=io.StringIO())
    name, url = restore_db

    # The whole database: pg_restore loads the data before it creates the triggers, so nothing doubles.
    restored = _pg_restore(name, dump)
    assert restored.returncode == 0, restored.stderr
    assert _restored_totals(name) == before
    result = _verify_elsewhere(DATABASE_URL=url)
    assert result.returncode == 0, result.stdout + result.stderr


@pg_only
@pytest.mark.skipif(shutil.which("pg_restore") is None, reason="the PostgreSQL client is not installed")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_data_only_restore_with_triggers_disabled_keeps_the_totals(world, tmp_path, restore_db):
    _ledger(world)
    before = [tuple(row) for row in _totals()]
    dump = tmp_path / "probono.dump"
    call_command("backup", str(dump), stdout=io.StringIO())
    name, url = restore_db
    assert _pg_restore(name, dump, "--schema-only").returncode == 0

    restored = _pg_restore(name, dump, "--data-only", "--disable-triggers")
    assert restored.returncode == 0, restored.stderr
    assert _restored_totals(name) == before
    result = _verify_elsewhere(DATABASE_URL=url)
    assert result.returncode == 0, result.stdout + result.stderr


@pg_only
@pytest.mark.skipif(shutil.which("pg_restore") is None, reason="the PostgreSQL client is not installed")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_data_only_restore_needs_the_triggers_disabled(world, tmp_path, restore_db):
    """Without --disable-triggers a data-only restore fails: tables are loaded before the tables their
    foreign keys point at, and the ledger's totals trigger cannot even find its table (pg_restore empties
    the search_path). pg_restore says so and exits non-zero; docs/deploy.md asks for --disable-triggers."""
    _ledger(world)
    dump = tmp_path / "probono.dump"
    call_command("backup", str(dump), stdout=io.StringIO())
    name, _url = restore_db
    assert _pg_restore(name, dump, "--schema-only").returncode == 0

    plain = _pg_restore(name, dump, "--data-only")
    assert plain.returncode != 0
    assert 'COPY failed for table "pointbook_ledgerentry"' in plain.stderr
