"""A real Celery worker in its own process, on the running test's database and broker.

    env = worker_env(mail_dir=..., tmp_dir=..., PB_TEST_MAIL_DELAY="0.5")
    worker = Worker.start(env, queue="reminders-1a2b", log=tmp_path / "worker.log")
    ...
    worker.stop()      # warm shutdown: running tasks finish
    worker.kill()      # kill -9, as when a machine dies

The worker uses `tests.support.worker_settings`; the broker URL, DATABASE_URL, CACHE_URL and
everything else come from the test process's environment, so it runs on whatever backend the test
run does (SQLite + filesystem broker, or PostgreSQL + Redis). Give each test a queue of its own
(`-Q`) so that the worker never picks up messages other tests left on a shared broker.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def worker_env(*, mail_dir, tmp_dir, broker_options=None, **extra):
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.support.worker_settings",
            "PB_TEST_WORKER_DB_NAME": str(connection.settings_dict["NAME"]),
            "PB_TEST_WORKER_BROKER_OPTIONS": json.dumps(
                {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, **(broker_options or {})}
            ),
            "PB_TEST_WORKER_MAIL_DIR": str(mail_dir),
            # config.settings.test makes temporary folders on import; keep the worker's in the test's.
            "TMPDIR": str(tmp_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({name: str(value) for name, value in extra.items()})
    Path(tmp_dir).mkdir(parents=True, exist_ok=True)
    return env


class Worker:
    def __init__(self, process, log):
        self.process, self.log = process, Path(log)

    @classmethod
    def start(cls, env, *, queue, log, pool="solo", concurrency=1, name=None):
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            "-Q",
            queue,
            "-n",
            f"{name or queue}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ]
        with open(log, "ab") as out:
            # A session of its own, so that a stuck worker and its pool children can be ended together.
            process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return cls(process, log)

    @property
    def pid(self):
        return self.process.pid

    def running(self):
        return self.process.poll() is None

    def kill(self):
        """kill -9 the worker process (with the solo pool, the one running the task)."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout=30):
        """Warm shutdown: the worker finishes the task in hand, then exits. Returns its exit code."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.end()
        return self.process.returncode

    def end(self):
        """Make sure nothing of this worker is left running (its pool children included)."""
        if self.running():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)
        else:
            try:  # pool children of a worker that was killed alone
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def output(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def run_until(self, pattern, *, queue, timeout=90):
        """Wait until the log matches `pattern` (a compiled regex: the task's "succeeded" line), then
        stop the worker and delete the test's own `queue` from the broker."""
        import time

        from kombu import Exchange, Queue

        from config.celery import app

        try:
            deadline = time.monotonic() + timeout
            while not pattern.search(self.output()):
                assert time.monotonic() < deadline and self.running(), self.output()[-4000:]
                time.sleep(0.2)
        finally:
            assert self.stop() == 0, self.output()[-4000:]
            with app.connection_for_write() as conn:
                Queue(queue, Exchange(queue, type="direct"), routing_key=queue)(conn.default_channel).delete()
