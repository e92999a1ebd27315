"""Contributors' points, records and appeals; firm admins' read-only view of their members'
records; the public rating page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.http import absolute_url, form_add_errors, year_param
from core.qr import qr_svg
from pointbook.commendations import selectors as commendation_selectors
from pointbook.conduct import selectors as conduct_selectors
from pointbook.conduct import services as conduct
from pointbook.conduct import sightings
from pointbook.incentives import selectors as incentive_selectors
from pointbook.ledger import rescore, selectors, services
from pointbook.ledger.forms import ConductRuleForm, PointsRuleForm, RescoreForm
from pointbook.standings import services as standings
from volunteers.models import ServiceRecord, ServiceType
from volunteers.people.selectors import completed_contributor, organisation_for_admin_or_404
from volunteers.people.views import staff_required, to_profile_form

PAGE_SIZE = 30


def contributor_or_redirect(request, here):
    contributor = completed_contributor(request.user)
    return contributor, (None if contributor else to_profile_form(here))


@login_required
def my_points(request):
    contributor, away = contributor_or_redirect(request, reverse("my_points"))
    if away:
        return away
    page = Paginator(selectors.entries_for(contributor), PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.explain_page(page.object_list)
    open_appeals = conduct_selectors.open_appeal_ids(contributor)
    for entry in page.object_list:
        entry.open_appeal = open_appeals.get(("entry", entry.pk))
    summary = selectors.points_summary(contributor)
    return render(
        request,
        "pointbook/my_points.html",
        {
            "summary": summary,
            "page": page,
            "entries": page,
            "ranks": standings.ranks_of(contributor, summary["year"]),
            "certificates": commendation_selectors.certificates_of(contributor),
            "qualifications": incentive_selectors.qualifications_of(contributor),
        },
    )


@login_required
def my_records(request):
    contributor, away = contributor_or_redirect(request, reverse("my_records"))
    if away:
        return away
    page = Paginator(selectors.records_of(contributor), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "pointbook/my_records.html", {"page": page})


@login_required
def my_record(request, pk):
    contributor, away = contributor_or_redirect(request, reverse("my_record", args=[pk]))
    if away:
        return away
    record = selectors.record_of(contributor, pk)
    if record is None:
        raise Http404
    rating = getattr(record, "rating", None)
    rating_url = qr = None
    if rating is not None and rating.score is None and rating.expires_at > timezone.now():
        rating_url = absolute_url(reverse("rate", args=[rating.token]))
        qr = qr_svg(rating_url)
        # Where the link is shown from: a rating sent from here is checked by staff.
        sightings.note_signed_in(request)
    return render(
        request,
        "pointbook/my_record.html",
        {
            "record": record,
            "entries": selectors.record_entries(record),
            "evidence": list(record.evidence.all()),
            "rating": rating,
            "rating_url": rating_url,
            "rating_cap": settings.PB_RATING_BONUSES_PER_YEAR,
            "qr": qr,
            "open_appeal": conduct_selectors.open_appeal_ids(contributor).get(("record", record.pk)),
            "can_amend": record.is_logged
            and record.status in (ServiceRecord.Status.SUBMITTED, ServiceRecord.Status.REJECTED),
        },
    )


@login_required
def org_records(request, pk):
    """A firm admin sees their members' records and statuses, read-only."""
    organisation = organisation_for_admin_or_404(request.user, pk)
    today = timezone.localdate()
    year = year_param(request)
    page = Paginator(selectors.member_records(organisation, year=year), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "pointbook/org_records.html",
        {
            "organisation": organisation,
            "page": page,
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "page_query": f"year={year}&",
        },
    )


@staff_required
def staff_records(request, scope):
    """The queue; POST approves the ticked attendance records in one go."""
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("record") if v.isdigit()][:200]
        records = list(selectors.records_waiting(scope).filter(pk__in=ids, signup__isnull=False))
        done, refused = services.records_approve(actor=request.user, scope=scope, records=records)
        if done:
            messages.success(
                request,
                ngettext(
                    "%(count)s record approved; its points are posted.",
                    "%(count)s records approved; their points are posted.",
                    len(done),
                )
                % {"count": len(done)},
            )
        for record, message in refused:
            messages.error(request, f"{record.contributor.legal_name} {record.date}: {message}")
        if not ids:
            messages.error(request, _("Tick the records to approve."))
        return redirect("staff_records")
    page = selectors.records_waiting_page(scope, request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        "pointbook/staff_records.html",
        {
            "scope": scope,
            "page": page,
            "flagged": selectors.records_flagged(scope)[:20],
            "tickable": any(record.signup_id for record in page),
        },
    )


@staff_required
def staff_record(request, scope, pk):
    record = selectors.record_for_staff(scope, pk)
    if record is None:
        raise Http404
    return render(
        request,
        "pointbook/staff_record.html",
        {
            "scope": scope,
            "record": record,
            "evidence": list(record.evidence.all()),
            "entries": selectors.record_entries(record),
            "rating": getattr(record, "rating", None),
            "complaints": list(record.complaints.select_related("upheld_by")),
        },
    )


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
            messages.success(
                request,
                _("Approved; the points are posted.")
                if entry
                else _("Approved. The day's or year's cap was already reached, so it earns no points."),
            )
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
    return redirect(
        "staff_records" if action in ("approve", "reject", "unapprove") else reverse("staff_record", args=[record.pk])
    )


def _city_staff(scope):
    # Rules hold city-wide; only staff responsible for the whole city change them.
    if not scope.is_root():
        raise PermissionDenied


@staff_required
def staff_rules(request, scope):
    _city_staff(scope)
    return render(
        request,
        "pointbook/staff_rules.html",
        {"scope": scope, "types": selectors.rules_by_type(), "conduct": selectors.conduct_rules()},
    )


def _save_version(request, form, *, ok):
    try:
        services.rule_version_save(actor=request.user, version=form.save(commit=False))
    except ValidationError as exc:
        form_add_errors(form, exc)
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
    form = PointsRuleForm(
        request.POST or None,
        instance=None,
        initial={
            name: getattr(current, name) for name in PointsRuleForm.Meta.fields if current and name != "effective_from"
        },
    )
    if request.method == "POST" and form.is_valid():
        form.instance.service_type = service_type
        if _save_version(request, form, ok=_("New version saved. Re-score to apply it to records already approved.")):
            return redirect(
                f"{reverse('staff_rescore')}?service_type={service_type.pk}"
                f"&from_date={form.cleaned_data['effective_from'].isoformat()}"
            )
    return render(
        request,
        "pointbook/staff_rule_form.html",
        {"scope": scope, "form": form, "service_type": service_type, "current": current},
    )


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
            rescore.rescore_start(actor=request.user, service_type_id=service_type.pk, from_date=from_date)
            messages.success(
                request,
                _(
                    "Re-scoring has started; the adjustments appear in the ledger in a few "
                    "moments. Run the preview again to see that nothing is left."
                ),
            )
            return redirect(
                f"{reverse('staff_rescore')}?service_type={service_type.pk}&from_date={from_date.isoformat()}"
            )
        changes, records, people, net = rescore.rescore_summary(service_type_id=service_type.pk, from_date=from_date)
        preview = {"changes": changes, "records": records, "people": people, "net": net}
    elif form.is_bound:
        form_add_errors(form, ValidationError(_("Choose a service type and a date.")))
    return render(request, "pointbook/staff_rescore.html", {"scope": scope, "form": form, "preview": preview})
