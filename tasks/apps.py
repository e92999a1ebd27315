from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Scheduled jobs"

    def ready(self):
        # Register the jobs with the Celery app in every process (web too), so work queued by
        # name resolves to the task itself (and runs in place when eager).
        from tasks import exports, housekeeping, imports, notifications, points, recognition, reports  # noqa: F401
