"""Bureau staff: the queue of records to decide, a record's evidence and decision, appeals, the
points rules (city staff) and re-scoring after a rule change."""

from celery import current_app
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from volunteers.models import ServiceType
from volunteers.services import audit
from volunteers.views import form_add_errors, staff_required

from . import appeals, conduct, rescore, selectors, services
from .forms import AdjustForm, ConductRuleForm, MessageForm, PointsRuleForm, RescoreForm
from .models import Appeal

PAGE_SIZE = 30
RESCORE_TASK = "tasks.points.rescore_apply_task"


@staff_required
def staff_records(request, scope):
    """The queue; POST approves the ticked attendance records in one go."""
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("record") if v.isdigit()][:200]
        records = list(selectors.records_waiting(scope).filter(pk__in=ids, signup__isnull=False))
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
    page = selectors.records_waiting_page(scope, request.GET.get("page"), PAGE_SIZE)
    return render(request, "pointbook/staff_records.html", {
        "scope": scope, "page": page, "flagged": selectors.records_flagged(scope)[:20],
        "tickable": any(record.signup_id for record in page)})


@staff_required
def staff_record(request, scope, pk):
    record = selectors.record_for_staff(scope, pk)
    if record is None:
        raise Http404
    return render(request, "pointbook/staff_record.html", {
        "scope": scope, "record": record, "evidence": list(record.evidence.all()),
        "entries": selectors.record_entries(record), "rating": getattr(record, "rating", None),
        "complaints": list(record.complaints.select_related("upheld_by")),
    })


@login_required
@require_POST
@staff_required
def staff_record_decide(request, scope, pk, action):
    record = selectors.record_for_staff(scope, pk)
    if record is None:
        raise Http404
    reason = request.POST.get("reason", "")[:300]
    try:
        if action == "approve":
            entry = services.record_approve(actor=request.user, scope=scope, record=record)
            messages.success(request, _("Approved; the points are posted.") if entry else
                             _("Approved. The day's or year's cap was already reached, so it earns no points."))
        elif action == "reject":
            services.record_reject(actor=request.user, scope=scope, record=record, reason=reason)
            messages.success(request, _("Rejected; the contributor sees your reason."))
        elif action == "unapprove":
            services.record_unapprove(actor=request.user, scope=scope, record=record, reason=reason)
            messages.success(request, _("Approval withdrawn; a reversal entry cancels its points."))
        elif action == "complaint":
            conduct.complaint_uphold(actor=request.user, scope=scope, record=record, reason=reason)
            messages.success(request, _("Complaint upheld; the penalty rule in force is applied."))
        elif action == "unflag":
            conduct.record_unflag(actor=request.user, scope=scope, record=record)
            messages.success(request, _("The flag is cleared."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    back = request.POST.get("back", "")
    if back.startswith("/staff/"):
        return redirect(back)
    # A decision sends staff on to the next record in the queue; the rest stay on the record.
    return redirect("staff_records" if action in ("approve", "reject", "unapprove") else reverse("staff_record", args=[record.pk]))


@staff_required
def staff_appeals(request, scope):
    status = request.GET.get("status", Appeal.Status.OPEN)
    if status not in Appeal.Status.values:
        status = Appeal.Status.OPEN
    page = Paginator(selectors.appeals_for_staff(scope, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "pointbook/staff_appeals.html", {
        "scope": scope, "page": page, "status": status, "statuses": Appeal.Status.choices,
        "page_query": f"status={status}&"})


@staff_required
def staff_appeal(request, scope, pk):
    appeal = selectors.appeal_thread(Appeal.objects.filter(region__path__startswith=scope.path), pk)
    if appeal is None:
        raise Http404
    reply, adjust = MessageForm(prefix="reply"), AdjustForm(prefix="adjust")
    refuse = MessageForm(prefix="refuse")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "reply":
                reply = MessageForm(request.POST, prefix="reply")
                if reply.is_valid():
                    appeals.appeal_reply(user=request.user, scope=scope, appeal=appeal,
                                         body=reply.cleaned_data["body"], from_staff=True)
                    return redirect("staff_appeal", pk=pk)
            elif action == "adjust":
                adjust = AdjustForm(request.POST, prefix="adjust")
                if adjust.is_valid():
                    appeals.appeal_adjust(actor=request.user, scope=scope, appeal=appeal, **adjust.cleaned_data)
                    messages.success(request, _("Resolved with an adjustment entry."))
                    return redirect("staff_appeal", pk=pk)
            elif action in ("refuse", "approve_record"):
                refuse = MessageForm(request.POST, prefix="refuse")
                if refuse.is_valid():
                    if action == "refuse":
                        appeals.appeal_refuse(actor=request.user, scope=scope, appeal=appeal,
                                              reason=refuse.cleaned_data["body"])
                        messages.success(request, _("Refused; the contributor sees your reason."))
                    else:
                        appeals.appeal_approve_record(actor=request.user, scope=scope, appeal=appeal,
                                                      reason=refuse.cleaned_data["body"])
                        messages.success(request, _("The record is approved and its points posted."))
                    return redirect("staff_appeal", pk=pk)
            else:
                raise Http404
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("staff_appeal", pk=pk)
    return render(request, "pointbook/appeal_thread.html", {
        "scope": scope, "appeal": appeal, "staff": True, "form": reply, "adjust_form": adjust, "refuse_form": refuse})


def _city_staff(scope):
    # Rules hold city-wide; only staff responsible for the whole city change them.
    if not scope.is_root():
        raise PermissionDenied


@staff_required
def staff_rules(request, scope):
    _city_staff(scope)
    return render(request, "pointbook/staff_rules.html", {
        "scope": scope, "types": selectors.rules_by_type(), "conduct": selectors.conduct_rules()})


def _save_version(request, form, *, ok):
    try:
        with transaction.atomic():
            version = form.save(commit=False)
            version.created_by = request.user
            version.save()
            audit(actor=request.user, action="rule_version_add", obj=version, **{
                name: str(form.cleaned_data[name]) for name in form.cleaned_data})
    except IntegrityError:
        form.add_error("effective_from", _("A version from this date exists already; choose another date."))
        return False
    messages.success(request, ok)
    return True


@staff_required
def staff_rule_new(request, scope, type_pk):
    _city_staff(scope)
    service_type = ServiceType.objects.filter(pk=type_pk).first()
    if service_type is None:
        raise Http404
    current = service_type.points_rules.order_by("-effective_from").first()
    form = PointsRuleForm(request.POST or None, instance=None, initial={
        name: getattr(current, name) for name in PointsRuleForm.Meta.fields if current and name != "effective_from"})
    if request.method == "POST" and form.is_valid():
        form.instance.service_type = service_type
        if _save_version(request, form, ok=_("New version saved. Re-score to apply it to records already approved.")):
            return redirect(f"{reverse('staff_rescore')}?service_type={service_type.pk}"
                            f"&from_date={form.cleaned_data['effective_from'].isoformat()}")
    return render(request, "pointbook/staff_rule_form.html", {
        "scope": scope, "form": form, "service_type": service_type, "current": current})


@staff_required
def staff_conduct_new(request, scope):
    _city_staff(scope)
    form = ConductRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _save_version(request, form, ok=_("New penalty or bonus version saved.")):
            return redirect("staff_rules")
    return render(request, "pointbook/staff_rule_form.html", {"scope": scope, "form": form, "service_type": None})


@staff_required
def staff_rescore(request, scope):
    """Preview (GET with a service type and date) and confirm (POST: a job posts the adjustments)."""
    _city_staff(scope)
    form = RescoreForm(request.POST or request.GET or None)
    preview = None
    if form.is_bound and form.is_valid():
        service_type, from_date = form.cleaned_data["service_type"], form.cleaned_data["from_date"]
        if request.method == "POST":
            # By name: pointbook does not import the tasks package (it imports pointbook).
            args = (service_type.pk, from_date.isoformat(), request.user.pk)
            transaction.on_commit(lambda: current_app.signature(RESCORE_TASK, args=args).delay())
            messages.success(request, _("Re-scoring has started; the adjustments appear in the ledger in a few "
                                        "moments. Run the preview again to see that nothing is left."))
            return redirect(f"{reverse('staff_rescore')}?service_type={service_type.pk}"
                            f"&from_date={from_date.isoformat()}")
        changes, records, people, net = rescore.rescore_summary(service_type_id=service_type.pk,
                                                                from_date=from_date)
        preview = {"changes": changes, "records": records, "people": people, "net": net}
    elif form.is_bound:
        form_add_errors(form, ValidationError(_("Choose a service type and a date.")))
    return render(request, "pointbook/staff_rescore.html", {"scope": scope, "form": form, "preview": preview})
