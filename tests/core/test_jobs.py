"""Background jobs as rows: sent once the asking transaction commits, claimed by exactly one delivery,
taken over when a worker dies, sent again when a message is lost, retried and then failed visibly."""

import datetime
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core import jobs
from core.jobs import (
    job_beat,
    job_claim,
    job_enqueue,
    job_finish,
    job_lease,
    jobs_clear_finished,
    jobs_sweep,
)
from core.models import Job
from tasks import dispatch
from tasks.runner import job_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """What reached the broker: (job id, task) pairs."""
    out = []
    monkeypatch.setattr(jobs, "_dispatcher", lambda job_id, task: out.append((job_id, task)))
    return out


def test_a_job_is_sent_only_when_its_transaction_commits(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            job = job_enqueue(task="rescore", args={"service_type_id": 1, "from_date": "2026-01-01"})
            assert sent == []  # not before the commit
    assert sent == [(job.pk, "rescore")]
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED


def test_a_rolled_back_request_leaves_no_job_and_sends_nothing(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            job_enqueue(task="rescore")
            raise RuntimeError("the request failed")
    assert sent == [] and not Job.objects.exists()


def test_a_broker_that_is_down_loses_nothing_and_the_sweeper_sends_it_later(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    def broker_down(job_id, task):
        raise ConnectionError("broker down")

    monkeypatch.setattr(jobs, "_dispatcher", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(task="signup_email", args={"kind": "confirmed", "signup_id": 1})  # no error
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
    later = []
    monkeypatch.setattr(jobs, "_dispatcher", lambda job_id, task: later.append(job_id))
    assert jobs_sweep() == 0  # not yet: the message may still be on its way
    assert jobs_sweep(now=timezone.now() + datetime.timedelta(seconds=settings.PB_JOB_RESEND_SECONDS + 1)) == 1
    assert later == [job.pk]


def test_one_delivery_claims_a_job_and_a_second_finds_it_taken():
    job = Job.objects.create(task="rescore")
    assert job_claim(job.pk) == 1
    assert job_claim(job.pk) is None
    assert job_finish(job.pk, 1)
    assert job_claim(job.pk) is None  # finished: nothing to run
    job.refresh_from_db()
    assert (job.status, job.progress, job.attempts) == (Job.Status.DONE, 100, 1)


def test_a_job_whose_worker_died_is_taken_over_and_the_old_delivery_can_no_longer_finish_it():
    job = Job.objects.create(task="rescore")
    first = job_claim(job.pk)
    assert job_beat(job.pk, first, 40)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - job_lease() - datetime.timedelta(seconds=1))
    second = job_claim(job.pk)
    assert (first, second) == (1, 2)
    assert not job_beat(job.pk, first, 90) and not job_finish(job.pk, first)  # the old owner is out
    assert job_finish(job.pk, second)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.DONE, 2)


def test_a_live_job_is_not_sent_again_but_a_stalled_one_is(sent):
    live = Job.objects.create(task="rescore")
    stalled = Job.objects.create(task="honour_roll")
    job_claim(live.pk), job_claim(stalled.pk)
    old = timezone.now() - datetime.timedelta(hours=1)
    Job.objects.filter(pk=live.pk).update(queued_at=old)
    Job.objects.filter(pk=stalled.pk).update(queued_at=old, heartbeat_at=old)
    assert jobs_sweep() == 1
    assert sent == [(stalled.pk, "honour_roll")]
    assert jobs_sweep() == 0  # marked as sent: two sweeps at once send it once


# serialized_rollback like every transactional test here: the data migrations' rows come back after.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_deliveries_at_once_claim_a_job_once():
    job = Job.objects.create(task="rescore")
    barrier, won, errors = threading.Barrier(20), [], []

    def deliver():
        try:
            barrier.wait(10)
            attempt = job_claim(job.pk)
            if attempt is not None:
                won.append(attempt)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and won == [1]


class _Task:
    """The bits of a bound Celery task `job_run` uses."""

    max_retries = 2

    def __init__(self, retries):
        self.request = type("Request", (), {"retries": retries})()

    def retry(self, exc):
        return RuntimeError(f"retry: {exc}")


def test_an_error_gives_the_job_back_for_a_retry_and_the_last_try_marks_it_failed():
    job = Job.objects.create(task="rescore")

    def broken(job):
        raise ValueError("database went away")

    with pytest.raises(RuntimeError, match="retry"):
        job_run(_Task(retries=0), job.pk, broken)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.retrying) == (Job.Status.QUEUED, 1, True)
    with pytest.raises(ValueError):
        job_run(_Task(retries=2), job.pk, broken)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "database went away" in job.error
    assert job_run(_Task(retries=0), job.pk, broken) is None  # failed jobs are not run again


def test_finished_plain_jobs_are_cleared_after_a_while_and_nothing_else():
    now = timezone.now()
    old = now - datetime.timedelta(days=40)
    done = Job.objects.create(task="signup_email", status=Job.Status.DONE, finished_at=old)
    recent = Job.objects.create(task="signup_email", status=Job.Status.DONE, finished_at=now)
    waiting = Job.objects.create(task="signup_email")
    report = Job.objects.create(task="report", status=Job.Status.DONE, finished_at=old)
    assert jobs_clear_finished(tasks=list(dispatch.PLAIN), older_than=datetime.timedelta(days=30)) == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk, report.pk}
    assert not Job.objects.filter(pk=done.pk).exists()
