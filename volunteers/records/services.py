"""Logged work: pro-bono work a contributor records themself, with evidence, for staff to review.
(Attended shifts become records through `rota.attendance_mark`.)"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from volunteers.models import Contributor, EvidenceFile, ServiceRecord, SpecialGroup
from volunteers.records.evidence import evidence_check

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from volunteers.models import Region, ServiceType, User, Venue


class AlreadyLogged(Exception):  # noqa: N818 — an outcome, not a failure: the work is logged, once
    """The form was sent before (same one-time token): `record` is what that first sending made."""

    def __init__(self, record: ServiceRecord):
        super().__init__(record.pk)
        self.record = record


QUARTER = Decimal("0.25")
# How far back work can be logged; older history comes in through the import.
LOG_WINDOW_DAYS = 180


def _clean(
    *,
    contributor: Contributor,
    record: ServiceRecord | None,
    service_type: ServiceType | None,
    date: date,
    start_time: time,
    hours: Decimal | float | str | None,
    people_served: int | None,
    special_groups: list[str],
    region: Region | None,
    venue: Venue | None,
    description: str,
    files: list[UploadedFile],
    now: datetime,
) -> tuple[Decimal, datetime, list[tuple[UploadedFile, str, str]]]:
    hours = _hours_parsed(hours)
    errors = _field_errors(
        hours=hours,
        date=date,
        today=timezone.localdate(now),
        service_type=service_type,
        region=region,
        venue=venue,
        people_served=people_served,
        special_groups=special_groups,
        description=description,
    )
    if errors:
        raise ValidationError(errors)
    assert hours is not None  # hours that are not a number are among the errors raised above
    checked = _evidence_checked(record, files)
    _day_limit_check(contributor, record, date, hours)
    started_at = timezone.make_aware(datetime.combine(date, start_time))
    return hours, started_at, checked


def _hours_parsed(hours: Decimal | float | str | None) -> Decimal | None:
    """`hours` as a Decimal, None when it is not a number (reported with the other fields)."""
    try:
        return Decimal(str(hours))
    except InvalidOperation:
        return None


def _date_error(date: date, today: date) -> str | None:
    if date > today:
        return _("The date cannot be in the future.")
    if date < today - timedelta(days=LOG_WINDOW_DAYS):
        return _("Work older than %(days)s days is added by bureau staff through an import.") % {
            "days": LOG_WINDOW_DAYS
        }
    return None


def _field_errors(
    *,
    hours: Decimal | None,
    date: date,
    today: date,
    service_type: ServiceType | None,
    region: Region | None,
    venue: Venue | None,
    people_served: int | None,
    special_groups: list[str],
    description: str,
) -> dict[str, str]:
    """{field: message} for every field that is wrong, so the form shows them all at once."""
    errors = {}
    if hours is None or hours <= 0 or hours > 24 or hours % QUARTER:
        errors["hours"] = _("Enter hours in quarter-hour steps, from 0.25 to 24.")
    date_error = _date_error(date, today)
    if date_error is not None:
        errors["date"] = date_error
    if service_type is None or not service_type.is_active:
        errors["service_type"] = _("Choose a service type.")
    if venue is not None and region is not None and not region.contains(venue.region):
        errors["venue"] = _("This venue is not in the region you chose.")
    if people_served is None or people_served < 0:
        errors["people_served"] = _("Enter how many people were served (0 or more).")
    unknown = [code for code in special_groups if code not in SpecialGroup.values]
    if unknown:
        errors["special_groups"] = _("Choose special groups from the list.")
    if not description.strip():
        errors["description"] = _("Describe the work in a sentence or two.")
    return errors


def _evidence_checked(record: ServiceRecord | None, files: list[UploadedFile]) -> list[tuple[UploadedFile, str, str]]:
    """[(upload, content type, extension)] for the new `files`, once the record would keep between one
    and the most evidence files allowed and every new file is one we accept."""
    kept = record.evidence.count() if record else 0
    if kept + len(files) > settings.PB_EVIDENCE_MAX_FILES:
        raise ValidationError(
            {"files": _("At most %(n)s evidence files a record.") % {"n": settings.PB_EVIDENCE_MAX_FILES}}
        )
    if kept + len(files) == 0:
        raise ValidationError({"files": _("Attach at least one evidence file: a PDF or a photo.")})
    checked = []
    problems = []
    for upload in files:
        try:
            checked.append((upload, *evidence_check(upload)))
        except ValidationError as exc:
            problems.extend(exc.messages)
    if problems:
        raise ValidationError({"files": problems})
    return checked


def _day_limit_check(contributor: Contributor, record: ServiceRecord | None, date: date, hours: Decimal) -> None:
    """Refuse more than 24 hours on one day across all of the person's records (the row lock makes this
    exact)."""
    others = ServiceRecord.objects.filter(contributor=contributor, date=date, status__in=ServiceRecord.COUNTING)
    if record is not None:
        others = others.exclude(pk=record.pk)
    already = others.aggregate(h=Sum("hours"))["h"] or Decimal(0)
    if already + hours > 24:
        raise ValidationError(
            {
                "hours": _("You already have %(hours)s hours recorded on %(date)s; a day has 24.")
                % {"hours": f"{already.normalize():f}", "date": date.isoformat()}
            }
        )


def _store(record: ServiceRecord, checked: list[tuple[UploadedFile, str, str]], actor: User, now: datetime) -> None:
    for upload, content_type, extension in checked:
        evidence = EvidenceFile(
            record=record,
            original_name=upload.name[:200],  # type: ignore[index]  # an upload always has a name
            content_type=content_type,
            size=upload.size,  # type: ignore[misc]  # and a size
            uploaded_at=now,
            uploaded_by=actor,
        )
        # The stored name is ours: the upload's name never reaches the file system.
        evidence.file.save(f"{record.pk}-{now:%Y%m%d%H%M%S%f}.{extension}", upload, save=False)
        evidence.save()


@transaction.atomic
def record_log(
    *,
    actor: User,
    contributor: Contributor,
    service_type: ServiceType,
    date: date,
    start_time: time,
    hours: Decimal | float | str,
    people_served: int = 0,
    special_groups: Iterable[str] = (),
    region: Region,
    venue: Venue | None = None,
    description: str = "",
    files: Iterable[UploadedFile] = (),
    submission: str = "",
    now: datetime | None = None,
) -> ServiceRecord:
    """A contributor logs pro-bono work; it waits for staff of its region. `submission` is the form's
    one-time token: sent again, the form finds the record it made (AlreadyLogged), not a second one;
    two forms with the same content make two records (two similar pieces of work)."""
    now = now or timezone.now()
    # The person's row lock puts their sendings in a line: the second sending of a form sees the first.
    Contributor.objects.select_for_update().filter(pk=contributor.pk).first()
    if submission:
        earlier = ServiceRecord.objects.filter(contributor=contributor, submission=submission).first()
        if earlier is not None:
            raise AlreadyLogged(earlier)
    hours, started_at, checked = _clean(
        contributor=contributor,
        record=None,
        service_type=service_type,
        date=date,
        start_time=start_time,
        hours=hours,
        people_served=people_served,
        special_groups=list(special_groups),
        region=region,
        venue=venue,
        description=description,
        files=list(files),
        now=now,
    )
    try:
        with transaction.atomic():
            record = ServiceRecord.objects.create(
                contributor=contributor,
                service_type=service_type,
                venue=venue,
                region=region,
                date=date,
                started_at=started_at,
                ended_at=started_at + timedelta(hours=float(hours)),
                hours=hours,
                status=ServiceRecord.Status.SUBMITTED,
                people_served=people_served,
                special_groups=list(special_groups),
                description=description.strip(),
                created_at=now,
                updated_at=now,
                updated_by=actor,
                submission=submission or None,
            )
    except IntegrityError:
        # The constraint behind the lock: a sending that got past it finds the first one all the same.
        earlier = ServiceRecord.objects.filter(contributor=contributor, submission=submission).first()
        if not submission or earlier is None:
            raise
        raise AlreadyLogged(earlier) from None
    _store(record, checked, actor, now)
    audit(actor=actor, action="record_log", obj=record, hours=str(hours), files=len(checked))
    return record


@transaction.atomic
def record_amend(
    *,
    actor: User,
    contributor: Contributor,
    record: ServiceRecord,
    service_type: ServiceType,
    date: date,
    start_time: time,
    hours: Decimal | float | str,
    people_served: int = 0,
    special_groups: Iterable[str] = (),
    region: Region,
    venue: Venue | None = None,
    description: str = "",
    files: Iterable[UploadedFile] = (),
    remove: Iterable[int] = (),
    now: datetime | None = None,
) -> ServiceRecord:
    """Change a logged record still waiting, or a rejected one (which goes back in the queue)."""
    now = now or timezone.now()
    Contributor.objects.select_for_update().filter(pk=contributor.pk).first()
    record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    if record.contributor_id != contributor.pk or not record.is_logged:
        raise ValidationError(_("Only your own logged work can be changed here."))
    if record.status not in (ServiceRecord.Status.SUBMITTED, ServiceRecord.Status.REJECTED):
        raise ValidationError(_("This record has been decided; appeal the decision instead."))
    removed = list(record.evidence.filter(pk__in=list(remove)))
    for evidence in removed:
        evidence.delete()
        # The file goes only once the change is kept (a refused amendment keeps it).
        transaction.on_commit(lambda name=evidence.file.name, storage=evidence.file.storage: storage.delete(name))  # type: ignore[misc]  # defaults bind now
    hours, started_at, checked = _clean(
        contributor=contributor,
        record=record,
        service_type=service_type,
        date=date,
        start_time=start_time,
        hours=hours,
        people_served=people_served,
        special_groups=list(special_groups),
        region=region,
        venue=venue,
        description=description,
        files=list(files),
        now=now,
    )
    before = {
        "status": record.status,
        "hours": str(record.hours),
        "date": record.date.isoformat(),
        "reason": record.decision_reason,
    }
    record.service_type, record.venue, record.region, record.date = service_type, venue, region, date
    record.started_at, record.ended_at, record.hours = started_at, started_at + timedelta(hours=float(hours)), hours
    record.people_served, record.special_groups = people_served, list(special_groups)
    record.description, record.updated_at, record.updated_by = description.strip(), now, actor
    record.status, record.decided_at, record.decided_by = ServiceRecord.Status.SUBMITTED, None, None
    record.save()
    _store(record, checked, actor, now)
    audit(
        actor=actor,
        action="record_amend",
        obj=record,
        before=before,
        after={"status": record.status, "hours": str(hours), "date": date.isoformat()},
        removed=list(remove),
    )
    return record
