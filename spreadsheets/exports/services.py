"""Staff exports: a dataset of the staff member's area (their region's subtree) as XLSX or CSV.

Each dataset reads its rows with one `values()` query streamed in chunks (`.iterator(chunk_size=...)`),
so a million ledger entries go through at a constant memory and a constant number of queries per
chunk; the writers stream too (CSV row by row, openpyxl's write-only workbook), into a temporary file
that is then stored. Every cell goes through `pointbook.spreadsheets.safe_cell`, in CSV as in XLSX.

Contributors, organisations, regions, venues and service records use the import resources' columns
(headers in the requester's language, cells rendered by the same widgets), so a file exported and
imported again changes nothing; ledger entries and standings are exported only.

`export_start` counts the rows: a small export is written in the request, a larger one by the Celery
task `tasks.exports.export_run`, which calls `export_run` (claimed with a conditional update, so a
second delivery does nothing) and emails the staff member when it is done.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.files import File
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.audit import audit
from core.http import absolute_url
from core.jobs import job_beat, job_claim, job_enqueue, job_finish, job_heartbeat
from pointbook.assessment import selectors as assessment
from pointbook.assessment.selectors import AssessmentLine
from pointbook.firm_record.selectors import GUIDELINE_HOURS
from pointbook.models import LedgerEntry, Standing
from pointbook.spreadsheets import safe_cell
from pointbook.standings import services as standings
from spreadsheets.resources.people import (
    ContributorResource,
    OrganisationResource,
    RegionResource,
    SheetResource,
    VenueResource,
)
from spreadsheets.resources.points import HistoryResource
from volunteers.models import (
    Contributor,
    ExportJob,
    Membership,
    Organisation,
    Region,
    ServiceRecord,
    ServiceType,
    Venue,
)
from volunteers.people.selectors import bureau_name

if TYPE_CHECKING:
    from django.db.models import Model
    from django_stubs_ext import StrOrPromise
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from volunteers.models import User

log = logging.getLogger(__name__)

# Rows fetched from the database at a time (and how often a job's progress is saved).
CHUNK = 2000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
OPTIONAL, REQUIRED = "optional", "required"
# Excel's most rows in a sheet, less the header: longer exports go on in a second sheet.
XLSX_SHEET_ROWS = 1_048_575


def _year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """An aware date-time as the naive local time a spreadsheet shows (XLSX holds no time zones)."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment is not None else None


def _person(licence: str | None, email: str | None) -> str:
    return licence or email or ""


# --- Datasets


class ExportDataset:
    """What one export holds: its headers, its rows (a streamed `values()` query) and how one is rendered."""

    code: str = ""
    label: StrOrPromise = ""
    order = 100
    year: str | None = None  # None: no year; OPTIONAL: all years when empty; REQUIRED
    chunk_size = CHUNK
    listed = True  # offered on the staff export page (False: started from a page of its own)
    for_organisations = False  # a firm admin may export it for their organisation
    page = "staff_export"  # the staff page of one export (its email links there)

    def headers(self) -> list[str]:
        raise NotImplementedError

    # The rows of any model, as `values()` dicts or `values_list()` tuples, as `row` takes them.
    def queryset(self, scope: Region, year: int | None) -> QuerySet[Any, Any]:
        raise NotImplementedError

    def prepare(self, scope: Region, year: int | None) -> dict[str, Any] | None:
        """What rendering every row needs (labels in the active language…), read once."""
        return None

    # `values`: one row of `queryset`; `context`: what `prepare` returned. The cells are of any type.
    def row(self, values: Any, context: Any) -> list[Any]:
        raise NotImplementedError

    def count(self, scope: Region, year: int | None) -> int:
        return self.queryset(scope, year).count()

    def rows(self, scope: Region, year: int | None) -> Iterator[list[Any]]:
        context = self.prepare(scope, year)
        for values in self.queryset(scope, year).iterator(chunk_size=self.chunk_size):
            yield self.row(values, context)

    def organisation_count(self, organisation: Organisation, year: int | None) -> int:
        raise NotImplementedError  # only datasets `for_organisations`

    def organisation_rows(self, organisation: Organisation, year: int | None) -> Iterator[list[Any]]:
        raise NotImplementedError


class ResourceDataset(ExportDataset):
    """A dataset with an import resource's columns (the import reads them back), then any `extra` ones.
    The query's `values()` keys are the columns' attributes (`region__code`, `organisation_licence`…),
    and each cell is what the column's widget renders, as `SheetResource.row_values` does for objects."""

    # Every dataset sets it; None here keeps the base class as it was.
    resource_class: type[SheetResource] = None  # type: ignore[assignment]

    def extra_headers(self) -> list[str]:
        return []

    def extra(self, values: dict[str, Any], context: dict[str, Any]) -> list[Any]:
        return []

    def headers(self) -> list[str]:
        return [str(h) for h in self.resource_class().get_export_headers()] + [str(h) for h in self.extra_headers()]

    def objects(self, scope: Region, year: int | None) -> QuerySet[Model]:
        """The area's rows, annotated with any column attribute the model lacks, in file order."""
        raise NotImplementedError

    def queryset(self, scope: Region, year: int | None) -> QuerySet[Any, Any]:
        return self.objects(scope, year).values(*(c.attribute for c in self.resource_class().columns()))

    def prepare(self, scope: Region, year: int | None) -> dict[str, Any]:
        return {"columns": [(c.attribute, c.widget.render) for c in self.resource_class().columns()]}

    def cells(self, values: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
        return values

    def row(self, values: dict[str, Any], context: dict[str, Any]) -> list[Any]:
        values = self.cells(values, context)
        return [render(values.get(attribute)) for attribute, render in context["columns"]] + self.extra(values, context)


DATASETS: dict[str, ExportDataset] = {}
_DatasetT = TypeVar("_DatasetT", bound=ExportDataset)


def dataset_register(dataset_class: type[_DatasetT]) -> type[_DatasetT]:
    dataset = dataset_class()
    DATASETS[dataset.code] = dataset
    return dataset_class


def export_datasets() -> list[ExportDataset]:
    return sorted(DATASETS.values(), key=lambda d: d.order)


@dataset_register
class ContributorExport(ResourceDataset):
    code = "contributors"
    label = gettext_lazy("Contributors (roster)")
    order = 10
    resource_class = ContributorResource

    def objects(self, scope: Region, year: int | None) -> QuerySet[Contributor]:
        current = (
            Membership.objects.filter(contributor=OuterRef("pk"), status=Membership.Status.ACTIVE)
            .order_by("-started_on", "-pk")
            .values("organisation__licence_number")[:1]
        )
        return (
            Contributor.objects.filter(region__path__startswith=scope.path)
            .annotate(organisation_licence=Subquery(current))
            .order_by("legal_name", "pk")
        )


@dataset_register
class OrganisationExport(ResourceDataset):
    code = "organisations"
    label = gettext_lazy("Organisations")
    order = 20
    resource_class = OrganisationResource

    def objects(self, scope: Region, year: int | None) -> QuerySet[Organisation]:
        return Organisation.objects.filter(region__path__startswith=scope.path).order_by("name", "pk")


@dataset_register
class RegionExport(ResourceDataset):
    code = "regions"
    label = gettext_lazy("Regions")
    order = 30
    resource_class = RegionResource

    def objects(self, scope: Region, year: int | None) -> QuerySet[Region]:
        # The parent's path is the region's without its last step (treebeard's materialised path).
        parent = Region.objects.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Region.steplen)
        ).values("code")[:1]
        return scope.subtree().annotate(parent_code=Subquery(parent)).order_by("path")


@dataset_register
class VenueExport(ResourceDataset):
    code = "venues"
    label = gettext_lazy("Venues")
    order = 40
    resource_class = VenueResource

    def objects(self, scope: Region, year: int | None) -> QuerySet[Venue]:
        return Venue.objects.filter(region__path__startswith=scope.path).order_by("region__path", "name", "pk")


@dataset_register
class RecordExport(ResourceDataset):
    """Service records of the area (where the work was done), with the history import's columns: the
    source id is the record's import id, or `record:<id>` for records made on the site."""

    code = "records"
    label = gettext_lazy("Service records")
    order = 50
    year = OPTIONAL
    resource_class = HistoryResource

    def extra_headers(self) -> list[str]:
        return [_("Status")]

    def queryset(self, scope: Region, year: int | None) -> QuerySet[ServiceRecord, Any]:
        records = ServiceRecord.objects.filter(region__path__startswith=scope.path)
        if year:
            records = records.filter(date__range=_year_range(year))
        return records.order_by("date", "pk").values(
            "pk",
            "import_ref",
            "contributor__licence_number",
            "contributor__user__email",
            "contributor__legal_name",
            "service_type_id",
            "region__code",
            "venue__name",
            "date",
            "hours",
            "people_served",
            "special_groups",
            "description",
            "status",
        )

    def prepare(self, scope: Region, year: int | None) -> dict[str, Any]:
        context = super().prepare(scope, year)
        context["types"] = {t.pk: str(t) for t in ServiceType.objects.all()}
        context["statuses"] = {code: str(label) for code, label in ServiceRecord.Status.choices}
        return context

    def cells(self, values: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
        values["import_ref"] = values["import_ref"] or f"record:{values['pk']}"
        values["person"] = _person(values["contributor__licence_number"], values["contributor__user__email"])
        values["service_type"] = context["types"].get(values["service_type_id"], "")
        return values

    def extra(self, values: dict[str, Any], context: dict[str, Any]) -> list[Any]:
        return [context["statuses"].get(values["status"], values["status"])]


@dataset_register
class LedgerExport(ExportDataset):
    code = "ledger"
    label = pgettext_lazy("dataset", "Ledger entries")
    order = 60
    year = OPTIONAL

    def headers(self) -> list[str]:
        return [
            _("Date"),
            _("Licence number or email"),
            pgettext("person", "Name"),
            _("Service type"),
            _("Kind"),
            _("Source"),
            _("Points"),
            _("Hours"),
            _("Explanation"),
            _("Idempotency key"),
            _("Created at"),
        ]

    def queryset(self, scope: Region, year: int | None) -> QuerySet[LedgerEntry, tuple[Any, ...]]:
        entries = LedgerEntry.objects.filter(contributor__region__path__startswith=scope.path)
        if year:
            entries = entries.filter(effective_date__range=_year_range(year))
        return entries.order_by("effective_date", "pk").values_list(
            "effective_date",
            "contributor__licence_number",
            "contributor__user__email",
            "contributor__legal_name",
            "service_type_id",
            "kind",
            "source",
            "points",
            "hours",
            "explanation",
            "idempotency_key",
            "created_at",
        )

    def prepare(self, scope: Region, year: int | None) -> dict[str, Any]:
        return {
            "types": {t.pk: str(t) for t in ServiceType.objects.all()},
            "kinds": {code: str(label) for code, label in LedgerEntry.Kind.choices},
            "sources": {code: str(label) for code, label in LedgerEntry.Source.choices},
        }

    def row(self, v: tuple[Any, ...], context: dict[str, Any]) -> list[Any]:
        (date, licence, email, name, type_id, kind, source, points, hours, explanation, key, created_at) = v
        return [
            date,
            _person(licence, email),
            name,
            context["types"].get(type_id, ""),
            context["kinds"].get(kind, kind),
            context["sources"].get(source, source),
            points,
            hours,
            explanation,
            key,
            _local(created_at),
        ]


@dataset_register
class StandingExport(ExportDataset):
    """The current standings of a year for the area's contributors and organisations, board by board
    (their ranks are the boards' own, city-wide). Full names: staff see them. A district's and a kind's
    board are the overall rows with their `district_rank` / `kind_rank`; one streamed query per board."""

    code = "standings"
    label = gettext_lazy("Standings")
    order = 70
    year = REQUIRED

    def headers(self) -> list[str]:
        return [_("Board"), _("Rank"), _("Name"), _("Licence number"), _("Points"), _("Hours")]

    def _boards(
        self, scope: Region, year: int | None
    ) -> list[tuple[QuerySet[Standing], str, Callable[[dict[str, Any], dict[str, Any]], str]]]:
        """[(rows, rank field, how a row's board is labelled)] in the order the file lists them."""
        snapshot = standings.snapshot_of(year) if year else None
        rows = Standing.objects.filter(snapshot=snapshot)
        people = rows.filter(contributor__region__path__startswith=scope.path)
        overall = people.filter(scope=Standing.Scope.OVERALL)
        return [
            (overall.order_by("rank", "pk"), "rank", lambda v, c: c["scopes"][Standing.Scope.OVERALL]),
            (
                rows.filter(
                    scope=Standing.Scope.ORGANISATION, organisation__region__path__startswith=scope.path
                ).order_by("rank", "pk"),
                "rank",
                lambda v, c: c["scopes"][Standing.Scope.ORGANISATION],
            ),
            (
                overall.filter(district_rank__isnull=False).order_by("district__path", "district_rank", "pk"),
                "district_rank",
                lambda v, c: c["regions"].get(v["district_id"], ""),
            ),
            (
                overall.filter(kind_rank__isnull=False).order_by("kind", "kind_rank", "pk"),
                "kind_rank",
                lambda v, c: c["kinds"].get(v["kind"], v["kind"]),
            ),
        ]

    def _overall(self, scope: Region, year: int | None) -> QuerySet[Standing]:
        snapshot = standings.snapshot_of(year) if year else None
        return Standing.objects.filter(
            snapshot=snapshot, scope=Standing.Scope.OVERALL, contributor__region__path__startswith=scope.path
        )

    def count(self, scope: Region, year: int | None) -> int:
        # Service-type boards live in each overall row's `types` (only their tops are rows of their own).
        types = sum(len(t or {}) for t in self._overall(scope, year).values_list("types", flat=True).iterator())
        return sum(rows.count() for rows, _rank, _label in self._boards(scope, year)) + types

    def rows(self, scope: Region, year: int | None) -> Iterator[list[Any]]:
        context: dict[str, Any] = {
            "scopes": {code: str(label) for code, label in Standing.Scope.choices},
            "regions": dict(Region.objects.filter(level__lte=Region.Level.DISTRICT).values_list("pk", "name")),
            "kinds": {code: str(label) for code, label in Contributor.Kind.choices},
            "types": {t.pk: str(t) for t in ServiceType.objects.all()},
        }
        for rows, rank, label in self._boards(scope, year):
            values = rows.values(
                rank,
                "scope_key",
                "district_id",
                "kind",
                "points",
                "hours",
                "contributor__legal_name",
                "contributor__licence_number",
                "contributor__user__email",
                "organisation__name",
                "organisation__licence_number",
            )
            for v in values.iterator(chunk_size=self.chunk_size):
                if v["organisation__name"] is not None:
                    name, licence = v["organisation__name"], v["organisation__licence_number"]
                else:
                    name = v["contributor__legal_name"]
                    licence = _person(v["contributor__licence_number"], v["contributor__user__email"])
                yield [label(v, context), v[rank], name, licence, v["points"], v["hours"]]
        # The service-type boards, from the overall rows' `types`, board by board in rank order.
        values = self._overall(scope, year).values(
            "types", "contributor__legal_name", "contributor__licence_number", "contributor__user__email"
        )
        # The rows are plain dicts; the plugin types them as a TypedDict, which dict[str, Any] does not accept.
        for v in standings.service_type_values(values.iterator(chunk_size=self.chunk_size)):  # type: ignore[arg-type]
            key = v["scope_key"]
            yield [
                context["types"].get(int(key), key) if key.isdigit() else key,
                v["rank"],
                v["contributor__legal_name"],
                _person(v["contributor__licence_number"], v["contributor__user__email"]),
                v["points"],
                v["hours"],
            ]


@dataset_register
class AssessmentExport(ExportDataset):
    """The annual assessment report (pointbook.assessment): one row per licensed practitioner of the
    region or the firm, with the year's figures. Started from its own page, by staff or a firm admin."""

    code = "assessment"
    label = gettext_lazy("Annual assessment report")
    order = 80
    year = REQUIRED
    listed = False
    for_organisations = True
    page = "staff_assessment_job"

    def headers(self) -> list[str]:
        return [
            pgettext("assessment", "Licence number"),
            pgettext("assessment", "Name"),
            pgettext("assessment", "Kind"),
            pgettext("assessment", "Firm"),
            pgettext("assessment", "Verified hours in the year"),
            pgettext("assessment", "Points earned in the year"),
            pgettext("assessment", "Met the %(hours)s-hour guideline") % {"hours": f"{GUIDELINE_HOURS:g}"},
            pgettext("assessment", "Commendations"),
            pgettext("assessment", "Upheld complaints"),
        ]

    def _row(self, line: AssessmentLine, yes: str, no: str) -> list[Any]:
        return [
            line.licence_number,
            line.name,
            line.kind_label,
            line.firm_name,
            line.hours,
            line.points,
            yes if line.guideline_met else no,
            "; ".join(line.commendation_titles),
            line.complaints,
        ]

    def _rows(self, lines: Iterable[AssessmentLine]) -> Iterator[list[Any]]:
        yes, no = _("Yes"), _("No")
        for line in lines:
            yield self._row(line, yes, no)

    def count(self, scope: Region, year: int | None) -> int:
        return assessment.assessment_count(year or 0, region=scope)

    def rows(self, scope: Region, year: int | None) -> Iterator[list[Any]]:
        return self._rows(assessment.assessment_lines(year or 0, region=scope))

    def organisation_count(self, organisation: Organisation, year: int | None) -> int:
        return assessment.assessment_count(year or 0, organisation=organisation)

    def organisation_rows(self, organisation: Organisation, year: int | None) -> Iterator[list[Any]]:
        return self._rows(assessment.assessment_lines(year or 0, organisation=organisation))


def dataset_or_none(code: str) -> ExportDataset | None:
    return DATASETS.get(code)


# --- Writers


def _csv_text(value: Any) -> str:
    value = safe_cell(value)
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)  # dates as 2025-03-08, Decimals with their places


def csv_write(handle: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """CSV in UTF-8 with a BOM (so Excel reads the Chinese correctly), row by row into `handle` (binary)."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="", write_through=False)
    writer = csv.writer(text)
    writer.writerow([_csv_text(h) for h in headers])
    count = 0
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
        count += 1
    text.flush()
    text.detach()  # leave `handle` open for the caller
    return count


def _xlsx_value(value: Any) -> Any:
    value = safe_cell(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return _local(value)
    return value


def xlsx_write(handle: IO[bytes], title: StrOrPromise, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """XLSX from openpyxl's write-only workbook (rows go to a temporary file as they come), into `handle`.
    A sheet holds at most XLSX_SHEET_ROWS rows below its header; more continue on a next sheet."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    sheet, on_sheet, sheets, count = None, XLSX_SHEET_ROWS, 0, 0
    for row in rows:
        if on_sheet == XLSX_SHEET_ROWS:
            sheets += 1
            sheet = _xlsx_sheet(workbook, _sheet_title(title, sheets), headers, bold)
            on_sheet = 0
        # Never None here: on_sheet starts at XLSX_SHEET_ROWS, so the first row makes the first sheet.
        sheet.append([_xlsx_value(value) for value in row])  # type: ignore[union-attr]
        on_sheet += 1
        count += 1
    if sheet is None:
        _xlsx_sheet(workbook, _sheet_title(title), headers, bold)
    workbook.save(handle)
    return count


def _xlsx_sheet(workbook: Workbook, title: str, headers: Sequence[str], bold: Font) -> WriteOnlyWorksheet:
    sheet = workbook.create_sheet(title=title)
    sheet.freeze_panes = "A2"
    heading = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell(text))
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    return sheet


def _sheet_title(title: StrOrPromise, number: int = 1) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), numbered from the second sheet."""
    title = str(title)
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    suffix = f" ({number})" if number > 1 else ""
    return (title.strip("' ")[: 31 - len(suffix)] or "Sheet") + suffix


def export_write(
    handle: IO[bytes],
    dataset: ExportDataset,
    fmt: str,
    scope: Region,
    year: int | None,
    *,
    on_rows: Callable[[int], None] | None = None,
    organisation: Organisation | None = None,
) -> int:
    """Write the dataset's rows for `scope` (and `year`), or for `organisation` when given, as `fmt` into
    the binary `handle`; the number of rows. `on_rows(n)` is called after every chunk of rows."""
    rows = dataset.rows(scope, year) if organisation is None else dataset.organisation_rows(organisation, year)
    if on_rows is not None:
        rows = _counting(rows, on_rows)
    if fmt == "csv":
        return csv_write(handle, dataset.headers(), rows)
    return xlsx_write(handle, dataset.label, dataset.headers(), rows)


def _counting(rows: Iterable[list[Any]], on_rows: Callable[[int], None]) -> Iterator[list[Any]]:
    n = 0
    for row in rows:
        yield row
        n += 1
        if n % CHUNK == 0:
            on_rows(n)


# --- Jobs


def export_filename(job: ExportJob) -> str:
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    year = f"-{job.year}" if job.year else ""
    where = job.organisation.licence_number if job.organisation is not None else job.region.code
    return f"{job.dataset}-{where}{year}-{stamp}.{job.format}"


def export_start(
    *,
    actor: User,
    scope: Region,
    dataset: str,
    fmt: str,
    year: int | None = None,
    language: str | None = None,
    organisation: Organisation | None = None,
) -> ExportJob:
    """Start exporting `dataset` of `scope` (or of `organisation`, for a dataset `for_organisations`; the
    scope is then the organisation's region) as `fmt`: written now when it has at most
    settings.PB_EXPORT_INLINE_ROWS rows, otherwise queued for a Celery job. The ExportJob."""
    chosen = DATASETS[dataset]
    if chosen.year is None:
        year = None
    if fmt not in CONTENT_TYPES or (organisation is not None and not chosen.for_organisations):
        raise ValueError(fmt)
    if organisation is not None:
        scope = organisation.region
    total = chosen.count(scope, year) if organisation is None else chosen.organisation_count(organisation, year)
    inline = total <= settings.PB_EXPORT_INLINE_ROWS
    with transaction.atomic():
        job = ExportJob(
            dataset=dataset,
            format=fmt,
            year=year,
            region=scope,
            organisation=organisation,
            requested_by=actor,
            rows=total,
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
        )
        if inline:
            job.save()
        else:
            job_enqueue(job)
        audit(
            actor=actor,
            action="export_start",
            obj=job,
            dataset=dataset,
            format=fmt,
            year=year,
            rows=total,
            organisation=organisation.pk if organisation else None,
        )
    if inline:
        export_run(job.pk, notify=False)
        job.refresh_from_db()
    return job


def export_run(job_id: int, *, notify: bool = True) -> str | None:
    """Write a job's file. Claimed once: a second delivery finds the job taken (or done) and does nothing;
    one whose worker died is taken over after the lease. The job's status afterwards (None: not claimed)."""
    attempt = job_claim(job_id)
    if attempt is None:
        return None
    with job_heartbeat(job_id, attempt):
        return _export_claimed(job_id, attempt, notify=notify)


def _export_claimed(job_id: int, attempt: int, *, notify: bool) -> str | None:
    job = ExportJob.objects.select_related("region", "organisation").get(pk=job_id)
    try:
        dataset = DATASETS[job.dataset]
        with translation.override(job.language):
            total = max(job.rows, 1)

            def on_rows(n: int) -> None:
                job_beat(job_id, attempt, min(99, n * 100 // total))

            with tempfile.TemporaryFile() as handle:
                rows = export_write(
                    handle, dataset, job.format, job.region, job.year, on_rows=on_rows, organisation=job.organisation
                )
                handle.seek(0)
                job.file.save(export_filename(job), File(handle), save=False)
        with transaction.atomic():
            if not job_finish(job_id, attempt):
                job.file.storage.delete(job.file.name)  # another delivery took the job over meanwhile
                return None
            ExportJob.objects.filter(pk=job_id).update(rows=rows, file=job.file.name)
    except Exception:
        log.exception("export %s failed", job_id)
        with translation.override(job.language):
            job_finish(
                job_id, attempt, failed=True, error=str(_("The export stopped on an unexpected error. Start it again."))
            )
    if notify:
        transaction.on_commit(lambda: export_email(job_id))
    return ExportJob.objects.values_list("status", flat=True).get(pk=job_id)


def export_email(job_id: int) -> int:
    """Tell the staff member, in their language, that a queued export is ready (or failed)."""
    job = ExportJob.objects.select_related("requested_by", "region", "organisation").get(pk=job_id)
    # An export always has its requester (export_start sets it); the column is nullable for plain jobs.
    user: User = job.requested_by  # type: ignore[assignment]
    if not (user.is_active and user.email):
        return 0
    if job.organisation is not None:
        # A firm admin's export: its page is in the firm's area, not the staff area.
        url = absolute_url(reverse("firm_assessment_job", args=[job.organisation.pk, job.pk]))
    else:
        dataset_page = DATASETS[job.dataset].page if job.dataset in DATASETS else "staff_export"
        url = absolute_url(reverse(dataset_page, args=[job.pk]))
    with translation.override(user.language or settings.LANGUAGE_CODE):
        dataset = DATASETS.get(job.dataset)
        what = str(dataset.label) if dataset else job.dataset
        where = job.organisation.name if job.organisation is not None else job.region.name
        facts = {"what": what, "region": where, "rows": job.rows, "url": url, "bureau": bureau_name()}
        if job.organisation is not None and job.status == ExportJob.Status.DONE:
            subject = _("Export ready: %(what)s, %(region)s") % facts
            body = (
                _(
                    "The export of %(what)s for %(region)s (%(rows)s rows) is ready. Download it here (sign in "
                    "as the organisation's administrator):\n\n%(url)s\n\n— %(bureau)s\n"
                )
                % facts
            )
        elif job.status == ExportJob.Status.DONE:
            subject = _("Export ready: %(what)s, %(region)s") % facts
            body = (
                _(
                    "The export of %(what)s for %(region)s (%(rows)s rows) is ready. Download it here (sign in "
                    "as bureau staff):\n\n%(url)s\n\n— %(bureau)s\n"
                )
                % facts
            )
        else:
            subject = _("Export failed: %(what)s, %(region)s") % facts
            body = (
                _(
                    "The export of %(what)s for %(region)s could not be written. You can start it again "
                    "here:\n\n%(url)s\n\n— %(bureau)s\n"
                )
                % facts
            )
    try:
        return EmailMessage(subject, body, to=[user.email]).send()
    except Exception:  # noqa: BLE001 — the file is on the page whatever happens to the email
        log.exception("export %s: could not email %s", job_id, user.email)
        return 0


def exports_for_staff(scope: Region) -> QuerySet[ExportJob]:
    return (
        ExportJob.objects.filter(region__path__startswith=scope.path)
        .select_related("region", "requested_by")
        .order_by("-created_at", "-pk")
    )
