"""Imports of large files, confirmed on the staff import page."""

from celery import shared_task


@shared_task(acks_late=True)
def import_run(job_id):
    """Import a confirmed file; a second delivery finds the job claimed, and one that outlived its lease
    (its transaction rolled back with the worker) takes it over. No automatic retry: a failed import
    says why on its page and the staff member confirms again."""
    from spreadsheets.imports.services import import_run as run

    return run(job_id)


@shared_task(acks_late=True)
def clear_pending_imports():
    """Files previewed and never confirmed are removed after a day."""
    from spreadsheets.imports.services import pending_clear

    return pending_clear()
