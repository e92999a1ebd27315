"""Recognition reports become jobs: each extends the one `core.Job` table (status, progress, heartbeat,
who asked). The rows are copied into the new table (their ids are the jobs' ids from now on)."""

import django.db.models.deletion
from django.db import migrations, models

import volunteers.models


def copy_reports(apps, schema_editor):
    Old, New = apps.get_model("pointbook", "RecognitionReportOld"), apps.get_model("pointbook", "RecognitionReport")
    for old in Old.objects.order_by("pk").iterator():
        running = old.status == "running"  # its finished_at was the build's last sign of life
        New.objects.create(
            task="report",
            status=old.status,
            progress=old.progress,
            attempts=1 if old.status != "queued" else 0,
            requested_by_id=old.requested_by_id,
            created_at=old.created_at,
            queued_at=old.created_at,
            heartbeat_at=old.finished_at,
            finished_at=None if running else old.finished_at,
            error=old.error,
            region_id=old.region_id,
            kind=old.kind,
            year=old.year,
            month=old.month,
            pdf=old.pdf,
            xlsx=old.xlsx,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("pointbook", "0009_ledger_totals"),
        ("volunteers", "0013_jobs"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="recognitionreport", name="report_region_year_idx"),
        migrations.RenameModel(old_name="RecognitionReport", new_name="RecognitionReportOld"),
        migrations.CreateModel(
            name="RecognitionReport",
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
                (
                    "kind",
                    models.CharField(
                        choices=[("annual", "Annual recognition report"), ("monthly", "Monthly digest")],
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("month", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="month")),
                (
                    "pdf",
                    models.FileField(
                        blank=True, max_length=200, storage=volunteers.models.evidence_storage, upload_to="reports/%Y/"
                    ),
                ),
                (
                    "xlsx",
                    models.FileField(
                        blank=True, max_length=200, storage=volunteers.models.evidence_storage, upload_to="reports/%Y/"
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
        migrations.RunPython(copy_reports, migrations.RunPython.noop),
        migrations.DeleteModel(name="RecognitionReportOld"),
        migrations.AddIndex(
            model_name="recognitionreport",
            index=models.Index(fields=["region", "year"], name="report_region_year_idx"),
        ),
    ]
