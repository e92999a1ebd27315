"""/healthz and /readyz: no login, no session, no host check, nothing heavy; beat and the workers' heartbeats."""

import json
import time
from datetime import timedelta

import pytest
from celery import current_app
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.health import BEAT, WORKER, heartbeat_stamp, heartbeats
from core.models import Heartbeat
from tasks.beat import HeartbeatScheduler
from tasks.housekeeping import worker_heartbeat


def _json(response):
    return json.loads(response.content)


def test_healthz_answers_without_login_or_database(client):
    # No django_db mark: touching the database would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert _json(response) == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_readyz_is_ready_when_database_cache_broker_and_beat_answer(client):
    heartbeat_stamp(BEAT)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert _json(response) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "beat": "ok"},
    }
    # Cheap: SELECT 1, the heartbeat row, and (without Redis) the cache table; no domain table.
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "volunteers_" not in tables and "pointbook_" not in tables and "core_job" not in tables


@pytest.mark.django_db
def test_readyz_fails_when_beat_was_never_seen_or_stopped(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert _json(response)["checks"]["beat"] == "never seen"

    heartbeat_stamp(BEAT, now=timezone.now() - timedelta(minutes=6))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert _json(response)["status"] == "unavailable"
    assert _json(response)["checks"]["beat"] == "stale"


@pytest.mark.django_db
def test_readyz_can_leave_beat_out(client, settings):
    settings.PB_HEARTBEAT_STALE_SECONDS = 0
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "beat" not in _json(response)["checks"]


@pytest.mark.django_db
def test_readyz_fails_fast_when_the_broker_is_away(client, settings):
    heartbeat_stamp(BEAT)
    settings.PB_READYZ_BROKER_TIMEOUT = 1
    # A Redis port where nothing listens.
    settings.CELERY_BROKER_URL, settings.CELERY_BROKER_TRANSPORT_OPTIONS = "redis://127.0.0.1:1/0", {}
    started = time.monotonic()
    response = client.get("/readyz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    checks = _json(response)["checks"]
    assert checks["broker"].startswith("unavailable")
    assert checks["database"] == checks["cache"] == "ok"
    assert elapsed < 10


@pytest.mark.django_db
def test_probes_answer_any_host_over_plain_http(client, settings):
    """A load balancer asks by the machine's address, without TLS: no DisallowedHost, no redirect."""
    settings.SECURE_SSL_REDIRECT = True
    heartbeat_stamp(BEAT)
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    # Every other page still checks the host.
    assert client.get("/", HTTP_HOST="10.1.2.3:8000").status_code == 400


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # beat closes its connection after each stamp
def test_beat_stamps_its_heartbeat_as_it_ticks(tmp_path):
    scheduler = HeartbeatScheduler(app=current_app, schedule_filename=str(tmp_path / "schedule"), lazy=True)
    scheduler.setup_schedule()
    try:
        assert scheduler.tick() <= 60  # wakes at least once a minute to stamp again
    finally:
        scheduler.close()
    assert timezone.now() - heartbeats()[BEAT] < timedelta(seconds=10)
    assert Heartbeat.objects.count() == 1


@pytest.mark.django_db
def test_the_worker_heartbeat_task_stamps_worker_and_is_on_the_beat_schedule():
    entry = current_app.conf.beat_schedule["worker-heartbeat"]
    assert entry["task"] == worker_heartbeat.name
    worker_heartbeat.apply()  # as a worker would run it (eagerly here)
    worker_heartbeat.apply()
    assert list(Heartbeat.objects.values_list("name", flat=True)) == [WORKER]
    assert current_app.conf.beat_scheduler == "tasks.beat:HeartbeatScheduler"
