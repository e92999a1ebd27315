"""Points in the ledger for tests, written the only way the ledger is written (`entry_post`)."""

import itertools
from decimal import Decimal

from pointbook.ledger import services
from pointbook.models import LedgerEntry

_keys = itertools.count(1)


def post(
    contributor,
    when,
    hours,
    points,
    *,
    service_type=None,
    kind=LedgerEntry.Kind.AWARD,
    source=LedgerEntry.Source.SERVICE_RECORD,
    text="测试",
):
    """One entry of `points` (and `hours`, or None) dated `when`, under a key of its own."""
    key = next(_keys)
    return services.entry_post(
        contributor=contributor,
        points=Decimal(points),
        hours=Decimal(hours) if hours is not None else None,
        kind=kind,
        source=source,
        source_id=key,
        idempotency_key=f"test-post:{key}",
        breakdown={"text": text},
        effective_date=when,
        service_type_id=service_type.pk if service_type else None,
    )
