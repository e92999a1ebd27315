"""Points jobs: re-scoring after a rule change, and the sweep that posts no-show and late-cancel
penalties (the rota records them; the counting side prices them)."""

from datetime import date

from celery import shared_task

from tasks.runner import job_run


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=30)
def rescore_apply_task(self, job_id):
    """Post the re-scoring adjustments a staff member confirmed. Keys name each record's move, so a
    redelivered or repeated job posts nothing twice."""
    from pointbook.ledger.rescore import rescore_apply

    def work(job):
        args = job.args
        return rescore_apply(
            actor=job.requested_by,
            service_type_id=args["service_type_id"],
            from_date=date.fromisoformat(args["from_date"]),
        )

    return job_run(self, job_id, work)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=3)
def rewards_daily():
    """Uncollected rewards back to stock (refunded), then unspent points past their expiry date.
    Safe twice: each posting is keyed and worked out again under the person's wallet lock."""
    from pointbook.incentives.services import rewards_daily as run

    return run()


@shared_task(acks_late=True)
def post_conduct_penalties():
    """Price the no-shows and late cancellations that have no penalty yet; undo corrected ones."""
    from pointbook.conduct.services import conduct_sweep

    return conduct_sweep()
