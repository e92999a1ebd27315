"""Re-scoring through real Celery workers (separate processes on the test run's database and broker:
SQLite and the filesystem queue by default, PostgreSQL and Redis in CI's second run): however the
job is delivered — killed half-way and delivered again, or delivered twice at once — each approved
record ends up with exactly one re-scoring adjustment, at the points the new rule gives it.

How a run is paused without a hook in the application: `rescore_apply` works one person at a time,
each in a transaction that first locks that person (`select_for_update` on the contributor; on
SQLite, `BEGIN IMMEDIATE`, the database's write lock). The test holds that lock itself, from a
thread with a connection of its own, so the worker waits exactly where a busy production database
would make it wait, and is killed there.

- PostgreSQL: the test locks the second person. The worker posts the first person's adjustments,
  commits, and waits for the second (seen in `pg_stat_activity`): the kill lands half-way, with one
  person re-scored and two not.
- SQLite: the write lock is the whole database's, so the worker waits before it can even claim the
  job: the kill lands before anything is written.

The killed job is then sent again by the sweeper (`core.jobs.jobs_sweep`, on the beat schedule in
production; called here) once its heartbeat is older than the lease, on either broker: a second worker
claims it and posts what the killed run had not. (Redis may also redeliver the unacknowledged message;
a delivery that finds the job's claim still alive does nothing.)"""

import datetime
import re
import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from kombu import Exchange, Queue

from config.celery import app
from core.jobs import jobs_sweep
from pointbook.ledger import rescore, selectors, services
from pointbook.models import LedgerEntry, PointsRule
from tests.factories import ContributorFactory
from tests.support.worker import Worker, worker_env
from volunteers.models import Contributor, ServiceRecord, ServiceType

H = datetime.timedelta(hours=1)
LEASE = 3  # seconds without a heartbeat before a job is taken over
RECEIVED = re.compile(r"Task tasks\.points\.rescore_apply_task\[[0-9a-f-]+\] received")
SUCCEEDED = re.compile(r"Task tasks\.points\.rescore_apply_task\[[0-9a-f-]+\] succeeded in ([0-9.]+)s: (\d+)")
# Redis hands an unacknowledged message to a worker again once its visibility timeout has passed,
# checked every unacked_restore_interval seconds (in production an hour; here a few seconds).
REDIS_REDELIVERY = {
    "visibility_timeout": 6,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
    "unacked_mutex_expire": 2,
}


def _wait_for(condition, *, seconds, what, workers=()):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- worker {w.pid} ---\n{w.output()[-4000:]}" for w in workers)
            raise AssertionError(f"timed out after {seconds}s waiting for {what}\n{logs}")
        time.sleep(0.05)


def _redis():
    from django.conf import settings

    return settings.CELERY_BROKER_URL.startswith("redis")


@pytest.fixture
def worker_run(tmp_path, settings):
    """A queue of the test's own and the workers started on it; none outlives the test. Jobs beat every
    second and are taken over after 3 s without a beat (production: 20 s and 2 minutes)."""
    run = type("WorkerRun", (), {})()
    run.queue = f"test-rescore-{uuid.uuid4().hex[:8]}"
    run.workers = []
    settings.PB_JOB_QUEUE = run.queue
    settings.PB_JOB_LEASE_SECONDS, settings.PB_JOB_RESEND_SECONDS = LEASE, 0

    def start(*, log_name, pool="solo", concurrency=1, redeliver_soon=False):
        env = worker_env(
            mail_dir=tmp_path / "mail",
            tmp_dir=tmp_path / "tmp",
            broker_options=REDIS_REDELIVERY if redeliver_soon and _redis() else None,
            PB_JOB_LEASE_SECONDS=LEASE,
            PB_JOB_HEARTBEAT_SECONDS=1,
        )
        worker = Worker.start(
            env,
            queue=run.queue,
            log=tmp_path / f"{log_name}.log",
            pool=pool,
            concurrency=concurrency,
            name=f"{run.queue}-{log_name}",
        )
        run.workers.append(worker)
        return worker

    run.start = start
    yield run
    for worker in run.workers:
        worker.end()
    with app.connection_for_write() as conn:  # on Redis the queue's binding outlives the test
        queue = Queue(run.queue, Exchange(run.queue, type="direct"), routing_key=run.queue)(conn.default_channel)
        queue.declare()
        queue.delete()


@pytest.fixture
def scored(world):
    """Three people, each with two 3-hour hotline records on one day, approved under the seeded rule
    (10 pts/h, no cap: 30 each); then a new version from the day before: 14 pts/h, at most 50 a day.
    Re-scored, each person's first record goes 30 → 42 and the second 30 → 8 (the day's cap)."""
    s = type("Scored", (), {})()
    s.hotline = ServiceType.objects.get(code="hotline_12348")
    s.day = timezone.localdate() - datetime.timedelta(days=4)
    s.staff, s.scope = world.city_staff, world.city
    s.people = [ContributorFactory(region=world.district_a) for _ in range(3)]
    s.records, s.expected = [], {}
    for person in s.people:
        for hour, target in ((9, Decimal("42.00")), (13, Decimal("8.00"))):
            start = timezone.make_aware(datetime.datetime.combine(s.day, datetime.time(hour)))
            record = ServiceRecord.objects.create(
                contributor=person,
                service_type=s.hotline,
                venue=world.venue_a,
                region=world.district_a,
                date=s.day,
                started_at=start,
                ended_at=start + 3 * H,
                hours=Decimal("3.00"),
                status=ServiceRecord.Status.SUBMITTED,
                description="12348热线值班",
            )
            award = services.record_approve(actor=s.staff, scope=s.scope, record=record)
            assert award.points == Decimal("30.00")
            s.records.append(record)
            s.expected[record.pk] = target
    PointsRule.objects.create(
        service_type=s.hotline,
        effective_from=s.day - datetime.timedelta(days=1),
        points_per_hour=Decimal("14"),
        daily_cap=Decimal("50"),
        created_by=s.staff,
    )
    assert len(_plan(s)) == 6
    return s


def _plan(s):
    return list(rescore.rescore_plan(service_type_id=s.hotline.pk, from_date=s.day))


def _enqueue(s):
    """Staff confirm the re-score: a job, sent to the test's queue (PB_JOB_QUEUE) when this commits."""
    with transaction.atomic():
        rescore.rescore_start(actor=s.staff, service_type_id=s.hotline.pk, from_date=s.day)


def _adjustments(record):
    return LedgerEntry.objects.filter(source=LedgerEntry.Source.RESCORE, source_id=record.pk)


def _adjusted(records):
    return {r.pk for r in records if _adjustments(r).exists()}


def _check_each_record_rescored_once(s):
    for record in s.records:
        [adjustment] = _adjustments(record)  # exactly one
        assert adjustment.kind == LedgerEntry.Kind.ADJUSTMENT and adjustment.contributor_id == record.contributor_id
        assert adjustment.points == s.expected[record.pk] - Decimal("30.00")
        assert Decimal(adjustment.breakdown["rescored_to"]) == s.expected[record.pk]
    for person in s.people:
        mine = list(selectors.records_of(person))
        assert {r.pk: r.points for r in mine} == {
            r.pk: s.expected[r.pk] for r in s.records if r.contributor_id == person.pk
        }
        assert selectors.points_summary(person)["lifetime"] == Decimal("50.00")
    assert _plan(s) == []
    assert services.ledger_verify() == []


class PersonLock:
    """Holds the lock `rescore_apply` takes for `person` until released, from a thread with a
    connection of its own: the contributor row on PostgreSQL, the database's write lock on SQLite."""

    def __init__(self, person):
        self.person, self.holding, self._release = person, threading.Event(), threading.Event()
        self.error = None
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        try:
            with transaction.atomic():  # BEGIN IMMEDIATE on SQLite: the write lock from here on
                Contributor.objects.select_for_update().get(pk=self.person.pk)
                self.holding.set()
                self._release.wait(60)
        except Exception as exc:  # noqa: BLE001 — reported by release()
            self.error = exc
            self.holding.set()
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        assert self.holding.wait(10) and self.error is None, self.error
        return self

    def release(self):
        self._release.set()
        self._thread.join(10)
        assert not self._thread.is_alive() and self.error is None, self.error

    def __exit__(self, *exc):
        self.release()


def _waiting_on_locks():
    """Other connections to the test database waiting for a lock (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _log_count(pattern, worker):
    return len(pattern.findall(worker.output()))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_rescore_leaves_each_record_rescored_exactly_once(worker_run, scored):
    s = scored
    first_person, second_person = sorted(s.people, key=lambda p: p.pk)[:2]  # the job's order
    postgres = connection.vendor == "postgresql"
    first_records = [r for r in s.records if r.contributor_id == first_person.pk]

    _enqueue(s)
    with PersonLock(second_person if postgres else first_person) as lock:
        first = worker_run.start(log_name="first", redeliver_soon=True)
        _wait_for(
            lambda: _log_count(RECEIVED, first), seconds=60, what="the first worker to take the job", workers=[first]
        )
        if postgres:
            _wait_for(
                lambda: _adjusted(s.records) == {r.pk for r in first_records} and _waiting_on_locks(),
                seconds=30,
                what="the first person re-scored and the job waiting for the second",
                workers=[first],
            )
        else:
            time.sleep(1)  # the solo worker runs what it received at once: now it waits for the write lock
        assert first.running() and not _log_count(SUCCEEDED, first), first.output()[-4000:]
        first.kill()
        # Half-way: what the dead worker committed stays, nothing else was posted.
        assert _adjusted(s.records) == ({r.pk for r in first_records} if postgres else set())
        lock.release()
    assert services.ledger_verify() == []

    time.sleep(LEASE + 1)  # the killed run's heartbeat is older than the lease
    assert jobs_sweep() == 1  # what the beat schedule does every few minutes
    second = worker_run.start(log_name="second", redeliver_soon=True)
    _wait_for(
        lambda: _log_count(SUCCEEDED, second),
        seconds=60,
        what="the job to run again and finish",
        workers=[first, second],
    )
    assert second.stop() == 0, second.output()[-4000:]

    [(_runtime, posted)] = SUCCEEDED.findall(second.output())
    assert int(posted) == (4 if postgres else 6)  # what the killed run had not posted
    _check_each_record_rescored_once(s)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_rescore_job_delivered_twice_at_once_adjusts_each_record_once(worker_run, scored):
    """Staff confirming twice (or a redelivery while the first run is still going): two runs in two
    worker processes, both held at the first person's lock until both are there, then let go."""
    s = scored
    first_person = min(s.people, key=lambda p: p.pk)
    held_for = 3.0

    _enqueue(s)  # staff confirm twice: two jobs, run at once
    _enqueue(s)
    with PersonLock(first_person) as lock:
        worker = worker_run.start(log_name="pair", pool="prefork", concurrency=2)
        _wait_for(lambda: _log_count(RECEIVED, worker) == 2, seconds=60, what="both runs taken", workers=[worker])
        if connection.vendor == "postgresql":
            _wait_for(
                lambda: _waiting_on_locks() == 2,
                seconds=30,
                what="both runs waiting for the first person",
                workers=[worker],
            )
        time.sleep(held_for)
        assert _adjusted(s.records) == set()
        lock.release()

    _wait_for(lambda: _log_count(SUCCEEDED, worker) == 2, seconds=60, what="both runs to finish", workers=[worker])
    assert worker.stop() == 0, worker.output()[-4000:]

    runs = [(float(runtime), int(posted)) for runtime, posted in SUCCEEDED.findall(worker.output())]
    assert sum(posted for _runtime, posted in runs) == 6, runs
    # Both were held at the lock (a run on its own takes a fraction of a second): they overlapped.
    assert all(runtime >= held_for - 1 for runtime, _posted in runs), runs
    _check_each_record_rescored_once(s)
