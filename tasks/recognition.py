"""Recognition jobs: the nightly standings refresh (also started from the staff area) and publishing an
approved commendation's honour roll page."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=3)
def refresh_standings(year=None):
    """Rebuild the year's standings (default: this year, and last year during January). Two at once
    are safe: the one that counted less of the ledger steps aside."""
    from pointbook.standings.services import standings_refresh, standings_years

    years = [year] if year else standings_years()
    return {y: standings_refresh(y).pk for y in years}


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=10, max_retries=5)
def publish_honour_roll(category_id):
    """The approved award's honour roll page; a second run finds it and makes none."""
    from cms.honours import honour_roll_publish

    page = honour_roll_publish(category_id)
    return page.pk if page else None
