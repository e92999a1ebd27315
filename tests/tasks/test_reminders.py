"""Shift reminders: each confirmed sign-up whose shift starts within the rota policy's lead time
gets exactly one reminder email, however often the beat job runs, when two runs overlap, and when
the worker running it is killed half-way.

In process first (the job called directly, then two threads calling it at once), then through real
Celery workers started as separate processes on the test run's database and broker (the filesystem
queue and SQLite by default, Redis and PostgreSQL in CI's second run)."""

import datetime
import email
import email.policy
import smtplib
import threading
import time
import uuid
from collections import Counter

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext
from kombu import Exchange, Queue

from config.celery import app
from tasks.notifications import send_due_reminders
from tests.factories import ContributorFactory, ShiftFactory
from tests.support.mail import sending_notes, sent_files
from tests.support.worker import Worker, worker_env
from volunteers.models import RotaPolicy, Shift, Signup
from volunteers.rota import services as rota

H = datetime.timedelta(hours=1)


def _signed_up(starts_in, people=1, *, status=Signup.Status.CONFIRMED, **shift_fields):
    """`people` new people with a sign-up of `status` on a new shift starting `starts_in` from now."""
    shift = ShiftFactory(
        starts_at=timezone.now().replace(microsecond=0) + starts_in, capacity=max(2, people), **shift_fields
    )
    holds_seat = status in Signup.HOLDS_SEAT
    offer_expires_at = timezone.now() + H if status == Signup.Status.OFFERED else None
    return [
        Signup.objects.create(
            shift=shift,
            contributor=ContributorFactory(),
            status=status,
            seat=seat if holds_seat else None,
            offer_expires_at=offer_expires_at,
        )
        for seat in range(1, people + 1)
    ]


def _address(signup):
    return signup.contributor.user.email


def _reminded(outbox):
    """How many emails each address got."""
    return Counter(address for message in outbox for address in message.to)


def _one_each(signups):
    return {_address(s): 1 for s in signups}


# --- The job, in process ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_due_signup_gets_one_reminder_however_often_the_job_runs(mailoutbox):
    due = _signed_up(3 * H, people=2) + _signed_up(20 * H)

    assert rota.reminders_send() == 3
    assert rota.reminders_send() == 0
    assert rota.reminders_send() == 0

    assert _reminded(mailoutbox) == _one_each(due)
    for signup in due:
        signup.refresh_from_db()
        assert signup.reminder_sent_at is not None


@pytest.mark.django_db
def test_no_reminder_for_later_cancelled_or_started_shifts_or_people_not_confirmed(mailoutbox):
    due = _signed_up(23 * H)
    _signed_up(25 * H)  # further ahead than the lead time
    for status in (
        Signup.Status.CANCELLED,
        Signup.Status.LATE_CANCELLED,
        Signup.Status.WAITING,
        Signup.Status.OFFERED,
        Signup.Status.OFFER_EXPIRED,
    ):
        _signed_up(3 * H, status=status)
    cancelled_shift = _signed_up(3 * H)[0].shift
    Shift.objects.filter(pk=cancelled_shift.pk).update(status=Shift.Status.CANCELLED)
    _signed_up(-1 * H)  # started an hour ago

    assert rota.reminders_send() == 1

    assert _reminded(mailoutbox) == _one_each(due)


@pytest.mark.django_db
def test_a_reminder_goes_once_the_shift_comes_within_the_lead_time(mailoutbox):
    now = timezone.now().replace(microsecond=0)
    signup = _signed_up(datetime.timedelta(hours=30))[0]
    starts_at = signup.shift.starts_at

    assert rota.reminders_send(now=starts_at - 24 * H - datetime.timedelta(seconds=1)) == 0
    assert mailoutbox == []
    assert rota.reminders_send(now=starts_at - 24 * H) == 1
    assert _reminded(mailoutbox) == _one_each([signup])
    assert rota.reminders_send(now=now + 29 * H) == 0
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_the_lead_time_is_the_rota_policys(mailoutbox):
    two_days = _signed_up(47 * H)
    RotaPolicy.objects.filter(pk=RotaPolicy.current().pk).update(reminder_hours=48)
    beyond = _signed_up(49 * H)

    assert rota.reminders_send() == 1
    assert _reminded(mailoutbox) == _one_each(two_days)

    RotaPolicy.objects.filter(pk=1).update(reminder_hours=2)
    soon = _signed_up(1 * H)
    _signed_up(3 * H)
    assert rota.reminders_send() == 1
    assert _reminded(mailoutbox) == _one_each(two_days + soon)
    assert _address(beyond[0]) not in _reminded(mailoutbox)


@pytest.mark.django_db
def test_the_reminder_is_written_to_each_person_in_their_language(mailoutbox):
    chinese, english = _signed_up(5 * H, people=2)
    english.contributor.user.language = "en"
    english.contributor.user.save(update_fields=["language"])
    shift = chinese.shift
    local_start = timezone.localtime(shift.starts_at).strftime("%Y-%m-%d %H:%M")

    rota.reminders_send()

    for signup, language in ((chinese, "zh-hans"), (english, "en")):
        [message] = [m for m in mailoutbox if m.to == [_address(signup)]]
        with translation.override(language):
            subject = gettext("Reminder: your shift at %(date)s") % {"date": local_start}
            greeting = gettext("Dear %(name)s,") % {"name": signup.contributor.legal_name}
            opening = gettext("A reminder of your shift:")
        assert message.subject == f"{subject} {shift.opportunity.title}"
        assert greeting in message.body
        assert opening in message.body
    assert mailoutbox[0].subject != mailoutbox[1].subject


@pytest.mark.django_db
def test_a_claim_older_than_the_lease_is_taken_again(mailoutbox, settings):
    settings.PB_REMINDER_LEASE_SECONDS = 300
    signup = _signed_up(5 * H)[0]
    abandoned = timezone.now() - datetime.timedelta(seconds=301)
    Signup.objects.filter(pk=signup.pk).update(reminder_claimed_at=abandoned)

    assert rota.reminders_send() == 1

    assert _reminded(mailoutbox) == _one_each([signup])
    signup.refresh_from_db()
    assert signup.reminder_claimed_at > abandoned
    assert signup.reminder_sent_at is not None


@pytest.mark.django_db
def test_a_fresh_claim_by_another_sender_is_left_to_it_until_its_lease_runs_out(mailoutbox, settings):
    settings.PB_REMINDER_LEASE_SECONDS = 300
    signup, other = _signed_up(5 * H, people=2)
    claimed = timezone.now() - datetime.timedelta(seconds=10)
    Signup.objects.filter(pk=signup.pk).update(reminder_claimed_at=claimed)

    assert rota.reminders_send() == 1

    assert _reminded(mailoutbox) == _one_each([other])
    signup.refresh_from_db()
    assert (signup.reminder_claimed_at, signup.reminder_sent_at) == (claimed, None)

    settings.PB_REMINDER_LEASE_SECONDS = 5  # the other sender has now had its time
    assert rota.reminders_send() == 1
    assert _reminded(mailoutbox) == _one_each([signup, other])


@pytest.mark.django_db
def test_an_address_the_mail_server_refuses_does_not_hold_up_everyone_elses_reminders(mailoutbox, settings):
    # Beat runs every 10 minutes and the lease is 5, so every run finds the last run's failed claim
    # expired; a lease of 0 makes that so for back-to-back runs here.
    settings.PB_REMINDER_LEASE_SECONDS = 0
    settings.EMAIL_BACKEND = "tests.support.mail.RefusingLocmemBackend"
    unknown = _signed_up(3 * H)[0]  # signed up first, so first in the job's order
    others = _signed_up(4 * H, people=3)
    settings.PB_TEST_REFUSED_ADDRESSES = [_address(unknown)]

    for _run in range(3):
        try:
            rota.reminders_send()
        except smtplib.SMTPRecipientsRefused:
            pass  # whether the job reports the failure or logs it is up to it; the others must go

    assert _reminded(mailoutbox) == _one_each(others)
    unknown.refresh_from_db()
    assert unknown.reminder_sent_at is None


def test_beat_runs_the_reminder_job_every_ten_minutes():
    entry = app.conf.beat_schedule["send-shift-reminders"]
    assert entry["task"] == send_due_reminders.name
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == set(range(0, 60, 10))


@pytest.mark.django_db
def test_the_celery_task_sends_the_due_reminders(mailoutbox, eager_celery):
    due = _signed_up(2 * H, people=2)
    send_due_reminders.delay()
    send_due_reminders.delay()
    assert _reminded(mailoutbox) == _one_each(due)


# --- Two runs at once, in threads --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_send_each_reminder_once(mailoutbox, settings):
    # Sending takes a moment, as with a real mail server, so the two runs overlap throughout.
    settings.EMAIL_BACKEND = "tests.support.mail.SlowLocmemBackend"
    settings.PB_TEST_MAIL_DELAY = 0.05
    due = _signed_up(2 * H, people=4) + _signed_up(6 * H, people=4)
    barrier = threading.Barrier(2)
    results, lock = [], threading.Lock()

    def run():
        try:
            barrier.wait()
            result = rota.reminders_send()
        except Exception as exc:  # noqa: BLE001 — any failure is what the test must show
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == len(due)
    assert min(results) > 0, "the two runs did not overlap, so this test proved nothing"
    assert _reminded(mail.outbox) == _one_each(due)
    assert not Signup.objects.filter(pk__in=[s.pk for s in due], reminder_sent_at__isnull=True).exists()


# --- Real workers ------------------------------------------------------------------------------------


def _wait_for(condition, *, seconds, what, workers=()):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- worker {w.pid} ---\n{w.output()[-4000:]}" for w in workers)
            raise AssertionError(f"timed out after {seconds}s waiting for {what}\n{logs}")
        time.sleep(0.05)


def _emails(folder):
    messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in sent_files(folder)]
    return [(str(m["To"]), str(m["Subject"])) for m in messages]


def _unsent(signups):
    return Signup.objects.filter(pk__in=[s.pk for s in signups], reminder_sent_at__isnull=True)


@pytest.fixture
def worker_run(tmp_path):
    """A queue of the test's own, a mail folder, and the workers started; none outlives the test."""
    run = type("WorkerRun", (), {})()
    run.queue = f"test-reminders-{uuid.uuid4().hex[:8]}"
    run.mail_dir = tmp_path / "mail"
    run.workers = []

    def start(*, log_name, broker_options=None, pool="solo", concurrency=1, **env):
        worker_environment = worker_env(
            mail_dir=run.mail_dir, tmp_dir=tmp_path / "tmp", broker_options=broker_options, **env
        )
        worker = Worker.start(
            worker_environment,
            queue=run.queue,
            log=tmp_path / f"{log_name}.log",
            pool=pool,
            concurrency=concurrency,
            name=f"{run.queue}-{log_name}",
        )
        run.workers.append(worker)
        return worker

    def enqueue():
        send_due_reminders.apply_async(queue=run.queue)

    run.start, run.enqueue = start, enqueue
    yield run
    for worker in run.workers:
        worker.end()
    # Leave nothing of the test's queue on a shared broker (on Redis, its binding outlives the queue).
    with app.connection_for_write() as conn:
        queue = Queue(run.queue, Exchange(run.queue, type="direct"), routing_key=run.queue)(conn.default_channel)
        queue.declare()
        queue.delete()


def _check_one_reminder_each(folder, due):
    sent = _emails(folder)
    assert Counter(to for to, _subject in sent) == _one_each(due)
    for signup in due:
        local_start = timezone.localtime(signup.shift.starts_at).strftime("%Y-%m-%d %H:%M")
        [subject] = [subject for to, subject in sent if to == _address(signup)]
        assert local_start in subject


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_running_the_job_twice_at_once_sends_each_reminder_once(worker_run):
    due = _signed_up(2 * H, people=3) + _signed_up(5 * H, people=3)
    already = _signed_up(3 * H)[0]
    Signup.objects.filter(pk=already.pk).update(reminder_sent_at=timezone.now())

    # Two runs queued before the worker starts, so its two processes take one each at once.
    worker_run.enqueue()
    worker_run.enqueue()
    worker = worker_run.start(log_name="pair", pool="prefork", concurrency=2, PB_TEST_MAIL_DELAY="0.5")

    _wait_for(lambda: not _unsent(due).exists(), seconds=30, what="every reminder sent", workers=[worker])
    assert worker.stop() == 0, worker.output()[-4000:]

    _check_one_reminder_each(worker_run.mail_dir, due)
    senders = {path.name.split("-")[1] for path in sent_files(worker_run.mail_dir)}
    assert len(senders) == 2, "the two runs did not overlap, so this test proved nothing"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_run_leaves_no_reminder_unsent_or_sent_twice(worker_run, settings):
    """The window this covers: the worker dies after claiming a reminder and before sending it (here,
    while the mail server is slow). Its claim expires after the lease and another run sends it.

    A death after the mail server accepted a message and before `reminder_sent_at` is written is not
    covered and cannot be: that reminder is sent again once the lease runs out (at least once, not
    exactly once). The test kills the worker only while it waits before a send (a note in the
    mail folder's `sending/` says it has started waiting)."""
    lease = 3
    redis = settings.CELERY_BROKER_URL.startswith("redis")
    # Redis hands an unacknowledged message (acks_late) to another worker once its visibility timeout
    # has passed, checked every unacked_restore_interval seconds; in production an hour, here 8 s —
    # longer than the lease, so the redelivered run finds the dead worker's claim expired.
    broker_options = (
        {
            "visibility_timeout": 8,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
            "unacked_mutex_expire": 2,
        }
        if redis
        else {}
    )
    worker_settings = {"PB_TEST_MAIL_DELAY": "1", "PB_REMINDER_LEASE_SECONDS": str(lease)}
    due = _signed_up(2 * H, people=5)
    mail_dir = worker_run.mail_dir

    worker_run.enqueue()
    first = worker_run.start(log_name="first", broker_options=broker_options, **worker_settings)
    _wait_for(lambda: sending_notes(mail_dir), seconds=30, what="the first worker to start sending", workers=[first])
    # A second worker, as in production's pool: it finds the queue empty, the first having the run.
    second = worker_run.start(log_name="second", broker_options=broker_options, **worker_settings)

    def pausing_after_two_or_more():
        sent = len(sent_files(mail_dir))
        return sent >= 2 and len(sending_notes(mail_dir)) == sent + 1

    _wait_for(pausing_after_two_or_more, seconds=30, what="two reminders sent and another being sent", workers=[first])
    first.kill()

    sent = len(sent_files(mail_dir))
    assert len(sending_notes(mail_dir)) == sent + 1, "the kill did not land while the worker paused to send"
    assert sent < len(due)
    orphan = _unsent(due).filter(reminder_claimed_at__isnull=False)
    assert orphan.count() == 1, "one reminder claimed by the dead worker and not sent"
    assert _unsent(due).count() == len(due) - sent
    claimed_at = orphan.get().reminder_claimed_at

    if not redis:
        # The filesystem broker deletes a message when a worker takes it, so the killed run is lost;
        # the next beat run picks up what it left. Queue it once the dead worker's claim has expired.
        wait = (claimed_at + datetime.timedelta(seconds=lease + 0.5) - timezone.now()).total_seconds()
        time.sleep(max(wait, 0))
        worker_run.enqueue()
    _wait_for(lambda: not _unsent(due).exists(), seconds=30, what="every reminder sent", workers=[first, second])
    assert second.stop() == 0, second.output()[-4000:]

    _check_one_reminder_each(mail_dir, due)
