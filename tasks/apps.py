from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Scheduled jobs"

    def ready(self):
        # Register the tasks with the Celery app in every process (web too), and tell core.jobs how a
        # job row reaches them once its transaction commits.
        from core.jobs import dispatcher_set
        from tasks import housekeeping, service_requests  # noqa: F401
        from tasks.dispatch import dispatch

        dispatcher_set(dispatch)
