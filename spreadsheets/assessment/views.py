"""The annual assessment report's pages: bureau staff build it for a region of their subtree, a firm
admin for their organisation; both watch the build and download the file. Staff asking for a build
outside their area, and admins for another organisation's, get 404; people with neither role 403."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from core.http import form_add_errors, page_of
from core.jobs import job_state
from pointbook.assessment.selectors import FIRST_YEAR
from pointbook.firm_record.selectors import GUIDELINE_HOURS
from spreadsheets.assessment import services as assessment
from spreadsheets.exports import services as exports
from volunteers.models import ExportJob, Region
from volunteers.people import selectors
from volunteers.people.selectors import organisation_for_admin_or_404
from volunteers.people.views import staff_required


def _regions(scope):
    """Regions a report can be built for: the staff member's own and those below it down to townships."""
    return scope.subtree().filter(Q(pk=scope.pk) | Q(level__lte=Region.Level.TOWNSHIP)).order_by("path")


class AssessmentForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        error_messages={"invalid": gettext_lazy("Give the year as four digits, such as 2025.")},
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=ExportJob.Format.choices,
        initial=ExportJob.Format.XLSX,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].widget.attrs.update({"min": FIRST_YEAR, "max": this_year, "inputmode": "numeric"})
        self.initial.setdefault("year", this_year - 1)
        if scope is not None:
            self.fields["region"] = forms.ModelChoiceField(
                label=gettext_lazy("Region"),
                queryset=_regions(scope),
                initial=scope.pk,
                error_messages={
                    "invalid_choice": gettext_lazy("Choose a region in your area: this one is outside it.")
                },
            )
            self.fields["region"].label_from_instance = lambda r: f"{'· ' * (r.depth - scope.depth)}{r.name}"
            self.order_fields(["year", "region", "format"])


def _context(**extra):
    return {"guideline_hours": f"{GUIDELINE_HOURS:g}", "this_year": timezone.localdate().year, **extra}


@staff_required
def staff_assessment(request, scope):
    """The form that builds a region's report, and the builds of the staff member's area."""
    form = AssessmentForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = assessment.assessment_start(
                actor=request.user,
                year=data["year"],
                fmt=data["format"],
                region=data["region"],
                language=translation.get_language(),
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            return redirect("staff_assessment_job", pk=job.pk)
    return render(
        request,
        "spreadsheets/assessment.html",
        _context(scope=scope, form=form, page=page_of(request, assessment.assessment_builds(region=scope))),
    )


def _staff_build_or_404(scope, pk):
    builds = ExportJob.objects.filter(dataset=assessment.DATASET).select_related(
        "region", "organisation", "requested_by"
    )
    return selectors.get_in_scope_or_404(builds, scope, pk)


@staff_required
def staff_assessment_job(request, scope, pk):
    job = _staff_build_or_404(scope, pk)
    return render(request, "spreadsheets/assessment_job.html", _context(scope=scope, job=job))


@login_required
def firm_assessment(request, pk):
    """A firm admin builds the report of their organisation's practitioners."""
    organisation = organisation_for_admin_or_404(request.user, pk)
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = assessment.assessment_start(
                actor=request.user,
                year=data["year"],
                fmt=data["format"],
                organisation=organisation,
                language=translation.get_language(),
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            return redirect("firm_assessment_job", pk=organisation.pk, job=job.pk)
    return render(
        request,
        "spreadsheets/assessment.html",
        _context(
            organisation=organisation,
            form=form,
            page=page_of(request, assessment.assessment_builds(organisation=organisation)),
        ),
    )


def _firm_build_or_404(request, pk, job):
    organisation = organisation_for_admin_or_404(request.user, pk)
    build = assessment.assessment_builds(organisation=organisation).filter(pk=job).first()
    if build is None:
        raise Http404
    return organisation, build


@login_required
def firm_assessment_job(request, pk, job):
    organisation, build = _firm_build_or_404(request, pk, job)
    return render(
        request,
        "spreadsheets/assessment_job.html",
        _context(organisation=organisation, job=build),
    )


@login_required
def firm_assessment_progress(request, pk, job):
    """The build's status and progress, which its page polls (as staff pages poll staff_job)."""
    _organisation, build = _firm_build_or_404(request, pk, job)
    return JsonResponse(job_state(build))


@login_required
def firm_assessment_file(request, pk, job):
    _organisation, build = _firm_build_or_404(request, pk, job)
    if build.status != ExportJob.Status.DONE or not build.file:
        raise Http404
    try:
        handle = build.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=exports.CONTENT_TYPES[build.format],
        as_attachment=True,
        filename=exports.export_filename(build),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
