"""Logging other pro-bono work, amending it, and serving its evidence to those allowed to see it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.http import form_add_errors
from volunteers.models import EvidenceFile, ServiceRecord
from volunteers.people import selectors
from volunteers.people.views import to_profile_form
from volunteers.records import services as records
from volunteers.records.forms import LogWorkForm

FIELDS = (
    "service_type",
    "date",
    "start_time",
    "hours",
    "people_served",
    "special_groups",
    "region",
    "venue",
    "description",
)


def _save(request, contributor, record=None):
    form = LogWorkForm(request.POST, request.FILES)
    if form.is_valid():
        values = {name: form.cleaned_data[name] for name in FIELDS}
        files = form.cleaned_data["files"]
        try:
            if record is None:
                record = records.record_log(
                    actor=request.user,
                    contributor=contributor,
                    files=files,
                    submission=form.cleaned_data["submission"],
                    **values,
                )
                messages.success(request, _("Logged. Bureau staff of the region will review it."))
            else:
                remove = [int(v) for v in request.POST.getlist("remove") if v.isdigit()]
                records.record_amend(
                    actor=request.user, contributor=contributor, record=record, files=files, remove=remove, **values
                )
                messages.success(request, _("Saved and sent for review again."))
            return form, redirect("my_record", pk=record.pk)
        except records.AlreadyLogged as already:
            messages.info(
                request,
                _(
                    "This form had already been sent: the work is logged once, here. To log other work, start a new form."
                ),
            )
            return form, redirect("my_record", pk=already.record.pk)
        except ValidationError as exc:
            form_add_errors(form, exc)
    return form, None


@login_required
def record_log(request):
    contributor = selectors.completed_contributor(request.user)
    if contributor is None:
        return to_profile_form(reverse("record_log"))
    if request.method == "POST":
        form, done = _save(request, contributor)
        if done:
            return done
    else:
        form = LogWorkForm(initial={"region": contributor.region_id})
    return render(request, "volunteers/record_form.html", {"form": form, "record": None})


@login_required
def record_edit(request, pk):
    contributor = selectors.completed_contributor(request.user)
    if contributor is None:
        return to_profile_form(reverse("record_edit", args=[pk]))
    record = ServiceRecord.objects.filter(contributor=contributor, signup__isnull=True, pk=pk).first()
    if record is None:
        raise Http404
    if record.status not in (ServiceRecord.Status.SUBMITTED, ServiceRecord.Status.REJECTED):
        messages.error(request, _("This record has been decided; appeal the decision instead."))
        return redirect("my_record", pk=record.pk)
    if request.method == "POST":
        form, done = _save(request, contributor, record)
        if done:
            return done
    else:
        form = LogWorkForm(
            initial={name: getattr(record, name) for name in FIELDS if name != "start_time"}
            | {
                "start_time": timezone.localtime(record.started_at).time().replace(second=0, microsecond=0),
                "service_type": record.service_type_id,
                "region": record.region_id,
                "venue": record.venue_id,
            }
        )
    return render(
        request,
        "volunteers/record_form.html",
        {"form": form, "record": record, "evidence": list(record.evidence.all())},
    )


@login_required
def evidence_file(request, pk, file_pk):
    """The file itself, to its owner or to staff whose region holds the record; a 404 to anyone else
    (the file has no public URL)."""
    evidence = (
        EvidenceFile.objects.select_related("record__contributor", "record__region")
        .filter(pk=file_pk, record_id=pk)
        .first()
    )
    if evidence is None:
        raise Http404
    record = evidence.record
    scope = selectors.staff_region(request.user)
    if record.contributor.user_id != request.user.pk and not (scope and scope.contains(record.region)):
        raise Http404
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=evidence.content_type == "application/pdf" and "download" in request.GET,
        filename=evidence.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response
