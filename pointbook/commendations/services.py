"""Annual commendations (年度表彰): categories, nominees drafted from the standings, public notice (公示)
with objections, approval that issues the certificates once.

A category moves draft → notice → approved. Staff change the nominee list only while it is a draft,
always with a reason; an upheld objection during the notice removes its nominee. Approval is allowed
once the notice period is over and no objection is open; it locks the category row, so a second click
or a re-run finds it approved and issues nothing more (and each nomination has at most one certificate:
a one-to-one in the database).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.jobs import job_enqueue
from pointbook.commendations.certificates import certificate_issue
from pointbook.ledger.rules import STAR_HOURS
from pointbook.models import (
    AwardCategory,
    Certificate,
    Complaint,
    LedgerEntry,
    Nomination,
    Objection,
    PublicHoliday,
    Standing,
)
from pointbook.standings.services import masked_name, snapshot_of
from volunteers.models import Contributor, Membership, Organisation, Region
from volunteers.people.duties import refuse_own

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from core.models import Job
    from volunteers.models import User

    # (contributor id or None, organisation id or None, rank, points, hours, district id)
    Candidate = tuple[int | None, int | None, int | None, Decimal, Decimal, int | None]

Basis = AwardCategory.Basis
Status = AwardCategory.Status


# --- Categories --------------------------------------------------------------------------------------------


def _category_check(
    *,
    basis: str,
    top_n: int | None,
    min_points: Decimal | None,
    min_stars: int | None,
    notice_working_days: int | None,
    name_zh: str,
    name_en: str,
) -> None:
    errors = {}
    if basis in (Basis.TOP_PER_DISTRICT, Basis.TOP_OVERALL, Basis.TOP_FIRMS) and not top_n:
        errors["top_n"] = _("Say how many are nominated.")
    if basis == Basis.POINTS_AT_LEAST and (min_points is None or min_points <= 0):
        errors["min_points"] = _("Give the points threshold.")
    if basis == Basis.STAR_LEVEL and not (min_stars and 1 <= min_stars <= len(STAR_HOURS)):
        errors["min_stars"] = _("Choose a star level from 1 to 5.")
    if notice_working_days is None or notice_working_days < 5:
        errors["notice_working_days"] = _("The public notice lasts at least 5 working days.")
    if not (name_zh or "").strip() or not (name_en or "").strip():
        errors["name_zh"] = _("Name the award in Chinese and in English.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def category_create(
    *,
    actor: User,
    region: Region,
    year: int,
    name_zh: str,
    name_en: str,
    basis: str,
    top_n: int | None = None,
    min_points: Decimal | None = None,
    min_stars: int | None = None,
    no_upheld_complaint: bool = True,
    profile_verified: bool = True,
    firm_in_good_standing: bool = False,
    notice_working_days: int = 5,
) -> AwardCategory:
    _category_check(
        basis=basis,
        top_n=top_n,
        min_points=min_points,
        min_stars=min_stars,
        notice_working_days=notice_working_days,
        name_zh=name_zh,
        name_en=name_en,
    )
    if AwardCategory.objects.filter(region=region, year=year, name_zh=name_zh.strip()).exists():
        raise ValidationError(
            {"name_zh": _("This region already has an award of that name for %(year)s.") % {"year": year}}
        )
    category = AwardCategory.objects.create(
        region=region,
        year=year,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        basis=basis,
        top_n=top_n,
        min_points=min_points,
        min_stars=min_stars,
        no_upheld_complaint=no_upheld_complaint,
        profile_verified=profile_verified,
        firm_in_good_standing=firm_in_good_standing,
        notice_working_days=notice_working_days,
        created_by=actor,
    )
    audit(actor=actor, action="award_category.create", obj=category, year=year, basis=basis)
    return category


def _locked(category_id: int, *statuses: str) -> AwardCategory:
    category = AwardCategory.objects.select_for_update().select_related("region").get(pk=category_id)
    if statuses and category.status not in statuses:
        raise ValidationError(
            _("This award is %(status)s; that can't be done now.") % {"status": category.get_status_display()}
        )
    return category


# --- Drafting ---------------------------------------------------------------------------------------------------


def _ineligible_people(category: AwardCategory) -> set[int]:
    """Ids of contributors the category's rules exclude (one query per rule in force)."""
    year = category.year
    excluded = set()
    if category.no_upheld_complaint:
        excluded |= set(Complaint.objects.filter(date__year=year).values_list("contributor_id", flat=True))
    if category.profile_verified:
        excluded |= set(Contributor.objects.filter(verified_at__isnull=True).values_list("id", flat=True))
    if category.firm_in_good_standing:
        # A member, at the end of the year (or today, this year), of an organisation in good standing.
        day = min(date(year, 12, 31), timezone.localdate())
        good = set(
            Membership.objects.filter(
                status__in=[Membership.Status.ACTIVE, Membership.Status.ENDED],
                started_on__lte=day,
                organisation__good_standing=True,
            )
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
            .values_list("contributor_id", flat=True)
        )
        excluded |= set(Contributor.objects.exclude(id__in=good).values_list("id", flat=True))
    return excluded


def _candidates(category: AwardCategory) -> list[Candidate]:
    """[(contributor id or None, organisation id or None, rank, points, hours, district id)] in order."""
    region = category.region
    board = Standing.objects.filter(snapshot__year=category.year, snapshot__is_current=True)
    if category.basis == Basis.TOP_FIRMS:
        # Each branch reads other columns: a row is whatever its values_list() gives.
        rows: QuerySet[Standing, tuple[Any, ...]] = (
            board.filter(scope=Standing.Scope.ORGANISATION, organisation__region__path__startswith=region.path)
            .order_by("rank")
            .values_list("organisation_id", "rank", "points", "hours", "organisation__good_standing")
        )
        picked: list[Candidate] = [
            (None, org, rank, points, hours, None)
            for org, rank, points, hours, good in rows
            if good or not category.firm_in_good_standing
        ]
        return picked[: category.top_n]

    excluded = _ineligible_people(category)
    in_region = Q(contributor__region__path__startswith=region.path)
    if category.basis == Basis.STAR_LEVEL:
        # A star-level award always has its level (_category_check); the column is nullable for the others.
        needed = STAR_HOURS[category.min_stars - 1]  # type: ignore[operator]
        lifetime = (
            LedgerEntry.objects.earned()
            .filter(contributor__region__path__startswith=region.path, effective_date__lte=date(category.year, 12, 31))
            .values("contributor_id")
            .annotate(h=Sum("hours"))
            .filter(h__gte=needed)
        )
        holders = {row["contributor_id"] for row in lifetime} - excluded
        rows = (
            board.filter(scope=Standing.Scope.OVERALL, contributor_id__in=holders)
            .order_by("rank")
            .values_list("contributor_id", "rank", "points", "hours")
        )
        return [(person, None, rank, points, hours, None) for person, rank, points, hours in rows]

    if category.basis == Basis.TOP_PER_DISTRICT:
        districts = Region.objects.filter(path__startswith=region.path, level=Region.Level.DISTRICT)
        if region.level == Region.Level.DISTRICT:
            districts = [region]
        picked = []
        for district in districts:
            # The district's board: its people's overall rows, in overall order, ranked within it.
            rows = (
                board.filter(scope=Standing.Scope.OVERALL, district=district)
                .order_by("rank")
                .values_list("contributor_id", "district_rank", "points", "hours")
            )
            eligible: list[Candidate] = [
                (p, None, rank, pts, hrs, district.pk) for p, rank, pts, hrs in rows if p not in excluded
            ]
            picked += eligible[: category.top_n]
        return picked

    rows = (
        board.filter(in_region, scope=Standing.Scope.OVERALL)
        .order_by("rank")
        .values_list("contributor_id", "rank", "points", "hours")
    )
    if category.basis == Basis.POINTS_AT_LEAST:
        rows = rows.filter(points__gte=category.min_points)
    eligible = [(p, None, rank, pts, hrs, None) for p, rank, pts, hrs in rows if p not in excluded]
    return eligible if category.basis == Basis.POINTS_AT_LEAST else eligible[: category.top_n]


@transaction.atomic
def nominees_draft(*, category_id: int, actor: User) -> int:
    """(Re)draft the nominees from the current standings. Nominees staff added or removed by hand stay
    as they are; untouched drafted ones are replaced."""
    category = _locked(category_id, Status.DRAFT)
    if not Standing.objects.filter(snapshot__year=category.year, snapshot__is_current=True).exists():
        raise ValidationError(
            _("There are no standings for %(year)s yet. Recompute the standings first.") % {"year": category.year}
        )
    counted_at = getattr(snapshot_of(category.year), "computed_at", None)
    category.nominations.filter(drafted=True, changed_by__isnull=True).delete()
    kept = set(category.nominations.values_list("contributor_id", "organisation_id"))
    new = [
        Nomination(
            category=category,
            contributor_id=person,
            organisation_id=org,
            rank=rank,
            points=points,
            hours=hours,
            district_id=district,
            drafted=True,
            counted_at=counted_at,
        )
        for person, org, rank, points, hours, district in _candidates(category)
        if (person, org) not in kept
    ]
    Nomination.objects.bulk_create(new)
    category.drafted_at = timezone.now()
    category.save(update_fields=["drafted_at"])
    audit(actor=actor, action="award_category.draft", obj=category, nominees=len(new))
    return category.nominations.filter(status=Nomination.Status.NOMINATED).count()


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; it is kept with the nominee list.")})
    return reason


def _figures(
    category: AwardCategory, *, contributor: Contributor | None = None, organisation: Organisation | None = None
) -> tuple[int | None, Decimal | int, Decimal | int, int | None]:
    """The nominee's current standing (rank, points, hours, district id) on the board the category
    drafts from, or zeros when not on it. A per-district award counts the person's district rank."""
    board = Standing.objects.filter(snapshot__year=category.year, snapshot__is_current=True)
    if organisation is not None:
        row = board.filter(scope=Standing.Scope.ORGANISATION, organisation=organisation).first()
    else:
        # Overall rows also carry the person's district and their rank within it.
        row = board.filter(scope=Standing.Scope.OVERALL, contributor=contributor).first()
    if organisation is None and category.basis == Basis.TOP_PER_DISTRICT:
        if row is None or row.district_id is None:
            return None, 0, 0, None
        return row.district_rank, row.points, row.hours, row.district_id
    if row is None:
        return None, 0, 0, None
    return row.rank, row.points, row.hours, None


def rule_text(category: AwardCategory, rule: str) -> str:
    """One of the award's rules, as staff read it when a nominee fails it (in the active language)."""
    year = category.year
    texts = {
        "hours": lambda: _("verified service hours in %(year)s (none on that year's standings)") % {"year": year},
        "points": lambda: _("at least %(points)s points in %(year)s") % {"points": category.min_points, "year": year},
        "stars": lambda: (
            _("%(stars)s stars: %(hours)s verified hours by the end of %(year)s")
            % {"stars": category.min_stars, "hours": STAR_HOURS[(category.min_stars or 1) - 1], "year": year}
        ),
        "complaint": lambda: _("no upheld complaint in %(year)s") % {"year": year},
        "verified": lambda: _("profile verified by the bureau"),
        "good_standing": lambda: (
            _("organisation in good standing")
            if category.for_organisations
            else _("member of an organisation in good standing")
        ),
    }
    return texts[rule]() if rule in texts else rule


def nominee_rules_failed(
    category: AwardCategory,
    *,
    hours: Decimal | int,
    points: Decimal | int,
    contributor: Contributor | None = None,
    organisation: Organisation | None = None,
) -> list[str]:
    """The award's rules the nominee does not meet, as codes for `rule_text`, checked as drafting checks
    them: the year's hours and points as the standings counted them (`hours`, `points`: the nominee's row),
    lifetime hours for a star level, and the eligibility rules the award has switched on."""
    year = category.year
    failed = []
    if not hours or hours <= 0:
        failed.append("hours")
    if category.basis == Basis.POINTS_AT_LEAST and points < (category.min_points or 0):
        failed.append("points")
    if organisation is not None:
        if category.firm_in_good_standing and not organisation.good_standing:
            failed.append("good_standing")
        return failed
    person: Contributor = contributor  # type: ignore[assignment]  # one of the two is given
    if category.basis == Basis.STAR_LEVEL:
        lifetime = LedgerEntry.objects.earned().filter(
            contributor=person, effective_date__lte=date(year, 12, 31)
        ).aggregate(h=Sum("hours"))["h"] or Decimal(0)
        if lifetime < STAR_HOURS[(category.min_stars or 1) - 1]:
            failed.append("stars")
    if category.no_upheld_complaint and Complaint.objects.filter(contributor=person, date__year=year).exists():
        failed.append("complaint")
    if category.profile_verified and person.verified_at is None:
        failed.append("verified")
    if category.firm_in_good_standing:
        day = min(date(year, 12, 31), timezone.localdate())
        good = (
            Membership.objects.filter(
                contributor=person,
                status__in=[Membership.Status.ACTIVE, Membership.Status.ENDED],
                started_on__lte=day,
                organisation__good_standing=True,
            )
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
            .exists()
        )
        if not good:
            failed.append("good_standing")
    return failed


@transaction.atomic
def nomination_add(
    *,
    category_id: int,
    actor: User,
    reason: str,
    contributor: Contributor | None = None,
    organisation: Organisation | None = None,
    override_reason: str = "",
) -> Nomination:
    """Staff add a nominee by hand, with the reason. Someone the award's rules exclude (as drafting would
    have) is refused with the rules they fail, unless staff also give `override_reason`: then they are
    added, the rules and that reason kept on the nomination and in the audit row (never on the notice)."""
    category = _locked(category_id, Status.DRAFT)
    reason = _reason(reason)
    if (contributor is None) == (organisation is None) or (organisation is None) == category.for_organisations:
        raise ValidationError(
            _("This award is for organisations.") if category.for_organisations else _("This award is for people.")
        )
    # The check above leaves exactly one of the two.
    subject: Organisation | Contributor = organisation or contributor  # type: ignore[assignment]
    refuse_own(actor, subject, message=_("You cannot nominate yourself or your own organisation."))
    if not subject.region.path.startswith(category.region.path):
        raise ValidationError(
            _("Only people and organisations of %(region)s can be nominated.") % {"region": category.region.name}
        )
    rank, points, hours, district = _figures(category, contributor=contributor, organisation=organisation)
    nomination = category.nominations.filter(contributor=contributor, organisation=organisation).first()
    if nomination is not None and nomination.status == Nomination.Status.NOMINATED:
        raise ValidationError(_("Already nominated."))
    failed = nominee_rules_failed(
        category, hours=hours, points=points, contributor=contributor, organisation=organisation
    )
    override_reason = (override_reason or "").strip() if failed else ""
    if failed and not override_reason:
        name = organisation.name if organisation is not None else contributor.legal_name  # type: ignore[union-attr]
        raise ValidationError(
            {
                "override_reason": [
                    _(
                        "%(name)s does not meet these rules of the award. To add them anyway, give the reason "
                        "for setting the rules aside; it is kept with the nominee and in the audit log."
                    )
                    % {"name": name},
                    *[rule_text(category, rule) for rule in failed],
                ]
            }
        )
    if nomination is None:
        nomination = Nomination(category=category, contributor=contributor, organisation=organisation, drafted=False)
    nomination.status, nomination.reason, nomination.changed_by, nomination.changed_at = (
        Nomination.Status.NOMINATED,
        reason,
        actor,
        timezone.now(),
    )
    nomination.rank, nomination.points, nomination.hours, nomination.district_id = rank, points, hours, district
    nomination.counted_at = getattr(snapshot_of(category.year), "computed_at", None)
    nomination.rules_failed, nomination.override_reason = failed, override_reason
    nomination.save()
    audit(
        actor=actor,
        action="nomination.add",
        obj=nomination,
        reason=reason,
        rules_failed=failed,
        override_reason=override_reason,
    )
    return nomination


@transaction.atomic
def nomination_remove(*, nomination_id: int, actor: User, reason: str) -> Nomination:
    nomination = Nomination.objects.select_related("category").get(pk=nomination_id)
    _locked(nomination.category_id, Status.DRAFT)
    reason = _reason(reason)
    return _remove(nomination, actor=actor, reason=reason)


def _remove(nomination: Nomination, *, actor: User, reason: str) -> Nomination:
    nomination.status, nomination.reason, nomination.changed_by, nomination.changed_at = (
        Nomination.Status.REMOVED,
        reason,
        actor,
        timezone.now(),
    )
    nomination.save(update_fields=["status", "reason", "changed_by", "changed_at"])
    audit(actor=actor, action="nomination.remove", obj=nomination, reason=reason)
    return nomination


# --- Public notice and objections --------------------------------------------------------------------------


def notice_period(posted_on: date, days: int) -> tuple[date, date]:
    """(first day, last day) of a public notice of `days` working days posted on `posted_on`. The day it
    is posted does not count: the period starts on the next working day, so a notice posted on a Friday
    or over the weekend starts on Monday. Working days are Monday to Friday less the public holidays staff
    keep (`PublicHoliday`); weekend days worked in lieu (调休) are not modelled, so they never count."""
    holidays = set(
        PublicHoliday.objects.filter(
            date__gt=posted_on, date__lte=posted_on + timedelta(days=days * 3 + 30)
        ).values_list("date", flat=True)
    )
    working: list[date] = []
    day = posted_on
    while len(working) < days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            working.append(day)
    return working[0], working[-1]


@transaction.atomic
def notice_publish(*, category_id: int, actor: User) -> AwardCategory:
    category = _locked(category_id, Status.DRAFT)
    if not category.nominations.filter(status=Nomination.Status.NOMINATED).exists():
        raise ValidationError(_("There is nobody on the list. Draft the nominees first."))
    category.status = Status.NOTICE
    category.notice_starts_on, category.notice_ends_on = notice_period(
        timezone.localdate(), category.notice_working_days
    )
    category.save(update_fields=["status", "notice_starts_on", "notice_ends_on"])
    audit(actor=actor, action="award_category.notice", obj=category, until=category.notice_ends_on.isoformat())
    return category


def notice_is_open(category: AwardCategory, today: date | None = None) -> bool:
    """Objections are taken from the day the notice is posted (before its counted period starts: that
    only gives the public more time) to the last day of its period."""
    today = today or timezone.localdate()
    # notice_publish sets the notice's start and end together.
    return category.status == Status.NOTICE and category.notice_ends_on is not None and today <= category.notice_ends_on


@transaction.atomic
def objection_lodge(
    *, category_id: int, body: str, nomination_id: int | None = None, name: str = "", contact: str = ""
) -> Objection:
    """Anyone may object while the notice is up; nothing is needed but the objection itself."""
    category = AwardCategory.objects.select_for_update().get(pk=category_id)
    if not notice_is_open(category):
        raise ValidationError(_("The public notice period is over; objections can no longer be lodged."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write your objection.")})
    nomination = None
    if nomination_id:
        nomination = category.nominations.filter(pk=nomination_id, status=Nomination.Status.NOMINATED).first()
        if nomination is None:
            raise ValidationError({"nomination": _("Choose a nominee from the list.")})
    objection = Objection.objects.create(
        category=category, nomination=nomination, body=body, name=(name or "").strip(), contact=(contact or "").strip()
    )
    audit(actor=None, action="objection.lodge", obj=objection, category=category.pk)
    return objection


@transaction.atomic
def objection_resolve(*, objection_id: int, actor: User, upheld: bool, resolution: str) -> Objection:
    objection = Objection.objects.select_for_update().get(pk=objection_id)
    _locked(objection.category_id, Status.NOTICE)
    if objection.status != Objection.Status.OPEN:
        raise ValidationError(_("This objection has already been resolved."))
    if objection.nomination is not None:
        refuse_own(actor, objection.nomination.contributor, objection.nomination.organisation)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the objection was resolved; the answer is kept.")})
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.resolution, objection.resolved_by, objection.resolved_at = resolution, actor, timezone.now()
    objection.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    if upheld and objection.nomination and objection.nomination.status == Nomination.Status.NOMINATED:
        _remove(objection.nomination, actor=actor, reason=_("Objection upheld: %(why)s") % {"why": resolution})
    audit(actor=actor, action="objection.resolve", obj=objection, upheld=upheld)
    return objection


# --- Approval ---------------------------------------------------------------------------------------------------


def _holder_name(nomination: Nomination) -> str:
    # A nomination is of an organisation or of a person, never both: organisation_id tells which.
    return nomination.organisation.name if nomination.organisation_id else nomination.contributor.legal_name  # type: ignore[union-attr]


def category_approve(*, category_id: int, actor: User) -> list[Certificate]:
    """Approve after the notice: certificates for every nominee, then the honour roll page (queued).
    Approving again (a double click, a re-run) returns the same certificates and issues none."""
    with transaction.atomic():
        category = AwardCategory.objects.select_for_update().get(pk=category_id)
        if category.status == Status.APPROVED:
            # The honour roll job may have been lost (broker down, retries spent): queue it again; it
            # makes the page once.
            honour_roll_queue(category)
            return list(Certificate.objects.filter(nomination__category=category))
        if category.status != Status.NOTICE:
            raise ValidationError(_("Put the nominees on public notice first."))
        # A category on notice has its notice's end (notice_publish sets it).
        if timezone.localdate() <= category.notice_ends_on:  # type: ignore[operator]
            raise ValidationError(
                _("The public notice runs until %(day)s; approve after it ends.")
                % {"day": category.notice_ends_on.isoformat()}  # type: ignore[union-attr]
            )
        if category.objections.filter(status=Objection.Status.OPEN).exists():
            raise ValidationError(_("Resolve every objection before approving."))
        nominated = category.nominations.filter(status=Nomination.Status.NOMINATED).select_related(
            "contributor", "organisation"
        )
        refuse_own(
            actor,
            *(n.contributor or n.organisation for n in nominated),
            message=_("You are among the nominees of this award: another member of staff has to approve it."),
        )
        issued = []
        for nomination in category.nominations.filter(
            status=Nomination.Status.NOMINATED, certificate__isnull=True
        ).select_related("contributor", "organisation"):
            try:
                with transaction.atomic():
                    issued.append(
                        certificate_issue(
                            kind=Certificate.Kind.AWARD,
                            holder_name=_holder_name(nomination),
                            title_zh=f"{category.year}年度{category.name_zh}",
                            title_en=f"{category.name_en} {category.year}",
                            year=category.year,
                            hours=nomination.hours,
                            points=nomination.points,
                            actor=actor,
                            contributor=nomination.contributor,
                            organisation=nomination.organisation,
                            nomination=nomination,
                        )
                    )
            except IntegrityError:
                continue  # already has its certificate
        category.status, category.approved_at, category.approved_by = Status.APPROVED, timezone.now(), actor
        category.save(update_fields=["status", "approved_at", "approved_by"])
        audit(actor=actor, action="award_category.approve", obj=category, certificates=len(issued))
        honour_roll_queue(category)
    return issued


# --- Reading ----------------------------------------------------------------------------------------------------


def categories_for_staff(region: Region, year: int | None = None) -> QuerySet[AwardCategory]:
    categories = AwardCategory.objects.filter(region__path__startswith=region.path).select_related("region")
    return categories.filter(year=year) if year else categories


def nominees(category: AwardCategory, status: str | None = None) -> QuerySet[Nomination]:
    """The nominee list with people and organisations, nominated first."""
    rows = category.nominations.select_related(
        "contributor__region", "organisation__region", "district", "changed_by", "certificate__revoked_by"
    ).order_by("status", "district__path", "rank", "id")
    return rows if status is None else rows.filter(status=status)


def nominees_public(category: AwardCategory) -> QuerySet[Nomination]:
    """What the notice shows: the nominees, less any whose certificate was revoked."""
    return nominees(category, Nomination.Status.NOMINATED).exclude(certificate__revoked_at__isnull=False)


def public_name(nomination: Nomination) -> str:
    # A nomination is of an organisation or of a person, never both: organisation_id tells which.
    if nomination.organisation_id:
        return nomination.organisation.name  # type: ignore[union-attr]
    person: Contributor = nomination.contributor  # type: ignore[assignment]
    return person.legal_name if person.public_listing else masked_name(person.legal_name)


def notices_open(today: date | None = None) -> QuerySet[AwardCategory]:
    today = today or timezone.localdate()
    return (
        AwardCategory.objects.filter(status=Status.NOTICE, notice_ends_on__gte=today)
        .select_related("region")
        .order_by("notice_ends_on", "id")
    )


def honourees(category: AwardCategory) -> QuerySet[Certificate]:
    """Certificates of an approved category that still stand (revoked ones leave the honour roll)."""
    return (
        Certificate.objects.filter(nomination__category=category, revoked_at__isnull=True)
        .select_related("nomination__contributor", "nomination__organisation", "nomination__district")
        .order_by("nomination__district__path", "nomination__rank", "id")
    )


def nominee_lookup(category: AwardCategory, text: str | None) -> Contributor | Organisation | None:
    """The person (by practice licence number or mobile) or organisation (by licence number) staff
    typed, within the category's region; None when there is no such one."""
    from volunteers.people.licences import licence_normalise

    text = licence_normalise(text or "") or (text or "").strip()
    if not text:
        return None
    in_region = Q(region__path__startswith=category.region.path)
    if category.for_organisations:
        return Organisation.objects.filter(in_region, licence_number=text).select_related("region").first()
    return (
        Contributor.objects.filter(in_region)
        .filter(Q(licence_number=text) | Q(phone=text))
        .select_related("region")
        .first()
    )


def honour_roll_queue(category: AwardCategory) -> Job:
    """Queue publishing the approved award's honour roll page (the cms app makes it, once)."""
    return job_enqueue(task="honour_roll", args={"category_id": category.pk})
