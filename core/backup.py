"""Backing up the database while the site serves.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies the database as of one moment, in one
step under a read snapshot: in WAL mode writers carry on meanwhile. The copy is written beside the target
and renamed into place only after `PRAGMA integrity_check` passed, so a failed backup never leaves a
half-written file under the target's name.

PostgreSQL: `pg_dump --format=custom` (a consistent snapshot, the site serving), restored with
`pg_restore`; see docs/deploy.md (Backups) for the ledger's triggers on a restore."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection


class BackupError(Exception):
    pass


def backup_sqlite(target: Path) -> int:
    """Copy the SQLite database to `target`; returns its size in bytes."""
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    connection.ensure_connection()
    copy = sqlite3.connect(partial)
    try:
        connection.connection.backup(copy)  # pages=-1: all at once, one consistent snapshot
        # Standalone: no -wal file travels with it.
        copy.execute("PRAGMA journal_mode=DELETE")
        (result,) = copy.execute("PRAGMA integrity_check").fetchone()
    finally:
        copy.close()
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {result}")
    os.replace(partial, target)
    return target.stat().st_size


def pg_dump_command(target: Path) -> tuple[list[str], dict[str, str]]:
    """The pg_dump command line (custom format) and environment for this database."""
    params = connection.settings_dict
    command = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={params['NAME']}"]
    if params.get("HOST"):
        command.append(f"--host={params['HOST']}")
    if params.get("PORT"):
        command.append(f"--port={params['PORT']}")
    if params.get("USER"):
        command.append(f"--username={params['USER']}")
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return command, env


def backup_postgresql(target: Path) -> int:
    """Run pg_dump into `target` (custom format); returns its size in bytes."""
    command, env = pg_dump_command(target)
    if shutil.which("pg_dump") is None:
        shown = " ".join(part for part in command)
        raise BackupError(f"pg_dump is not installed here; install the PostgreSQL client and run: {shown}")
    partial = target.with_name(f".{target.name}.partial")
    command = [part if not part.startswith("--file=") else f"--file={partial}" for part in command]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    os.replace(partial, target)
    return target.stat().st_size


def backup(target: Path) -> int:
    """Back the database up to `target` (SQLite file, or PostgreSQL custom-format dump)."""
    if connection.vendor == "sqlite":
        return backup_sqlite(target)
    if connection.vendor == "postgresql":
        return backup_postgresql(target)
    raise BackupError(f"no backup for the {connection.vendor} database here; use its own tools")
