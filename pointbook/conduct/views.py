from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.http import form_add_errors
from core.ratelimit import over_limit, retry_minutes
from pointbook.conduct import appeals, sightings
from pointbook.conduct import selectors as conduct_selectors
from pointbook.conduct import services as conduct
from pointbook.conduct.forms import AdjustForm, AdjustmentPolicyForm, MessageForm, RatingForm
from pointbook.ledger import selectors
from pointbook.ledger.views import PAGE_SIZE, contributor_or_redirect
from pointbook.models import AdjustmentPolicy, Appeal, LedgerEntry, PublicRating
from volunteers.models import ServiceRecord
from volunteers.people.duties import is_own
from volunteers.people.selectors import completed_contributor
from volunteers.people.views import staff_required


@login_required
@require_POST
def rating_link(request, pk):
    contributor = completed_contributor(request.user)
    record = selectors.record_of(contributor, pk) if contributor else None
    if record is None:
        raise Http404
    try:
        conduct.rating_link(contributor=contributor, record=record)
        sightings.note_signed_in(request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("my_record", args=[pk]) + "#rating")


@login_required
def appeal_new(request):
    """Appeal one of your entries (?entry=) or rejected records (?record=)."""
    contributor, away = contributor_or_redirect(request, request.get_full_path())
    if away:
        return away
    entry = record = None
    about = request.POST.get("entry") or request.GET.get("entry")
    if about and about.isdigit():
        entry = LedgerEntry.objects.earned().filter(contributor=contributor, pk=about).first()
        if entry is None:
            raise Http404
        selectors.explain_page([entry])
    else:
        about = request.POST.get("record") or request.GET.get("record")
        record = (
            ServiceRecord.objects.filter(contributor=contributor, pk=about).select_related("service_type").first()
            if about and about.isdigit()
            else None
        )
        if record is None:
            raise Http404
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = appeals.appeal_open(
                user=request.user, contributor=contributor, entry=entry, record=record, body=form.cleaned_data["body"]
            )
            messages.success(request, _("Your appeal is with bureau staff; their answer appears here."))
            return redirect("my_appeal", pk=appeal.pk)
        except ValidationError as exc:
            form_add_errors(form, exc)
    return render(request, "pointbook/appeal_new.html", {"form": form, "entry": entry, "record": record})


@login_required
def my_appeals(request):
    contributor, away = contributor_or_redirect(request, reverse("my_appeals"))
    if away:
        return away
    page = Paginator(conduct_selectors.appeals_of(contributor), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "pointbook/my_appeals.html", {"page": page})


@login_required
def my_appeal(request, pk):
    contributor, away = contributor_or_redirect(request, reverse("my_appeal", args=[pk]))
    if away:
        return away
    appeal = conduct_selectors.appeal_thread(Appeal.objects.filter(contributor=contributor), pk)
    if appeal is None:
        raise Http404
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeals.appeal_reply(user=request.user, appeal=appeal, body=form.cleaned_data["body"], from_staff=False)
            return redirect("my_appeal", pk=pk)
        except ValidationError as exc:
            form_add_errors(form, exc)
    return render(request, "pointbook/appeal_thread.html", {"appeal": appeal, "form": form, "staff": False})


def rate(request, token):
    """The public rating page behind a record's link or QR code: no account, one rating."""
    rating = conduct_selectors.rating_by_token(token)
    now = timezone.now()
    if rating is None or (rating.score is None and rating.expires_at <= now):
        return render(request, "pointbook/rate.html", {"state": "gone"}, status=404)
    if rating.score is not None:
        return render(request, "pointbook/rate.html", {"state": "done", "rating": rating})
    form = RatingForm(request.POST or None)
    if request.method == "POST":
        # No account is needed: each address may send so many ratings (settings.PB_RATE_LIMITS).
        wait = over_limit(request, "rating")
        if wait is not None:
            minutes = retry_minutes(wait)
            form.add_error(
                None,
                ngettext(
                    "Too many ratings from this connection. Try again in %(minutes)s minute; the link still works.",
                    "Too many ratings from this connection. Try again in %(minutes)s minutes; the link still works.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            response = render(
                request, "pointbook/rate.html", {"state": "open", "rating": rating, "form": form}, status=429
            )
            response["Retry-After"] = str(wait)
            return response
        if form.is_valid():
            try:
                conduct.rating_submit(
                    token=token,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    rater=request.user,
                    seen=sightings.marks(request),
                )
                return render(request, "pointbook/rate.html", {"state": "thanks"})
            except ValidationError as exc:
                form_add_errors(form, exc)
    return render(request, "pointbook/rate.html", {"state": "open", "rating": rating, "form": form})


@staff_required
def staff_appeals(request, scope):
    status = request.GET.get("status", Appeal.Status.OPEN)
    if status not in Appeal.Status.values:
        status = Appeal.Status.OPEN
    page = Paginator(conduct_selectors.appeals_for_staff(scope, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "pointbook/staff_appeals.html",
        {
            "scope": scope,
            "page": page,
            "status": status,
            "statuses": Appeal.Status.choices,
            "page_query": f"status={status}&",
        },
    )


def _staff_appeal_decide(request, scope, appeal, action, forms):
    """Carry out one staff action on an open appeal; returns the success message, or None when the
    action's form has errors (shown on the page)."""
    user = request.user
    if action == "adjust_approve":
        appeals.appeal_adjust_approve(actor=user, scope=scope, appeal=appeal)
        return _("Approved: the adjustment is posted and the appeal closed.")
    if action == "adjust_decline":
        appeals.appeal_adjust_decline(actor=user, scope=scope, appeal=appeal)
        return _("The proposed adjustment is set aside; the appeal stays open.")
    if action not in ("reply", "adjust", "refuse", "approve_record"):
        raise Http404
    name = {"approve_record": "refuse"}.get(action, action)
    form = forms[name] = type(forms[name])(request.POST, prefix=name)
    if not form.is_valid():
        return None
    data = form.cleaned_data
    if action == "reply":
        appeals.appeal_reply(user=user, scope=scope, appeal=appeal, body=data["body"], from_staff=True)
        return ""
    if action == "adjust":
        done = appeals.appeal_adjust(actor=user, scope=scope, appeal=appeal, **data)
        if done.status == Appeal.Status.OPEN:
            return _("Proposed. Another member of staff has to approve it before it posts.")
        return _("Resolved with an adjustment entry.")
    if action == "refuse":
        appeals.appeal_refuse(actor=user, scope=scope, appeal=appeal, reason=data["body"])
        return _("Refused; the contributor sees your reason.")
    appeals.appeal_approve_record(actor=user, scope=scope, appeal=appeal, reason=data["body"])
    return _("The record is approved and its points posted.")


@staff_required
def staff_appeal(request, scope, pk):
    appeal = conduct_selectors.appeal_thread(Appeal.objects.filter(region__path__startswith=scope.path), pk)
    if appeal is None:
        raise Http404
    forms = {"reply": MessageForm(prefix="reply"), "adjust": AdjustForm(prefix="adjust")}
    forms["refuse"] = MessageForm(prefix="refuse")
    if request.method == "POST":
        try:
            done = _staff_appeal_decide(request, scope, appeal, request.POST.get("action"), forms)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("staff_appeal", pk=pk)
        if done is not None:
            if done:
                messages.success(request, done)
            return redirect("staff_appeal", pk=pk)
    return render(
        request,
        "pointbook/appeal_thread.html",
        {
            "scope": scope,
            "appeal": appeal,
            "staff": True,
            "form": forms["reply"],
            "adjust_form": forms["adjust"],
            "refuse_form": forms["refuse"],
            "second_approval_above": AdjustmentPolicy.current().second_approval_above,
            "own": is_own(request.user, appeal.contributor),
        },
    )


@staff_required
def staff_adjustment_rules(request, scope):
    # A city-wide rule: only staff responsible for the whole city change it.
    if not scope.is_root():
        raise PermissionDenied
    form = AdjustmentPolicyForm(request.POST or None, instance=AdjustmentPolicy.current())
    if request.method == "POST" and form.is_valid():
        appeals.adjustment_policy_update(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("staff_adjustment_rules")
    return render(
        request,
        "volunteers/staff/form.html",
        {"scope": scope, "form": form, "title": _("Adjustment rules"), "back": "staff_appeals"},
    )


@staff_required
def staff_ratings(request, scope):
    """Good ratings whose bonus waits: sent from the contributor's own browser or network address."""
    page = Paginator(conduct_selectors.rating_bonuses_held(scope), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "pointbook/staff_ratings.html",
        {"scope": scope, "page": page, "cap": settings.PB_RATING_BONUSES_PER_YEAR},
    )


@login_required
@require_POST
@staff_required
def staff_rating_decide(request, scope, pk):
    """Confirm (the bonus is posted) or decline a held rating bonus; a rating outside the region is a 404."""
    rating = get_object_or_404(PublicRating.objects.filter(record__region__path__startswith=scope.path), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("confirm", "decline"):
        raise Http404
    try:
        if decision == "confirm":
            entry = conduct.rating_bonus_confirm(actor=request.user, scope=scope, rating=rating)
            rating.refresh_from_db()
            if rating.bonus == PublicRating.Bonus.CAPPED:
                messages.warning(request, _("Confirmed, but no bonus: the person has had this year's rating bonuses."))
            elif entry is not None:
                messages.success(request, _("Confirmed: the bonus is posted."))
            else:
                messages.success(request, _("Confirmed."))
        else:
            conduct.rating_bonus_decline(actor=request.user, scope=scope, rating=rating)
            messages.success(request, _("Declined: the rating stays, without a bonus."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("staff_ratings")
