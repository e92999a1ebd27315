"""Starting the annual assessment report (pointbook.assessment) for a staff member's region or a firm
admin's organisation. The report is an export (`spreadsheets.exports`: dataset "assessment"): one
ExportJob, claimed once by a worker, with progress, a stored file and an email when it is ready."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pointbook.assessment.selectors import FIRST_YEAR, assessment_has_data
from spreadsheets.exports.services import export_start
from volunteers.models import ExportJob, Organisation, Region

if TYPE_CHECKING:
    from volunteers.models import User

DATASET = "assessment"


def assessment_start(
    *,
    actor: User,
    year: int,
    fmt: str,
    region: Region | None = None,
    organisation: Organisation | None = None,
    language: str | None = None,
) -> ExportJob:
    """Build the report of `year` for `region` (staff) or `organisation` (a firm admin), as `fmt`. A year
    not begun, or one nobody in the report has any figure for, is refused with a message saying so."""
    if (region is None) == (organisation is None):
        raise ValueError("a region or an organisation")
    this_year = timezone.localdate().year
    if year < FIRST_YEAR:
        raise ValidationError(
            {"year": _("Choose a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": this_year}}
        )
    if year > this_year:
        raise ValidationError(
            {
                "year": _("%(year)s has not begun yet: choose %(last)s or an earlier year.")
                % {"year": year, "last": this_year}
            }
        )
    if not assessment_has_data(year, region=region, organisation=organisation):
        where = organisation.name if organisation is not None else region.name  # type: ignore[union-attr]
        raise ValidationError(
            {
                "year": _(
                    "Nothing to report for %(year)s: no licensed practitioner of %(where)s has verified hours or "
                    "points in that year."
                )
                % {"year": year, "where": where}
            }
        )
    return export_start(
        actor=actor,
        scope=region if region is not None else organisation.region,  # type: ignore[union-attr]
        dataset=DATASET,
        fmt=fmt,
        year=year,
        language=language,
        organisation=organisation,
    )


def assessment_builds(*, region: Region | None = None, organisation: Organisation | None = None) -> QuerySet[ExportJob]:
    """Past builds, newest first: the region's subtree's (staff builds; a firm's are on the firm's page),
    or the organisation's."""
    builds = ExportJob.objects.filter(dataset=DATASET).select_related("region", "organisation", "requested_by")
    if organisation is not None:
        builds = builds.filter(organisation=organisation)
    elif region is not None:
        builds = builds.filter(organisation__isnull=True, region__path__startswith=region.path)
    else:
        builds = builds.none()
    return builds.order_by("-created_at", "-pk")
