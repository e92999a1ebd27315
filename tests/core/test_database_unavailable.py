"""While the database is away (refused, frozen, restarting, a statement stuck on a lock) visitors get a
503 page in both languages with Retry-After, fast; a restarted PostgreSQL costs no error at all. Run
against a real gunicorn (the README's line) in a process of its own."""

import json
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from core.db import database_unavailable

ROOT = Path(settings.BASE_DIR)
ACCESS_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FrozenDatabase:
    """A TCP listener that accepts connections and never answers: a database server that froze."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


class Gunicorn:
    """gunicorn as the README starts it (one worker), with production settings."""

    def __init__(self, tmp_path, **env):
        self.port = _free_port()
        self.log = tmp_path / "gunicorn.log"
        run_env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PB_TEST_DB_DIR")}
        run_env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY=secrets.token_urlsafe(64),
            SITE_URL="https://probono.example.cn",
            ALLOWED_HOSTS="127.0.0.1",
            EMAIL_HOST="smtp.example.cn",
            SECURE_SSL_REDIRECT="0",
            PB_VAR_DIR=str(tmp_path),
            PB_LOG_FORMAT="json",
        )
        run_env.update(env)
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
            "--timeout", "60", "--graceful-timeout", "5", "--max-requests", "1000", "--access-logfile", "-",
            "--access-logformat", ACCESS_FORMAT,
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=run_env, stdout=self.log.open("w"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise AssertionError(f"gunicorn did not start:\n{self.log.read_text()}")

    def get(self, path, headers=None):
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers or {})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read().decode(), time.monotonic() - started
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(), time.monotonic() - started

    def lines(self):
        return self.log.read_text().splitlines()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def frozen_database():
    frozen = FrozenDatabase()
    yield frozen
    frozen.close()


def test_a_frozen_database_gets_a_503_in_both_languages_within_the_connect_timeout(tmp_path, frozen_database):
    server = Gunicorn(
        tmp_path,
        DATABASE_URL=f"postgres://pb:secret@127.0.0.1:{frozen_database.port}/probono",
        PB_DB_CONNECT_TIMEOUT="2",
    )
    try:
        status, headers, body, elapsed = server.get("/", {"X-Request-ID": "probe-frozen-0001"})
        assert status == 503
        assert headers["Retry-After"] == "30"
        assert "暂停服务" in body and "Service unavailable" in body
        assert elapsed < 8, f"took {elapsed:.1f} s"
        assert headers["X-Request-ID"] == "probe-frozen-0001"

        # The process itself is fine; it is not ready.
        assert server.get("/healthz")[0] == 200
        status, _headers, body, _elapsed = server.get("/readyz")
        assert status == 503
        assert json.loads(body)["checks"]["database"].startswith("unavailable")
    finally:
        server.stop()

    # The logs: JSON lines with the request id, status and timing, and gunicorn's access line with the id.
    records = [json.loads(line) for line in server.lines() if line.startswith("{")]
    request_line = next(
        r for r in records if r["logger"] == "pb.request" and r.get("request_id") == "probe-frozen-0001"
    )
    assert request_line["status"] == 503 and request_line["path"] == "/" and request_line["duration_ms"] > 0
    assert request_line["user_id"] is None
    assert any('"GET / HTTP/1.1" 503' in line and "probe-frozen-0001" in line for line in server.lines())


def test_a_database_that_refuses_connections_gets_a_503_at_once(tmp_path):
    server = Gunicorn(tmp_path, DATABASE_URL=f"postgres://pb:secret@127.0.0.1:{_free_port()}/probono")
    try:
        status, headers, body, elapsed = server.get("/")
    finally:
        server.stop()
    assert (status, headers["Retry-After"]) == (503, "30")
    assert "Service unavailable" in body
    assert elapsed < 5


pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL server of the test run's own")


def _url():
    params = connection.settings_dict
    return f"postgres://{params['USER']}@{params['HOST']}:{params.get('PORT') or 5432}/{params['NAME']}"


@pg_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restarted_database_costs_no_error(tmp_path):
    """Pooled connections are checked before a request reuses them (CONN_HEALTH_CHECKS): when the server
    drops every connection (a restart), the next request opens a new one instead of failing."""
    server = Gunicorn(tmp_path, DATABASE_URL=_url(), CONN_MAX_AGE="600", PB_HEARTBEAT_STALE_SECONDS="0")
    try:
        assert server.get("/readyz")[0] == 200
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [connection.settings_dict["NAME"]],
            )
            assert cursor.fetchall(), "gunicorn kept no connection open"
        for _ in range(3):
            status, _headers, body, _elapsed = server.get("/readyz")
            assert status == 200, body
            assert server.get("/")[0] < 500
    finally:
        server.stop()


@pg_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_statement_stuck_on_a_lock_is_cancelled_and_answered_with_a_503(tmp_path):
    server = Gunicorn(tmp_path, DATABASE_URL=_url(), PB_DB_STATEMENT_TIMEOUT="1")
    params = connection.settings_dict
    locker = psycopg.connect(
        host=params["HOST"], port=params.get("PORT") or 5432, user=params["USER"], dbname=params["NAME"]
    )
    try:
        locker.execute("LOCK TABLE wagtailcore_site IN ACCESS EXCLUSIVE MODE")  # held until rollback
        status, headers, body, elapsed = server.get("/")
        assert status == 503, body
        assert headers["Retry-After"] == "30"
        assert 0.9 < elapsed < 6
        locker.rollback()
        assert server.get("/")[0] < 500
    finally:
        locker.close()
        server.stop()


@pg_only
@pytest.mark.django_db
def test_web_processes_have_a_statement_timeout_and_background_ones_none():
    def shown(**env):
        run_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": _url(), **env}
        code = "from django.db import connection as c; k = c.cursor(); k.execute('SHOW statement_timeout'); print(k.fetchone()[0])"
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=run_env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]  # after the shell's "objects imported" note

    assert shown(PB_PROCESS="web") == "30s"
    assert shown() == "0"
    assert shown(PB_DB_STATEMENT_TIMEOUT_BACKGROUND="900") == "15min"


def _django_error(raiser):
    """What Django raises for a driver error (as django.db.utils.DatabaseErrorWrapper does): its own class
    of the same name, with the driver's error as the cause."""
    from django.db import utils

    try:
        raiser()
    except Exception as driver_error:  # noqa: BLE001
        try:
            django_class = next(
                getattr(utils, c.__name__) for c in type(driver_error).__mro__ if hasattr(utils, c.__name__)
            )
            raise django_class(*driver_error.args) from driver_error
        except Exception as exc:  # noqa: BLE001
            return exc
    raise AssertionError("nothing raised")


def test_which_errors_mean_the_database_is_away(tmp_path):
    # Refused: nothing listens on the port.
    refused = _django_error(lambda: psycopg.connect(host="127.0.0.1", port=_free_port(), dbname="x", connect_timeout=2))
    assert isinstance(refused, OperationalError) and database_unavailable(refused)

    # SQLite's file locked by another writer past the busy timeout.
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    waiter = sqlite3.connect(path, timeout=0.1)
    locked = _django_error(lambda: waiter.execute("INSERT INTO t VALUES (1)"))
    holder.close()
    waiter.close()
    assert database_unavailable(locked)

    # A bug is a bug: a missing table is an ordinary 500.
    bug = _django_error(lambda: sqlite3.connect(":memory:").execute("SELECT * FROM no_such_table"))
    assert isinstance(bug, OperationalError) and not database_unavailable(bug)
    assert database_unavailable(InterfaceError("connection already closed"))
    assert not database_unavailable(ValueError("no"))
