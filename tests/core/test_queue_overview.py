"""The staff overview shows the background work: jobs waiting and running, the oldest job and email
waiting, when beat and a worker were last seen, and warns in both languages when either stopped."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.health import BEAT, WORKER, heartbeat_stamp, queue_state
from core.models import Job


def _jobs(n, task="signup_email", status=Job.Status.QUEUED, age=timedelta(0)):
    created = timezone.now() - age
    Job.objects.bulk_create(
        Job(task=task, status=status, created_at=created, queued_at=created, args={"n": i}) for i in range(n)
    )


def _alive():
    heartbeat_stamp(BEAT)
    heartbeat_stamp(WORKER)


def test_the_overview_shows_the_queue_and_no_warning_while_beat_and_workers_run(world, client_for):
    _alive()
    _jobs(3, age=timedelta(minutes=2))
    _jobs(1, task="export", status=Job.Status.RUNNING, age=timedelta(hours=2))  # a long export: not "waiting"
    _jobs(2, status=Job.Status.DONE, age=timedelta(days=2))  # finished: not counted

    response = client_for("staff_a").get("/staff/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="background-work"' in page
    assert 'id="jobs-queued">3' in page
    assert 'id="jobs-running">1' in page
    assert 'id="emails-waiting">3' in page
    assert "beat-stopped" not in page and "workers-stopped" not in page


def test_the_overview_warns_when_beat_stopped_in_both_languages(world, client_for):
    heartbeat_stamp(BEAT, now=timezone.now() - timedelta(minutes=20))
    heartbeat_stamp(WORKER, now=timezone.now() - timedelta(minutes=20))
    client = client_for("staff_b")
    page = client.get("/staff/").content.decode()
    assert 'id="beat-stopped"' in page
    assert "调度器" in page  # Chinese first
    client.cookies["pb_language"] = "en"
    page = client.get("/staff/").content.decode()
    assert "The scheduler (beat) was last seen" in page
    assert "Ask IT to start it" in page


def test_the_overview_warns_when_no_worker_takes_the_queued_emails(world, client_for):
    heartbeat_stamp(BEAT)  # beat runs, but no worker took its heartbeat task for a quarter of an hour
    heartbeat_stamp(WORKER, now=timezone.now() - timedelta(minutes=15))
    _jobs(40, age=timedelta(minutes=30))
    client = client_for("staff_a")
    client.cookies["pb_language"] = "en"
    page = client.get("/staff/").content.decode()
    assert 'id="workers-stopped"' in page
    assert "No worker seems to be taking background work" in page
    assert 'id="emails-waiting">40 · oldest queued 30' in page


def test_a_job_left_waiting_says_workers_stopped_even_while_beat_is_away(world):
    _jobs(1, task="report", age=timedelta(minutes=11))
    state = queue_state()
    assert state.beat_stopped and state.workers_stopped
    assert state.beat_seen_at is None and state.worker_seen_at is None
    assert (state.queued, state.emails_waiting, state.oldest_email_at) == (1, 0, None)


def test_the_overview_reads_the_queue_in_the_same_number_of_queries_however_long_it_is(world, client_for):
    _alive()
    client = client_for("staff_a")

    def count():
        assert client.get("/staff/").status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/staff/").status_code == 200
        return len(queries)

    _jobs(2)
    few = count()
    _jobs(3000, age=timedelta(minutes=5))
    _jobs(500, task="import", status=Job.Status.RUNNING)
    assert count() == few


def test_only_staff_see_the_overview(world, client_for):
    assert client_for("lawyer").get("/staff/").status_code == 403
    assert client_for("firm_admin").get("/staff/").status_code == 403
    response = client_for("anonymous").get("/staff/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
