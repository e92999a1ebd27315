"""`make run`: the web server, a Celery worker and the beat scheduler in one foreground command."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.people import DEMO_ACCOUNTS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Serve the site with a Celery worker and beat on the configured broker; Ctrl-C stops all."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))

    def handle(self, *args, port, host, **options):
        url = f"http://{host}:{port}/"
        # The server and the worker (which sends the emails) build links on SITE_URL: without one, this
        # server's own address, so QR codes and emails lead here and not to a default port.
        local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        os.environ.setdefault("SITE_URL", f"http://{local}:{port}")
        self.stdout.write(self.style.SUCCESS(f"\nServing {url}  (Ctrl-C stops the site, worker and scheduler)"))
        self.stdout.write(f"Links in QR codes and emails: {os.environ['SITE_URL']}")
        self.stdout.write(f"Broker: {settings.CELERY_BROKER_URL}   Database: {settings.DATABASES['default']['ENGINE']}")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {email:<26} {role}")
        self.stdout.write("Emails (verification, password reset) are printed here on the console.\n")

        python = sys.executable
        celery = [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--loglevel=INFO",
            "--concurrency=2",
            "--hostname=dev@%h",
        ]
        web = [python, "manage.py", "runserver", f"{host}:{port}"]

        # `kill` or a closed terminal stop everything the way Ctrl-C does, leaving no orphans behind
        # (and a background run, where the shell ignores SIGINT, still gets a clean stop).
        def stop(signum, frame):
            raise KeyboardInterrupt

        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(signum, stop)
        children = [subprocess.Popen(celery), subprocess.Popen(web)]
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            # A terminal's Ctrl-C reaches the children too; a second one must not cut our wait short.
            for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                signal.signal(signum, signal.SIG_IGN)
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("Stopped.")
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT, None)]
        if failed:
            sys.exit(1)
