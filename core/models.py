"""Rows every app writes: the audit trail and background jobs; the base of a city-wide rules row."""

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SingleRow(models.Model):
    """City-wide rules kept in one row (pk 1, held by a check constraint on each subclass)."""

    class Meta:
        abstract = True

    @classmethod
    def current(cls) -> Self:
        policy, _created = cls._default_manager.get_or_create(pk=1)
        return policy


class AuditEntry(models.Model):
    """Who changed what and when; written by the service that makes the change, in its transaction."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "volunteers_auditentry"  # kept from when the people app owned it
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="volunteers__object__8f7be6_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class Job(models.Model):
    """A piece of background work, written in the transaction that asks for it (`core.jobs.job_enqueue`).

    `task` names the work; the `tasks` app maps each name to a Celery task and sends it once the
    transaction commits. A delivery runs the job only after claiming it (`job_claim`), so a job runs once
    however often it is delivered; a job whose worker died (no heartbeat for the lease) or whose message
    was lost (queued for too long) is sent again by the sweeper. Imports, exports and reports are jobs
    with a table of their own that extends this one (multi-table inheritance)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    task = models.CharField(max_length=40)
    args = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    attempts = models.PositiveSmallIntegerField(default=0)  # claims so far; the current one owns the job
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now)  # last sent to the broker
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweeper's two questions: queued for long, running without a heartbeat.
            models.Index(fields=["status", "queued_at"], name="job_status_queued_idx"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat_idx"),
            # The staff overview's question: how long has the oldest open job (or email) waited.
            models.Index(fields=["status", "task", "created_at"], name="job_status_task_created_idx"),
        ]

    TASK = ""  # the task name of a table extending this one
    OPEN = (Status.QUEUED, Status.RUNNING)  # waiting for a worker or running

    def __str__(self) -> str:
        return f"{self.task} #{self.pk} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.task = self.task or self.TASK  # an import, export or report names its own task
        super().save(*args, **kwargs)

    @property
    def working(self) -> bool:
        return self.status in self.OPEN

    def get_status_display(self) -> str:  # type: ignore[no-redef]  # replaces the one Django derives
        # A table extending this one may name the statuses in its own words ("Importing", "Ready").
        return str(self.Status(self.status).label)

    @property
    def retrying(self) -> bool:
        """Queued again after a delivery that did not finish (a worker died, or an error to retry)."""
        return self.status == self.Status.QUEUED and self.attempts > 0


class Heartbeat(models.Model):
    """When a background process last showed it was alive: "beat" (stamped by the scheduler itself each
    tick, tasks/beat.py) and "worker" (stamped by a task beat sends every minute, so by a worker that
    took it). Read by /readyz and the staff overview; one row each, written at most once a minute."""

    name = models.CharField(max_length=20, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"
