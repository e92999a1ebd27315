"""How a job row becomes Celery work: each job's `task` name maps to one Celery task here, and the
dispatcher (registered with `core.jobs` when the app starts) sends the job's id to it."""

from django.conf import settings

from tasks import exports, imports, notifications, points, recognition, reports

# Every task name domain code may enqueue. A test fails when a name used anywhere has no entry.
TASKS = {
    "import": imports.import_run,
    "export": exports.export_run,
    "report": reports.report_build_task,
    "rescore": points.rescore_apply_task,
    "standings_refresh": recognition.refresh_standings_job,
    "honour_roll": recognition.publish_honour_roll,
    "signup_email": notifications.send_signup_email,
    "invitations_send": notifications.send_invitations,
}

# Jobs with no table of their own: once finished, housekeeping may delete them after a while.
PLAIN = ("rescore", "standings_refresh", "honour_roll", "signup_email", "invitations_send")


def dispatch(job_id: int, task: str) -> None:
    """Send job `job_id` to its Celery task (on PB_JOB_QUEUE when set: tests give workers their own)."""
    options = {"queue": settings.PB_JOB_QUEUE} if settings.PB_JOB_QUEUE else {}
    TASKS[task].apply_async(args=[job_id], **options)
