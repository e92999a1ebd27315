"""Is the site able to work: the database, the cache, the broker, and the background processes (beat and
the workers). Read by /healthz and /readyz (core/health_middleware.py) and by the staff overview.

Each check is cheap on purpose (a load balancer asks every few seconds): `SELECT 1`, one cache set and
get, one broker connection with a short timeout, and the two heartbeat rows read by primary key. Nothing
here reads a table that grows."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone
from kombu import Connection

from core.models import Heartbeat, Job

log = logging.getLogger(__name__)

BEAT, WORKER = "beat", "worker"
# Jobs that are emails: what "oldest unsent email" counts (volunteers.rota.emails queues them as jobs).
EMAIL_TASKS = ("signup_email",)


def heartbeat_stamp(name: str, *, now: datetime | None = None) -> None:
    """Record that process `name` is alive now (one row per name)."""
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": now or timezone.now()})


def heartbeats() -> dict[str, datetime]:
    """When each background process was last seen (one query)."""
    return dict(Heartbeat.objects.filter(name__in=(BEAT, WORKER)).values_list("name", "seen_at"))


def stale_after() -> timedelta:
    return timedelta(seconds=settings.PB_HEARTBEAT_STALE_SECONDS)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    token = timezone.now().isoformat()
    cache.set("pb:readyz", token, 30)
    if cache.get("pb:readyz") != token:
        raise RuntimeError("the cache did not keep a value")


def _check_broker() -> None:
    # The broker Celery uses (settings.CELERY_BROKER_URL), reached through kombu as Celery would.
    timeout = settings.PB_READYZ_BROKER_TIMEOUT
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    with Connection(settings.CELERY_BROKER_URL, transport_options=options, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)


def readiness(*, now: datetime | None = None) -> tuple[bool, dict[str, str]]:
    """Whether this web process can serve, and each check's answer ("ok" or what is wrong). The beat
    check fails when the scheduler has not been seen for PB_HEARTBEAT_STALE_SECONDS (0: not checked)."""
    now = now or timezone.now()
    checks: dict[str, str] = {}
    for name, check in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 -- any failure is "not ready"; the reason is reported
            log.warning("readyz: %s unavailable: %r", name, exc)
            checks[name] = f"unavailable: {type(exc).__name__}"
    if settings.PB_HEARTBEAT_STALE_SECONDS:
        try:
            seen = heartbeats().get(BEAT) if checks["database"] == "ok" else None
        except Exception as exc:  # noqa: BLE001 -- as above
            log.warning("readyz: beat's heartbeat unreadable: %r", exc)
            checks["beat"] = f"unknown: {type(exc).__name__}"
        else:
            if checks["database"] != "ok":
                checks["beat"] = "unknown"
            elif seen is None:
                checks["beat"] = "never seen"
            else:
                checks["beat"] = "ok" if now - seen <= stale_after() else "stale"
    return all(value == "ok" for value in checks.values()), checks


@dataclass(frozen=True)
class QueueState:
    """What the staff overview shows of the background work: jobs waiting and running, how long the
    oldest waiting job and the oldest unsent email have waited, when beat and a worker were last seen, and
    whether either looks stopped."""

    queued: int
    running: int
    oldest_job_at: datetime | None
    emails_waiting: int
    oldest_email_at: datetime | None
    beat_seen_at: datetime | None
    worker_seen_at: datetime | None
    beat_stopped: bool
    workers_stopped: bool

    @property
    def warning(self) -> bool:
        return self.beat_stopped or self.workers_stopped


def queue_state(*, now: datetime | None = None) -> QueueState:
    """Two queries whatever the backlog: open jobs grouped by status and task (index on status, task,
    created_at), and the heartbeat rows. Workers look stopped when none took beat's heartbeat task
    lately, or when a job has waited longer than PB_QUEUE_STALE_SECONDS."""
    now = now or timezone.now()
    counts: dict[str, int] = {Job.Status.QUEUED: 0, Job.Status.RUNNING: 0}
    oldest: datetime | None = None
    emails, oldest_email = 0, None
    groups = (
        Job.objects.filter(status__in=Job.OPEN)
        .order_by()
        .values("status", "task")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
    )
    for row in groups:
        counts[row["status"]] += row["n"]
        if row["status"] == Job.Status.QUEUED:  # a long report running is not a job left waiting
            oldest = min(filter(None, (oldest, row["oldest"])), default=None)
        if row["task"] in EMAIL_TASKS:
            emails += row["n"]
            oldest_email = min(filter(None, (oldest_email, row["oldest"])), default=None)
    seen = heartbeats()
    limit = stale_after()
    beat_at, worker_at = seen.get(BEAT), seen.get(WORKER)
    beat_stopped = beat_at is None or now - beat_at > limit
    waited_too_long = oldest is not None and now - oldest > timedelta(seconds=settings.PB_QUEUE_STALE_SECONDS)
    # With beat stopped nobody sends the worker's heartbeat task: only a job left waiting says so then.
    worker_silent = not beat_stopped and (worker_at is None or now - worker_at > limit)
    return QueueState(
        queued=counts[Job.Status.QUEUED],
        running=counts[Job.Status.RUNNING],
        oldest_job_at=oldest,
        emails_waiting=emails,
        oldest_email_at=oldest_email,
        beat_seen_at=beat_at,
        worker_seen_at=worker_at,
        beat_stopped=beat_stopped,
        workers_stopped=worker_silent or waited_too_long,
    )


def as_json(ready: bool, checks: dict[str, Any]) -> dict[str, Any]:
    return {"status": "ok" if ready else "unavailable", "checks": checks}
