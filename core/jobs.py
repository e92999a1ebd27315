"""Background work as rows: asked for in a transaction, run by a worker exactly once.

Domain code never names a Celery task. It calls `job_enqueue` inside its transaction; once that
commits, the dispatcher the `tasks` app registered sends the job to a worker. Each delivery claims the
job with a conditional update (`job_claim`) before running it, so a job runs once however often it is
delivered. While it runs, `job_beat` records progress and a heartbeat; a job whose heartbeat stopped
(its worker died) or whose message never arrived is sent again by `jobs_sweep`, and the claim lets
the new delivery take it over. Only the delivery holding the current claim (its attempt number) may
record progress or finish the job.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar, overload

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser  # stands in for volunteers.User: core never imports volunteers
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.models import Job

log = logging.getLogger(__name__)

Dispatcher = Callable[[int, str], None]
_JobT = TypeVar("_JobT", bound=Job)  # a Job or a row of a table extending it
_dispatcher: Dispatcher | None = None


def dispatcher_set(dispatcher: Dispatcher | None) -> None:
    """The `tasks` app registers how a job reaches a worker (at start-up, in every process)."""
    global _dispatcher
    _dispatcher = dispatcher


def job_lease() -> timedelta:
    """How long a running job may go without a heartbeat before another delivery takes it over."""
    return timedelta(seconds=settings.PB_JOB_LEASE_SECONDS)


def job_resend_after() -> timedelta:
    """How long a job may wait in the broker (or for a taken-over delivery) before it is sent again."""
    return timedelta(seconds=settings.PB_JOB_RESEND_SECONDS)


@overload
def job_enqueue(
    job: _JobT, *, task: str = "", args: dict[str, Any] | None = None, requested_by: AbstractBaseUser | None = None
) -> _JobT: ...


@overload
def job_enqueue(
    job: None = None,
    *,
    task: str = "",
    args: dict[str, Any] | None = None,
    requested_by: AbstractBaseUser | None = None,
) -> Job: ...


def job_enqueue(
    job: Job | None = None,
    *,
    task: str = "",
    args: dict[str, Any] | None = None,
    requested_by: AbstractBaseUser | None = None,
) -> Job:
    """Save `job` (a new Job or a new row of a table extending it) or a plain Job(task, args), and send
    it to a worker once the current transaction commits (at once outside a transaction)."""
    if job is None:
        # Job.requested_by is the swappable user model (volunteers.User), which core cannot name.
        job = Job(task=task, args=args or {}, requested_by=requested_by)  # type: ignore[misc]
    job.status, job.queued_at = Job.Status.QUEUED, timezone.now()
    job.save()
    job_id, name = job.pk, job.task
    transaction.on_commit(lambda: _send(job_id, name))
    return job


def _send(job_id: int, task: str) -> None:
    # A broker that is down must not turn a committed request into an error page: the job is in the
    # database, and the sweeper sends it again.
    if _dispatcher is None:
        log.error("No job dispatcher registered; job %s (%s) waits for the sweeper", job_id, task)
        return
    try:
        _dispatcher(job_id, task)
    except Exception:
        log.exception("Job %s (%s) not sent; the sweeper sends it again", job_id, task)


def _claimable(now: datetime) -> Q:
    return Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING, heartbeat_at__lt=now - job_lease())


def job_claim(job_id: int, *, now: datetime | None = None) -> int | None:
    """Claim job `job_id` for this delivery: the attempt number that now owns it, or None when another
    delivery holds it (or it has finished)."""
    now = now or timezone.now()
    claimed = Job.objects.filter(_claimable(now), pk=job_id).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, progress=0, error="", attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return Job.objects.values_list("attempts", flat=True).get(pk=job_id)


def _owned(job_id: int, attempt: int) -> QuerySet[Job]:
    return Job.objects.filter(pk=job_id, status=Job.Status.RUNNING, attempts=attempt)


def job_beat(job_id: int, attempt: int, progress: int | None = None) -> bool:
    """A sign of life (and the progress, in percent); False when this delivery no longer owns the job."""
    changes: dict[str, Any] = {"heartbeat_at": timezone.now()}
    if progress is not None:
        changes["progress"] = progress
    return bool(_owned(job_id, attempt).update(**changes))


@contextmanager
def job_heartbeat(job_id: int, attempt: int) -> Iterator[None]:
    """Beat for the job from a thread (with its own database connection) every PB_JOB_HEARTBEAT_SECONDS
    while the block runs, so a long step without progress does not look like a dead worker. A beat
    that fails (the database busy) is skipped; the next one tries again."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.PB_JOB_HEARTBEAT_SECONDS):
                try:
                    if not job_beat(job_id, attempt):
                        return  # taken over or finished: nothing more to say
                except Exception:  # noqa: BLE001 — a missed beat is not an error; the lease allows several
                    log.warning("job %s: heartbeat skipped", job_id, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def job_finish(job_id: int, attempt: int, *, failed: bool = False, error: str = "") -> bool:
    """Mark the job done (or failed, with what went wrong); False when this delivery no longer owns it."""
    status = Job.Status.FAILED if failed else Job.Status.DONE
    now = timezone.now()
    return bool(
        _owned(job_id, attempt).update(
            status=status, progress=100, finished_at=now, heartbeat_at=now, error=error[:300]
        )
    )


def job_release(job_id: int, attempt: int, *, error: str = "") -> bool:
    """Give the job back to the queue for a retry (the delivery failed and will be retried)."""
    now = timezone.now()
    return bool(_owned(job_id, attempt).update(status=Job.Status.QUEUED, queued_at=now, error=error[:300]))


def jobs_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send again the jobs that are stuck: queued for longer than the resend delay (the message was lost,
    or no worker took it), or running without a heartbeat for longer than the lease (the worker died).
    Each is marked as sent first (a conditional update), so two sweeps at once send it once. Returns how
    many were sent."""
    now = now or timezone.now()
    stuck = Q(queued_at__lt=now - job_resend_after()) & _claimable(now)
    sent = 0
    for job_id, task in Job.objects.filter(stuck).order_by("queued_at").values_list("pk", "task")[:limit]:
        if Job.objects.filter(stuck, pk=job_id).update(queued_at=now):
            _send(job_id, task)
            sent += 1
    return sent


def jobs_clear_finished(*, tasks: list[str], older_than: timedelta, now: datetime | None = None) -> int:
    """Delete finished jobs of the given (plain) tasks older than `older_than`: an email job is history
    nobody reads after a month. Jobs with a table of their own (imports, reports…) are kept."""
    now = now or timezone.now()
    done = (Job.Status.DONE, Job.Status.FAILED)
    deleted, _by_model = Job.objects.filter(task__in=tasks, status__in=done, finished_at__lt=now - older_than).delete()
    return deleted


def job_extension(job: Job) -> Job | None:
    """The row of the table extending `job` (an ImportJob, ExportJob, RecognitionReport…), or None for a
    plain job. Found through the parent links, so this module names none of those apps."""
    for relation in Job._meta.related_objects:
        if relation.one_to_one and relation.field.remote_field.parent_link:
            try:
                # A parent link always has an accessor (str | None in the stubs, for a hidden relation).
                return getattr(job, relation.get_accessor_name())  # type: ignore[arg-type]
            # A parent link's related model is a model class (the stubs allow the string "self").
            except relation.related_model.DoesNotExist:  # type: ignore[union-attr]
                continue
    return None


def job_state(job: Job) -> dict[str, Any]:
    """What a progress bar needs; the one shape every job page polls."""
    return {
        "status": job.status,
        "progress": job.progress,
        "done": job.status == Job.Status.DONE,
        "attempts": job.attempts,
        "retrying": job.retrying,
    }
