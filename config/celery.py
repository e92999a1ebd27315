import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("probono")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ["tasks.housekeeping"]

# The one beat schedule. Later issues add rankings, reminders and reports here.
app.conf.beat_schedule = {
    "clear-expired-sessions": {
        "task": "tasks.housekeeping.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
}
