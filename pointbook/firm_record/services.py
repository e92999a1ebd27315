"""Issuing a firm's public-service statement: the numbered, QR-verifiable document that certifies its
record of a year (a POST by the firm's admin; downloading one never issues one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from pointbook.commendations.certificates import certificate_issue
from pointbook.firm_record.selectors import firm_record, statement_certifies, statement_latest
from pointbook.models import Certificate
from volunteers.models import Organisation

if TYPE_CHECKING:
    from volunteers.models import User

STATEMENT_TITLE_ZH = "年度公益法律服务记录"
STATEMENT_TITLE_EN = "Public-service record"


def statement_issue(*, organisation: Organisation, year: int, actor: User | None) -> tuple[Certificate, bool]:
    """The statement certifying the organisation's record of `year` as it is now, and whether it was
    issued by this call: the latest unrevoked statement when it still says the same (name, hours and
    points), otherwise a new one. The organisation's row is locked, and the figures are read under the
    lock, so two presses at once issue one statement, not two."""
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        organisation.refresh_from_db(fields=["name"])
        record = firm_record(organisation, year)
        latest = statement_latest(organisation, year)
        if statement_certifies(latest, record):
            return latest, False
        certificate = certificate_issue(
            kind=Certificate.Kind.STATEMENT,
            organisation=organisation,
            holder_name=organisation.name,
            title_zh=STATEMENT_TITLE_ZH,
            title_en=STATEMENT_TITLE_EN,
            year=year,
            hours=record.hours,
            points=record.points,
            actor=actor,
        )
        return certificate, True
