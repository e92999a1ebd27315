from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from pointbook.ledger.selectors import explain_page
from pointbook.models import Appeal, AppealMessage, Complaint, PublicRating

if TYPE_CHECKING:
    from volunteers.models import Contributor, Region


def open_appeal_ids(contributor: Contributor) -> dict[tuple[str, int], int]:
    """{("entry", id) | ("record", id)} with an appeal open, so pages link to it, not a new one."""
    rows = Appeal.objects.filter(contributor=contributor, status=Appeal.Status.OPEN).values_list(
        "pk", "entry_id", "record_id"
    )
    return {("entry", e) if e else ("record", r): pk for pk, e, r in rows}


def appeals_of(contributor: Contributor) -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(contributor=contributor)
        .select_related("entry", "record__service_type")
        .order_by("-created_at", "-id")
    )


def appeals_for_staff(region: Region, *, status: str = Appeal.Status.OPEN) -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(region__path__startswith=region.path, status=status)
        .select_related("contributor", "entry", "record__service_type")
        .order_by("created_at", "id")
    )


def appeal_thread(appeals: QuerySet[Appeal], pk: int) -> Appeal | None:
    """One appeal from `appeals` (already scoped to who asks) with its messages, or None."""
    appeal = (
        appeals.select_related(
            "contributor",
            "entry",
            "record__service_type",
            "record__region",
            "resolution",
            "region",
            "proposed_by",
            "resolved_by",
        )
        .prefetch_related(Prefetch("messages", AppealMessage.objects.select_related("author")))
        .filter(pk=pk)
        .first()
    )
    if appeal is not None:
        explain_page([e for e in (appeal.entry, appeal.resolution) if e is not None])
    return appeal


def rating_by_token(token: str) -> PublicRating | None:
    return (
        PublicRating.objects.select_related("record__contributor", "record__service_type").filter(token=token).first()
    )


def rating_bonuses_held(region: Region) -> QuerySet[PublicRating]:
    """Good ratings whose bonus waits for staff of `region`'s subtree (where the service was), oldest first."""
    return (
        PublicRating.objects.filter(bonus=PublicRating.Bonus.HELD, record__region__path__startswith=region.path)
        .select_related("record__contributor", "record__service_type", "record__region")
        .order_by("rated_at", "id")
    )


def last_upheld_complaint(contributor: Contributor, since: date) -> date | None:
    """The date of the person's latest upheld complaint on or after `since` (the rota's
    no-complaint rule reads it through `volunteers.rota.eligibility`)."""
    return (
        Complaint.objects.filter(contributor=contributor, date__gte=since)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
