"""Exports too large to write in the request, started on the staff export page."""

from celery import shared_task


@shared_task(acks_late=True)
def export_run(job_id):
    """Write one export's file and email the staff member. A second delivery finds the job claimed (or
    done) and does nothing; one that outlived its lease (its worker died) takes it over."""
    from spreadsheets.exports.services import export_run as run

    return run(job_id)
