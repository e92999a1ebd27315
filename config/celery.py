import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("probono")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ["tasks.housekeeping", "tasks.notifications", "tasks.service_requests"]
# Beat stamps a heartbeat as it ticks (tasks/beat.py): /readyz and the staff overview read it.
app.conf.beat_scheduler = "tasks.beat:HeartbeatScheduler"

# The one beat schedule.
app.conf.beat_schedule = {
    "send-shift-reminders": {
        "task": "tasks.notifications.send_due_reminders",
        "schedule": crontab(minute="*/10"),
    },
    "expire-waiting-list-offers": {
        "task": "tasks.notifications.expire_offers",
        "schedule": crontab(minute="*/5"),
    },
    "post-conduct-penalties": {
        "task": "tasks.points.post_conduct_penalties",
        "schedule": crontab(minute="*/10"),
    },
    "rewards-daily": {
        "task": "tasks.points.rewards_daily",
        "schedule": crontab(hour=1, minute=17),
    },
    "refresh-standings": {
        "task": "tasks.recognition.refresh_standings",
        "schedule": crontab(hour=2, minute=7),
    },
    "monthly-digests": {
        "task": "tasks.reports.monthly_digests",
        "schedule": crontab(hour=6, minute=7),
    },
    "worker-heartbeat": {
        "task": "tasks.housekeeping.worker_heartbeat",
        "schedule": 60.0,
        # A heartbeat late by more than a minute says nothing new: it is not kept waiting in the queue.
        "options": {"expires": 60},
    },
    "sweep-jobs": {
        "task": "tasks.housekeeping.sweep_jobs",
        "schedule": crontab(minute="*/5"),
    },
    "clear-finished-jobs": {
        "task": "tasks.housekeeping.clear_finished_jobs",
        "schedule": crontab(hour=3, minute=47),
    },
    "clear-pending-imports": {
        "task": "tasks.imports.clear_pending_imports",
        "schedule": crontab(hour=3, minute=37),
    },
    "escalate-service-requests": {
        "task": "tasks.service_requests.escalate_requests",
        "schedule": crontab(minute="*/10"),
    },
    "clear-expired-sessions": {
        "task": "tasks.housekeeping.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
}
