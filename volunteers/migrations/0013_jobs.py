"""Imports and exports become jobs: each extends the one `core.Job` table (status, progress, heartbeat,
who asked), so one claim, one sweeper and one progress endpoint serve them all. The rows are copied
into the new tables (their ids are the jobs' ids from now on). The audit trail's model moves to `core`
(its table stays)."""

import django.db.models.deletion
from django.db import migrations, models

import volunteers.models


def copy_jobs(apps, schema_editor):
    for old_name, new_name, task in (("ImportJobOld", "ImportJob", "import"), ("ExportJobOld", "ExportJob", "export")):
        Old, New = apps.get_model("volunteers", old_name), apps.get_model("volunteers", new_name)
        own = [f.name for f in Old._meta.concrete_fields if f.name in {f.name for f in New._meta.concrete_fields}
               and f.name not in ("id", "status", "progress", "created_at", "started_at", "finished_at", "error")]
        for old in Old.objects.order_by("pk").iterator():
            New.objects.create(
                task=task,
                status=old.status,
                progress=old.progress,
                attempts=1 if old.started_at else 0,
                requested_by_id=old.created_by_id,
                created_at=old.created_at,
                queued_at=old.created_at,
                started_at=old.started_at,
                heartbeat_at=old.started_at,
                finished_at=old.finished_at,
                error=getattr(old, "error", ""),
                **{name: getattr(old, name) for name in own},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("volunteers", "0012_exports"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="AuditEntry")]),
        migrations.RenameModel(old_name="ImportJob", new_name="ImportJobOld"),
        migrations.RenameModel(old_name="ExportJob", new_name="ExportJobOld"),
        migrations.CreateModel(
            name="ImportJob",
            fields=[
                (
                    "job_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to="core.job",
                    ),
                ),
                ("kind", models.CharField(max_length=20, verbose_name="kind")),
                (
                    "file",
                    models.FileField(
                        max_length=200, storage=volunteers.models.evidence_storage, upload_to="imports/%Y/%m/"
                    ),
                ),
                ("original_name", models.CharField(max_length=200, verbose_name="file name")),
                ("rows", models.PositiveIntegerField(default=0)),
                ("created", models.PositiveIntegerField(default=0)),
                ("changed", models.PositiveIntegerField(default=0)),
                ("unchanged", models.PositiveIntegerField(default=0)),
                ("problem_count", models.PositiveIntegerField(default=0)),
                ("problems", models.JSONField(blank=True, default=list)),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="volunteers.region",
                        verbose_name="region",
                    ),
                ),
            ],
            options={"ordering": ["-created_at", "-pk"]},
            bases=("core.job",),
        ),
        migrations.CreateModel(
            name="ExportJob",
            fields=[
                (
                    "job_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to="core.job",
                    ),
                ),
                ("dataset", models.CharField(max_length=20, verbose_name="what")),
                (
                    "format",
                    models.CharField(
                        choices=[("xlsx", "XLSX"), ("csv", "CSV")], default="xlsx", max_length=4, verbose_name="format"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="year")),
                ("language", models.CharField(default="zh-hans", max_length=10)),
                ("rows", models.PositiveIntegerField(default=0)),
                (
                    "file",
                    models.FileField(
                        blank=True,
                        max_length=200,
                        storage=volunteers.models.evidence_storage,
                        upload_to="exports/%Y/%m/",
                    ),
                ),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="volunteers.region",
                        verbose_name="region",
                    ),
                ),
            ],
            options={"ordering": ["-created_at", "-pk"]},
            bases=("core.job",),
        ),
        migrations.RunPython(copy_jobs, migrations.RunPython.noop),
        migrations.DeleteModel(name="ImportJobOld"),
        migrations.DeleteModel(name="ExportJobOld"),
    ]
