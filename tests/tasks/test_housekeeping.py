"""The beat job that clears expired sessions, run eagerly and through a real worker on the
configured broker (the filesystem queue by default, Redis in CI's second run)."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery import app
from tasks.housekeeping import clear_expired_sessions


def _sessions(expired, live):
    now = timezone.now()
    for i in range(expired):
        store = SessionStore()
        store["n"] = i
        store.create()
        Session.objects.filter(session_key=store.session_key).update(expire_date=now - timedelta(days=1))
    for i in range(live):
        store = SessionStore()
        store["n"] = i
        store.create()


def test_beat_schedule_runs_the_session_cleanup_nightly():
    entry = app.conf.beat_schedule["clear-expired-sessions"]
    assert entry["task"] == clear_expired_sessions.name
    assert entry["task"] in app.tasks


@pytest.mark.django_db
def test_clearing_sessions_deletes_only_expired_ones_and_is_safe_twice():
    _sessions(expired=3, live=2)
    assert clear_expired_sessions() == 3
    assert clear_expired_sessions() == 0
    assert Session.objects.count() == 2


@pytest.mark.worker
# serialized_rollback like every transactional test here: data migrations (home page, catalogue)
# come back after the flush, and the next such test can load them without clashing.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_the_job_from_the_broker():
    _sessions(expired=4, live=1)
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        clear_expired_sessions.delay()
        deadline = time.monotonic() + 30
        while Session.objects.count() > 1 and time.monotonic() < deadline:
            time.sleep(0.2)
    assert Session.objects.count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_stamps_the_workers_heartbeat():
    from core.health import WORKER, heartbeats
    from tasks.housekeeping import worker_heartbeat

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        worker_heartbeat.delay()
        deadline = time.monotonic() + 30
        while WORKER not in heartbeats() and time.monotonic() < deadline:
            time.sleep(0.2)
    assert timezone.now() - heartbeats()[WORKER] < timedelta(minutes=1)
