"""Celery jobs of the recognition reports: thin, each calls its service and is safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=3)
def report_build_task(job_id):
    """Build one report (its job row). A second delivery finds it claimed (or done) and does nothing."""
    from pointbook.reports.build import report_build

    return report_build(job_id)


@shared_task(acks_late=True)
def monthly_digests():
    """On or after the 1st: last month's digest for every region with staff, once per region and month."""
    from pointbook.reports.services import monthly_digests_queue

    return len(monthly_digests_queue())
