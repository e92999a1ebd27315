"""Service requests: the public form, follow page and rating link (no account, throttled); the
contributor's requests; the staff queue. Personal data only on the assignee's and staff pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.http import absolute_url, form_add_errors, page_of
from core.qr import qr_svg
from core.ratelimit import over_limit, retry_minutes
from volunteers.models import Contributor, RequestPolicy, RequestTerms, ServiceRequest, ServiceType
from volunteers.people import selectors as people
from volunteers.people.views import staff_required, to_profile_form
from volunteers.service_requests import selectors
from volunteers.service_requests import services as svc
from volunteers.service_requests.forms import (
    CloseForm,
    DeclineForm,
    FollowForm,
    PolicyForm,
    ProgressForm,
    RateForm,
    ReasonForm,
    RequestForm,
    ReviewForm,
    TermsForm,
)

FIELDS = ("name", "phone", "region", "service_type", "description", "urgency", "special_groups")


def _throttled(request, group, form, template, context):
    """None within the limit; else the form again, with the wait, as a 429 (nothing was done)."""
    wait = over_limit(request, group)
    if wait is None:
        return None
    minutes = retry_minutes(wait)
    form.add_error(
        None,
        ngettext(
            "Too many requests from this connection. Try again in %(minutes)s minute.",
            "Too many requests from this connection. Try again in %(minutes)s minutes.",
            minutes,
        )
        % {"minutes": minutes},
    )
    response = render(request, template, {**context, "form": form}, status=429)
    response["Retry-After"] = str(wait)
    return response


# --- The public -------------------------------------------------------------------------------------


def request_new(request):
    """Ask for legal help: no account needed. A village legal adviser signed in registers it for
    someone (the adviser channel)."""
    form = RequestForm(request.POST or None)
    if request.method == "POST":
        throttled = _throttled(request, "service_request", form, "service_requests/new.html", {})
        if throttled:
            return throttled
        if form.is_valid():
            adviser = people.completed_contributor(request.user)
            try:
                made = svc.request_register(
                    actor=request.user,
                    channel=ServiceRequest.Channel.ADVISER if adviser else ServiceRequest.Channel.PUBLIC,
                    submission=form.cleaned_data["submission"],
                    **{k: form.cleaned_data[k] for k in FIELDS},
                )
            except ValidationError as exc:
                form_add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Your request is registered. Keep the reference number %(ref)s to follow it.")
                    % {"ref": made.reference},
                )
                return redirect("request_status", token=made.follow_token)
    return render(request, "service_requests/new.html", {"form": form})


def request_follow(request):
    """Find one's request by reference number and the phone's last four digits."""
    form = FollowForm(request.POST or None)
    if request.method == "POST":
        throttled = _throttled(request, "request_follow", form, "service_requests/follow.html", {})
        if throttled:
            return throttled
        if form.is_valid():
            found = ServiceRequest.objects.filter(
                reference=svc.reference_normalised(form.cleaned_data["reference"]),
                phone__endswith=form.cleaned_data["phone_last4"],
            ).first()
            if found is not None and form.cleaned_data["reference"].strip():
                return redirect("request_status", token=found.follow_token)
            form.add_error(None, _("No request matches this reference number and phone number."))
    return render(request, "service_requests/follow.html", {"form": form})


def request_status(request, token):
    """Status only: no personal data, the helper's name at most."""
    found = (
        ServiceRequest.objects.select_related("service_type", "assignee", "queue_region")
        .filter(follow_token=token)
        .first()
    )
    if found is None:
        raise Http404
    events = [e for e in found.events.all() if e.kind not in ("progress", "reviewed")]
    return render(request, "service_requests/status.html", {"req": found, "events": events})


def request_rate(request, token):
    found = ServiceRequest.objects.select_related("service_type", "assignee").filter(rating_token=token).first()
    if found is None or found.state != ServiceRequest.State.CLOSED:
        return render(request, "service_requests/rate.html", {"state": "gone"}, status=404)
    if found.public_score is not None:
        return render(request, "service_requests/rate.html", {"state": "done", "req": found})
    form = RateForm(request.POST or None)
    if request.method == "POST":
        context = {"state": "open", "req": found}
        throttled = _throttled(request, "rating", form, "service_requests/rate.html", context)
        if throttled:
            return throttled
        if form.is_valid():
            try:
                svc.request_rate(
                    token=token,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    rater=request.user,
                )
                return render(request, "service_requests/rate.html", {"state": "thanks", "req": found})
            except ValidationError as exc:
                form_add_errors(form, exc)
    return render(request, "service_requests/rate.html", {"state": "open", "req": found, "form": form})


# --- Contributors -----------------------------------------------------------------------------------


def _contributor(request, next_url):
    contributor = people.completed_contributor(request.user)
    return contributor, (to_profile_form(next_url) if contributor is None else None)


@login_required
def my_requests(request):
    contributor, away = _contributor(request, reverse("my_requests"))
    if away:
        return away
    return render(
        request,
        "service_requests/my_requests.html",
        {
            "page": page_of(request, selectors.requests_of(contributor)),
            "claimable": selectors.claimable_for(contributor),
        },
    )


def _links(found):
    rating_url = absolute_url(reverse("request_rate", args=[found.rating_token]))
    return {"rating_url": rating_url, "qr": qr_svg(rating_url)}


@login_required
def my_request(request, pk):
    contributor, away = _contributor(request, reverse("my_request", args=[pk]))
    if away:
        return away
    found = selectors.requests_of(contributor).filter(pk=pk).first()
    if found is None:
        # A published request they may take is shown too (without personal data).
        found = next((r for r in selectors.claimable_for(contributor, limit=1000) if r.pk == pk), None)
        if found is None:
            raise Http404
        return render(request, "service_requests/my_request.html", {"req": found, "claim": True})
    close_form = CloseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and found.state == ServiceRequest.State.ACCEPTED:
        if close_form.is_valid():
            data = close_form.cleaned_data
            try:
                svc.request_close(
                    contributor=contributor,
                    request=found,
                    outcome=data["outcome"],
                    date=data["date"],
                    start_time=data["start_time"],
                    hours=data["hours"],
                    self_score=data["self_score"],
                    files=data["files"],
                    submission=data["submission"],
                )
                messages.success(request, _("Finished. Bureau staff will review the service record."))
                return redirect("my_request", pk=pk)
            except ValidationError as exc:
                form_add_errors(close_form, exc)
    elif request.method == "POST":
        raise Http404
    context = {
        "req": found,
        "events": list(found.events.select_related("contributor")),
        "close_form": close_form,
        "decline_form": DeclineForm(),
        "progress_form": ProgressForm(),
    }
    if found.state == ServiceRequest.State.CLOSED:
        context.update(_links(found))
    return render(request, "service_requests/my_request.html", context)


@login_required
@require_POST
def my_request_act(request, pk, action):
    contributor = people.completed_contributor(request.user)
    if contributor is None or action not in ("accept", "decline", "progress", "claim"):
        raise Http404
    found = ServiceRequest.objects.filter(pk=pk).first()
    if found is None or (action != "claim" and found.assignee_id != contributor.pk):
        raise Http404
    try:
        if action == "accept":
            svc.request_accept(contributor=contributor, request=found)
            messages.success(request, _("Accepted. The person's contact details are below."))
        elif action == "decline":
            svc.request_decline(contributor=contributor, request=found, reason=request.POST.get("reason", ""))
            messages.success(request, _("Declined. The request is back with bureau staff."))
            return redirect("my_requests")
        elif action == "progress":
            svc.request_progress(contributor=contributor, request=found, note=request.POST.get("note", ""))
            messages.success(request, _("Noted."))
        else:
            svc.request_claim(contributor=contributor, request=found)
            messages.success(request, _("It is yours. The person's contact details are below."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if action == "claim":
            return redirect("my_requests")
    return redirect("my_request", pk=pk)


# --- Bureau staff -----------------------------------------------------------------------------------


@staff_required
def staff_requests(request, scope):
    state = request.GET.get("state", "")
    overdue = request.GET.get("overdue") == "1"
    page = page_of(request, selectors.requests_for_staff(scope, state=state, overdue=overdue))
    return render(
        request,
        "service_requests/staff_requests.html",
        {
            "scope": scope,
            "page": page,
            "state": state,
            "overdue": overdue,
            "states": ServiceRequest.State.choices,
            "overdue_count": selectors.overdue_count(scope),
            "now": timezone.now(),
            "page_query": urlencode({"state": state, "overdue": "1" if overdue else ""}),
        },
    )


@staff_required
def staff_request_new(request, scope):
    form = RequestForm(request.POST or None, staff=True)
    form.fields["region"].queryset = scope.subtree().order_by("path")
    if request.method == "POST" and form.is_valid():
        try:
            made = svc.request_register(
                actor=request.user,
                channel=form.cleaned_data["channel"],
                submission=form.cleaned_data["submission"],
                **{k: form.cleaned_data[k] for k in FIELDS},
            )
            messages.success(request, _("Registered as %(ref)s.") % {"ref": made.reference})
            return redirect("staff_request", pk=made.pk)
        except ValidationError as exc:
            form_add_errors(form, exc)
    return render(
        request,
        "volunteers/staff/form.html",
        {"scope": scope, "form": form, "title": _("Register a service request"), "back": "staff_requests"},
    )


@staff_required
def staff_request(request, scope, pk):
    found = selectors.request_for_staff(scope, pk)
    if found is None:
        raise Http404
    context = {
        "scope": scope,
        "req": found,
        "events": list(found.events.select_related("actor", "contributor")),
        "review_form": ReviewForm(),
        "reason_form": ReasonForm(),
        "may_dispatch": found.state in ServiceRequest.UNASSIGNED and scope.contains(found.queue_region),
    }
    if context["may_dispatch"]:
        context["suggestions"] = selectors.suggestions(found, actor=request.user)
    if found.state == ServiceRequest.State.CLOSED:
        context.update(_links(found))
    return render(request, "service_requests/staff_request.html", context)


@login_required
@require_POST
@staff_required
def staff_request_act(request, scope, pk, action):
    found = selectors.request_for_staff(scope, pk)
    if found is None or action not in ("dispatch", "publish", "review", "reopen"):
        raise Http404
    try:
        if action == "dispatch":
            contributor = Contributor.objects.filter(pk=request.POST.get("contributor") or 0).first()
            if contributor is None:
                raise ValidationError(_("Choose who takes the request."))
            svc.request_dispatch(actor=request.user, scope=scope, request=found, contributor=contributor)
            messages.success(request, _("Dispatched to %(name)s.") % {"name": contributor.legal_name})
        elif action == "publish":
            svc.request_publish(actor=request.user, scope=scope, request=found)
            messages.success(request, _("Published: qualified contributors can take it."))
        elif action == "review":
            form = ReviewForm(request.POST)
            score = form.cleaned_data["score"] if form.is_valid() else None
            svc.request_review(
                actor=request.user, scope=scope, request=found, score=score, note=request.POST.get("note", "")
            )
            messages.success(request, _("Review saved."))
        else:
            svc.request_reopen(actor=request.user, scope=scope, request=found, reason=request.POST.get("reason", ""))
            messages.success(request, _("Reopened: it is back with the contributor."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("staff_request", pk=pk)


@staff_required
def staff_request_rules(request, scope):
    # City-wide rules: only staff responsible for a whole tree (the city bureau) change them.
    if not scope.is_root():
        raise PermissionDenied
    policy = RequestPolicy.current()
    form = PolicyForm(request.POST or None, initial={"escalate_hours": policy.escalate_hours})
    if request.method == "POST" and form.is_valid():
        svc.request_policy_update(actor=request.user, escalate_hours=form.cleaned_data["escalate_hours"])
        messages.success(request, _("Saved."))
        return redirect("staff_request_rules")
    return render(
        request,
        "service_requests/staff_rules.html",
        {
            "scope": scope,
            "form": form,
            "types": selectors.service_types_with_terms(),
            "defaults": (RequestTerms.DEFAULT_ACCEPT_HOURS, RequestTerms.DEFAULT_FINISH_DAYS),
        },
    )


@staff_required
def staff_request_terms(request, scope, code):
    """One service type's time limits and who may take its requests (city staff)."""
    if not scope.is_root():
        raise PermissionDenied
    service_type = get_object_or_404(ServiceType, code=code)
    terms = getattr(service_type, "request_terms", None) or RequestTerms(service_type=service_type)
    initial = {
        "accept_hours": terms.accept_hours,
        "finish_days": terms.finish_days,
        "eligible_kinds": terms.eligible_kinds,
    }
    form = TermsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        svc.request_terms_update(actor=request.user, service_type=service_type, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("staff_request_rules")
    return render(
        request,
        "volunteers/staff/form.html",
        {"scope": scope, "form": form, "title": str(service_type), "back": "staff_request_rules"},
    )
