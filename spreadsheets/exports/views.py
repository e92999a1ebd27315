"""Bureau staff: export a dataset of their area as XLSX or CSV, watch a large one being written, download
it. Exports of regions outside the staff member's subtree are a 404, as everywhere in the staff area."""

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from core.http import page_of
from spreadsheets.exports import services as exports
from volunteers.models import ExportJob
from volunteers.people import selectors
from volunteers.people.views import staff_required

FIRST_YEAR = 2000


class ExportForm(forms.Form):
    dataset = forms.ChoiceField(label=gettext_lazy("What to export"))
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=ExportJob.Format.choices,
        initial=ExportJob.Format.XLSX,
        widget=forms.RadioSelect,
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=FIRST_YEAR,
        help_text=gettext_lazy(
            "Standings need a year. Service records and ledger entries: that year only, or every year when empty."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [(d.code, d.label) for d in exports.export_datasets() if d.listed]
        this_year = timezone.localdate().year
        self.fields["year"].validators.append(MaxValueValidator(this_year))
        self.fields["year"].widget.attrs.update({"min": FIRST_YEAR, "max": this_year})
        self.initial.setdefault("year", this_year)

    def clean(self):
        data = super().clean()
        dataset = exports.dataset_or_none(data.get("dataset"))
        if dataset is not None and dataset.year == exports.REQUIRED and not data.get("year"):
            self.add_error("year", gettext_lazy("Give the year of the standings."))
        return data


@staff_required
def staff_exports(request, scope):
    """The export form, and the exports of the staff member's area."""
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job = exports.export_start(
            actor=request.user,
            scope=scope,
            dataset=data["dataset"],
            fmt=data["format"],
            year=data["year"],
            language=translation.get_language(),
        )
        return redirect("staff_export", pk=job.pk)
    return render(
        request,
        "pointbook/staff_exports.html",
        {
            "scope": scope,
            "form": form,
            "datasets": exports.export_datasets(),
            "page": page_of(request, exports.exports_for_staff(scope)),
            "inline_rows": settings.PB_EXPORT_INLINE_ROWS,
        },
    )


def _job_or_404(scope, pk):
    return selectors.get_in_scope_or_404(ExportJob.objects.select_related("region", "requested_by"), scope, pk)


@staff_required
def staff_export(request, scope, pk):
    job = _job_or_404(scope, pk)
    return render(
        request,
        "pointbook/staff_exports_detail.html",
        {"scope": scope, "job": job, "working": job.working, "dataset": exports.dataset_or_none(job.dataset)},
    )


@staff_required
def staff_export_file(request, scope, pk):
    """The written file, as a download, to staff whose area holds the export's region."""
    job = _job_or_404(scope, pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=exports.CONTENT_TYPES[job.format],
        as_attachment=True,
        filename=exports.export_filename(job),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
