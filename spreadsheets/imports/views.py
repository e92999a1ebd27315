"""The staff import page: templates to download, upload and preview, confirm, and each import's progress."""

import csv
import io

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from core.http import page_of
from spreadsheets.imports.engine import KINDS, import_kinds
from spreadsheets.imports.services import import_confirm, import_preview
from spreadsheets.resources.people import DateWidget, YesNoWidget
from spreadsheets.upload import SheetError
from volunteers.models import ImportJob
from volunteers.people import selectors
from volunteers.people.views import staff_required

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_LANGUAGES = ("zh-hans", "en")


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"))
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or XLSX)"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No kind chosen beforehand: checking a roster as organisations would only confuse.
        self.fields["kind"].choices = [("", _("Choose…"))] + [(kind.code, kind.label) for kind in import_kinds()]


def _kind_or_404(code):
    if code not in KINDS:
        raise Http404
    return KINDS[code]


@staff_required
def staff_imports(request, scope):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        upload = form.cleaned_data["file"]
        try:
            plan, token = import_preview(kind=kind, upload=upload, scope=scope, actor=request.user)
        except SheetError as exc:
            form.add_error("file", str(exc))
        else:
            return render(
                request,
                "volunteers/staff/import_preview.html",
                {
                    "scope": scope,
                    "plan": plan,
                    "kind": KINDS[kind],
                    "token": token,
                    "name": upload.name,
                    "form": ImportForm(initial={"kind": kind}),
                },
            )
    jobs = ImportJob.objects.filter(region__path__startswith=scope.path).select_related("region", "requested_by")
    return render(
        request,
        "volunteers/staff/imports.html",
        {
            "scope": scope,
            "form": form,
            "kinds": import_kinds(),
            "page": page_of(request, jobs),
            "limit_mb": settings.PB_IMPORT_MAX_MB,
            "limit_rows": settings.PB_IMPORT_MAX_ROWS,
        },
    )


@login_required
@require_POST
@staff_required
def staff_import_confirm(request, scope):
    kind = _kind_or_404(request.POST.get("kind", ""))
    name = request.POST.get("name", "")[:200] or "upload"
    try:
        job, plan = import_confirm(
            actor=request.user,
            scope=scope,
            kind=kind.code,
            token=request.POST.get("token", ""),
            original_name=name,
            invite=request.POST.get("invite") == "1",
        )
    except SheetError as exc:
        form = ImportForm(initial={"kind": kind.code})
        form.errors["file"] = form.error_class([str(exc)])
        return render(
            request,
            "volunteers/staff/imports.html",
            {
                "scope": scope,
                "form": form,
                "kinds": import_kinds(),
                "page": page_of(request, ImportJob.objects.filter(region__path__startswith=scope.path)),
                "limit_mb": settings.PB_IMPORT_MAX_MB,
                "limit_rows": settings.PB_IMPORT_MAX_ROWS,
            },
        )
    if job is None:  # the data changed since the preview: show what is wrong now
        return render(
            request,
            "volunteers/staff/import_preview.html",
            {
                "scope": scope,
                "plan": plan,
                "kind": kind,
                "token": None,
                "name": name,
                "changed_since": True,
                "form": ImportForm(initial={"kind": kind.code}),
            },
        )
    return redirect("staff_import", pk=job.pk)


@staff_required
def staff_import(request, scope, pk):
    job = selectors.get_in_scope_or_404(ImportJob.objects.select_related("region", "requested_by"), scope, pk)
    return render(
        request,
        "volunteers/staff/import_job.html",
        {
            "scope": scope,
            "job": job,
            "working": job.working,
            "kind": KINDS.get(job.kind),
        },
    )


@staff_required
def staff_import_template(request, scope, kind, language, extension):
    """An empty file with the kind's columns headed in Chinese or English, and a sheet explaining them."""
    kind = _kind_or_404(kind)
    if language not in TEMPLATE_LANGUAGES or extension not in ("xlsx", "csv"):
        raise Http404
    with translation.override(language):
        columns = kind.resource_class().columns()
        headers = [column.header() + ("*" if column.required else "") for column in columns]
        filename = f"{kind.code}-{language}.{extension}"
        if extension == "csv":
            buffer = io.StringIO()
            csv.writer(buffer).writerow(headers)
            response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv")
        else:
            response = HttpResponse(_template_xlsx(kind, columns, headers), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _template_xlsx(kind, columns, headers):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(kind.label)[:31]
    sheet.append(headers)
    for index, cell in enumerate(sheet[1], start=1):
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(12, len(headers[index - 1]) * 2)
        # Text cells: a licence number typed here keeps all its digits.
        for row in range(2, 502):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(_("Notes")[:31])
    notes.append([_("Column"), _("Required"), _("What to write")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in columns:
        notes.append([column.header(), _("Yes") if column.required else "", _column_help(column)])
    notes.append([])
    notes.append([str(kind.help_text)])
    notes.append([_("Only the first sheet is imported. Columns marked * must be filled in.")])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column_help(column):
    choices = getattr(column.widget, "choices", None)
    if choices:
        return _("One of: %(choices)s") % {"choices": "、".join(str(label) for _code, label in choices)}
    if isinstance(column.widget, YesNoWidget):
        return _("是 or 否 (yes or no)")
    if isinstance(column.widget, DateWidget):
        return _("A date, e.g. 2025-03-08")
    return str(column.help_text or "")
