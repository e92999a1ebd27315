"""Bureau staff: recognition reports and monthly digests — start one, watch it being built, download
it. Reports of regions outside the staff member's subtree are a 404, as everywhere in the staff area."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.http import form_add_errors, year_param
from pointbook.models import RecognitionReport
from pointbook.reports import services as reports
from volunteers.models import Region
from volunteers.people.views import staff_required

PAGE_SIZE = 30
CONTENT_TYPES = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _regions(scope):
    """Regions a report can be asked for: the staff member's own and those below it down to
    townships (a village is too small for a report)."""
    return scope.subtree().filter(Q(pk=scope.pk) | Q(level__lte=Region.Level.TOWNSHIP)).order_by("path")


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Report"), choices=RecognitionReport.Kind.choices, initial=RecognitionReport.Kind.ANNUAL
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"),
        queryset=Region.objects.none(),
        error_messages={"invalid_choice": gettext_lazy("Choose a region in your area: this one is outside it.")},
    )
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=reports.FIRST_YEAR)
    month = forms.IntegerField(
        label=gettext_lazy("Month"),
        min_value=1,
        max_value=12,
        required=False,
        help_text=gettext_lazy("For a monthly digest only."),
    )

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = _regions(scope)
        self.fields["region"].label_from_instance = lambda r: f"{'· ' * (r.depth - scope.depth)}{r.name}"
        today = timezone.localdate()
        self.fields["year"].max_value = today.year
        self.fields["year"].widget.attrs["max"] = today.year
        self.initial.setdefault("region", scope.pk)
        self.initial.setdefault("year", today.year - 1 if today.month < 3 else today.year)


@staff_required
def staff_reports(request, scope):
    """Stored reports of the staff member's area, and the form that starts one."""
    if request.method == "POST":
        form = ReportRequestForm(request.POST, scope=scope)
        if form.is_valid():
            data = form.cleaned_data
            monthly = data["kind"] == RecognitionReport.Kind.MONTHLY
            try:
                report = reports.report_request(
                    region=data["region"],
                    kind=data["kind"],
                    year=data["year"],
                    month=data["month"] if monthly else None,
                    actor=request.user,
                )
            except ValidationError as exc:
                form_add_errors(form, exc)
            else:
                messages.success(request, _("The report is being built; this page shows how far it has got."))
                return redirect("staff_report", report.pk)
    else:
        form = ReportRequestForm(scope=scope)
    regions = list(_regions(scope))
    year = year_param(request) if request.GET.get("year") else None
    region = next((r for r in regions if str(r.pk) == request.GET.get("region", "")), None)
    page = Paginator(reports.reports_for_staff(scope, year=year, region=region), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = "&".join(f"{k}={v}" for k, v in (("year", year), ("region", region and region.pk)) if v)
    return render(
        request,
        "pointbook/staff_reports.html",
        {
            "scope": scope,
            "form": form,
            "page": page,
            "years": reports.report_years(scope),
            "regions": regions,
            "year": year,
            "region": region,
            "page_query": query,
        },
    )


@staff_required
def staff_report(request, scope, pk):
    report = reports.report_for_staff(scope, pk)
    if report is None:
        raise Http404
    return render(
        request,
        "pointbook/staff_reports_detail.html",
        {"scope": scope, "report": report, "building": report.working},
    )


@staff_required
def staff_report_file(request, scope, pk, fmt):
    """The stored PDF or spreadsheet, as a download, to staff whose area holds the report's region."""
    report = reports.report_for_staff(scope, pk)
    if fmt not in CONTENT_TYPES or report is None or report.status != RecognitionReport.Status.DONE:
        raise Http404
    stored = getattr(report, fmt)
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    period = f"{report.year}-{report.month:02d}" if report.month else str(report.year)
    name = f"{'digest' if report.month else 'recognition-report'}-{report.region.code}-{period}.{fmt}"
    response = FileResponse(handle, content_type=CONTENT_TYPES[fmt], as_attachment=True, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
