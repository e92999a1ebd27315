"""My points, and the staff queue of service records waiting for a decision."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from volunteers.models import ServiceRecord
from volunteers.selectors import completed_contributor
from volunteers.views import staff_required, to_profile_form

from . import selectors, services

PAGE_SIZE = 30


@login_required
def my_points(request):
    contributor = completed_contributor(request.user)
    if contributor is None:
        return to_profile_form(reverse("my_points"))
    page = Paginator(selectors.entries_for(contributor), PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.explain_page(page.object_list)
    return render(request, "pointbook/my_points.html", {
        "summary": selectors.points_summary(contributor), "page": page, "entries": page,
    })


@staff_required
def staff_records(request, scope):
    """The queue; POST approves the ticked records in one go."""
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("record") if v.isdigit()][:200]
        records = list(selectors.records_waiting(scope).filter(pk__in=ids))
        done, refused = services.records_approve(actor=request.user, scope=scope, records=records)
        if done:
            messages.success(request, ngettext("%(count)s record approved; its points are posted.",
                                               "%(count)s records approved; their points are posted.",
                                               len(done)) % {"count": len(done)})
        for record, message in refused:
            messages.error(request, f"{record.contributor.legal_name} {record.date}: {message}")
        if not ids:
            messages.error(request, _("Tick the records to approve."))
        return redirect("staff_records")
    page = Paginator(selectors.records_waiting(scope), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "pointbook/staff_records.html", {"scope": scope, "page": page})


@login_required
@require_POST
@staff_required
def staff_record_decide(request, scope, pk, action):
    record = get_object_or_404(ServiceRecord.objects.filter(region__path__startswith=scope.path), pk=pk)
    reason = request.POST.get("reason", "")[:300]
    try:
        if action == "approve":
            services.record_approve(actor=request.user, scope=scope, record=record)
            messages.success(request, _("Approved; the points are posted."))
        elif action == "reject":
            services.record_reject(actor=request.user, scope=scope, record=record, reason=reason)
            messages.success(request, _("Rejected; the contributor sees your reason."))
        elif action == "unapprove":
            services.record_unapprove(actor=request.user, scope=scope, record=record, reason=reason)
            messages.success(request, _("Approval withdrawn; a reversal entry cancels its points."))
        else:
            return redirect("staff_records")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(request.POST.get("back") if request.POST.get("back", "").startswith("/staff/") else "staff_records")
