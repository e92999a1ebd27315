"""Points jobs: re-scoring after a rule change, and the sweep that posts no-show and late-cancel
penalties (the rota records them; the counting side prices them)."""

from datetime import date

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=3)
def rescore_apply_task(service_type_id, from_date, actor_id=None):
    """Post the re-scoring adjustments. Keys name each record's move, so a redelivered or repeated
    job posts nothing twice."""
    from pointbook.ledger.rescore import rescore_apply
    from volunteers.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return rescore_apply(actor=actor, service_type_id=service_type_id, from_date=date.fromisoformat(from_date))


@shared_task(acks_late=True)
def post_conduct_penalties():
    """Price the no-shows and late cancellations that have no penalty yet; undo corrected ones."""
    from pointbook.conduct.services import conduct_sweep

    return conduct_sweep()
