"""Recognition jobs: the nightly standings refresh (also started from the staff area) and publishing an
approved commendation's honour roll page."""

from celery import shared_task

from tasks.runner import job_run


def _refresh(year=None):
    from pointbook.standings.services import standings_refresh, standings_years

    years = [year] if year else standings_years()
    return {y: standings_refresh(y).pk for y in years}


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=3)
def refresh_standings(year=None):
    """The nightly refresh (this year, and last year during January). Two at once are safe: the one
    that counted less of the ledger steps aside."""
    return _refresh(year)


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=30)
def refresh_standings_job(self, job_id):
    """A refresh staff asked for from the standings page."""
    return job_run(self, job_id, lambda job: _refresh(job.args.get("year")))


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=10)
def publish_honour_roll(self, job_id):
    """The approved award's honour roll page; a second run finds it and makes none."""
    from cms.honours import honour_roll_publish

    def work(job):
        page = honour_roll_publish(job.args["category_id"])
        return page.pk if page else None

    return job_run(self, job_id, work)
