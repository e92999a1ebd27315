"""Rota pages: signing up, My shifts and the calendar feed; staff shift editing, rosters, coverage."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.http import absolute_url, form_add_errors, page_of, safe_next
from volunteers.models import Handover, RotaPolicy, Shift, Signup
from volunteers.people import selectors
from volunteers.people.forms import form_errors_text
from volunteers.people.views import staff_required, to_profile_form
from volunteers.rota import selectors as rota_selectors
from volunteers.rota import services as rota
from volunteers.rota.forms import AttendanceForm, HandoverForm, ReasonForm, RotaPolicyForm, ShiftForm

MAX_SHIFTS_AT_ONCE = 60


@login_required
@require_POST
def signup(request):
    """Sign up for one shift (button) or several ticked shifts of an opportunity at once."""
    back = safe_next(request, reverse("my_shifts"))
    contributor = selectors.completed_contributor(request.user)
    if contributor is None:
        return to_profile_form(back)
    # A row's own button sends ?only=<id>, so shifts ticked elsewhere on the page are not taken too.
    chosen = [request.GET["only"]] if request.GET.get("only") else request.POST.getlist("shift")
    ids = [int(v) for v in chosen if v.isdigit()][:MAX_SHIFTS_AT_ONCE]
    shifts = list(Shift.objects.filter(pk__in=ids).order_by("starts_at"))
    if not shifts:
        messages.error(request, _("Tick at least one shift to sign up for."))
        return redirect(back)
    taken = 0
    for shift, _signup, refusal in rota.signups_create_many(contributor=contributor, shifts=shifts):
        if refusal is None:
            taken += 1
        else:
            messages.warning(
                request,
                _("%(when)s: %(reason)s") % {"when": rota.when_text(shift.starts_at), "reason": refusal.message},
            )
    if taken:
        messages.success(
            request,
            ngettext(
                "You are signed up for %(count)s shift. A confirmation email is on its way.",
                "You are signed up for %(count)s shifts. Confirmation emails are on their way.",
                taken,
            )
            % {"count": taken},
        )
    return redirect(back)


@login_required
@require_POST
def waitlist_join(request, pk):
    back = safe_next(request, reverse("my_shifts"))
    contributor = selectors.completed_contributor(request.user)
    if contributor is None:
        return to_profile_form(back)
    shift = get_object_or_404(Shift, pk=pk)
    try:
        result = rota.signup_join_waitlist(contributor=contributor, shift=shift)
    except rota.SignupRefused as refusal:
        messages.error(request, refusal.message)
    else:
        if result.status == Signup.Status.CONFIRMED:
            messages.success(request, _("A place was free, so you are signed up."))
        else:
            messages.success(
                request,
                _(
                    "You are on the waiting list. If a place comes free and you are first in "
                    "line, we will email you an offer."
                ),
            )
    return redirect(back)


def _own_signup(request, pk):
    contributor = selectors.completed_contributor(request.user)
    if contributor is None:
        raise Http404
    return contributor, get_object_or_404(Signup.objects.select_related("shift"), pk=pk, contributor=contributor)


@login_required
@require_POST
def signup_cancel(request, pk):
    contributor, signup = _own_signup(request, pk)
    try:
        result = rota.signup_cancel(contributor=contributor, signup=signup)
    except rota.SignupRefused as refusal:
        messages.error(request, refusal.message)
    else:
        if result.status == Signup.Status.LATE_CANCELLED:
            messages.warning(
                request,
                _("Cancelled. It was after the free-cancellation deadline, so it is recorded as a late cancellation."),
            )
        else:
            messages.success(request, _("Cancelled."))
    return redirect(safe_next(request, reverse("my_shifts")))


@login_required
@require_POST
def offer_accept(request, pk):
    contributor, signup = _own_signup(request, pk)
    try:
        rota.signup_offer_accept(contributor=contributor, signup=signup)
    except rota.SignupRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The place is yours. A confirmation email is on its way."))
    return redirect("my_shifts")


@login_required
def my_shifts(request):
    contributor = selectors.completed_contributor(request.user)
    if contributor is None:
        return to_profile_form(reverse("my_shifts"))
    now = timezone.now()
    lists = rota_selectors.my_shifts(contributor, now=now)
    feed = (
        absolute_url(reverse("calendar_feed", args=[contributor.calendar_token]))
        if contributor.calendar_token
        else None
    )
    past = page_of(request, lists["past"])
    handing = rota_selectors.handovers_open_by_signup(s.pk for s in lists["upcoming"])
    for s in lists["upcoming"]:
        s.open_handover = handing.get(s.pk)
    return render(
        request,
        "volunteers/my_shifts.html",
        {
            **lists,
            "handovers_for_me": rota_selectors.handovers_open_for(contributor, now=now),
            "past": past,
            "page": past,
            "now": now,
            "contributor": contributor,
            "feed_url": feed,
            "webcal_url": feed and "webcal://" + feed.split("://", 1)[1],
        },
    )


@login_required
@require_POST
def calendar_reset(request):
    contributor = selectors.completed_contributor(request.user)
    if contributor is None:
        raise Http404
    had = bool(contributor.calendar_token)
    rota.calendar_token_reset(contributor=contributor)
    messages.success(
        request,
        _("Your calendar address was replaced; the old one no longer works.")
        if had
        else _("Your private calendar address is ready. Add it to your phone's calendar."),
    )
    return redirect("my_shifts")


def calendar_feed(request, token):
    contributor, signups = rota_selectors.calendar_signups(token)
    if contributor is None:
        raise Http404
    from volunteers.rota.calendar import calendar_for_signups

    response = HttpResponse(calendar_for_signups(signups), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="shifts.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- Hand-overs and the firm's consent ------------------------------------------------------------


@login_required
def handover_new(request, pk):
    """The giver offers their confirmed place to a colleague, their firm or the waiting list."""
    contributor, signup = _own_signup(request, pk)
    if signup.status != Signup.Status.CONFIRMED or signup.shift.starts_at <= timezone.now():
        messages.error(request, _("Only a confirmed place on a shift to come can be handed over."))
        return redirect("my_shifts")
    form = HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rota.handover_offer(
                contributor=contributor,
                signup=signup,
                audience=form.cleaned_data["audience"],
                colleague=form.cleaned_data["colleague"],
            )
        except rota.SignupRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request,
                _(
                    "Offered. The place stays yours, and so does the duty to serve, until someone accepts; "
                    "we will email you when they do."
                ),
            )
            return redirect("my_shifts")
    return render(
        request,
        "volunteers/handover_new.html",
        {"form": form, "signup": signup, "shift": signup.shift, "late": timezone.now() > signup.shift.cancel_deadline},
    )


@login_required
@require_POST
def handover_withdraw(request, pk):
    contributor = selectors.completed_contributor(request.user)
    if contributor is None:
        raise Http404
    handover = get_object_or_404(Handover, pk=pk, giver=contributor)
    try:
        rota.handover_withdraw(contributor=contributor, handover=handover)
    except rota.SignupRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Offer withdrawn. The place is still yours."))
    return redirect("my_shifts")


def _offered_to_me_or_404(request, pk):
    contributor = selectors.completed_contributor(request.user)
    if contributor is None:
        raise Http404
    return contributor, get_object_or_404(rota_selectors.handovers_offered_to(contributor), pk=pk)


@login_required
def handover_detail(request, pk):
    """The offer as its recipient sees it (from the email link or My shifts)."""
    contributor, handover = _offered_to_me_or_404(request, pk)
    return render(
        request,
        "volunteers/handover_detail.html",
        {
            "handover": handover,
            "shift": handover.shift,
            "open": handover.status == Handover.Status.OFFERED and timezone.now() < handover.expires_at,
            "mine": handover.taker_id == contributor.pk,
        },
    )


@login_required
@require_POST
def handover_accept(request, pk):
    contributor, handover = _offered_to_me_or_404(request, pk)
    try:
        taken = rota.handover_accept(contributor=contributor, handover=handover)
    except rota.SignupRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("handover_detail", pk=handover.pk)
    if taken.status == Signup.Status.PENDING_CONSENT:
        messages.success(
            request, _("The place is held for you until your firm consents; we will email you its answer.")
        )
    else:
        messages.success(request, _("The shift is yours. A confirmation email is on its way."))
    return redirect("my_shifts")


@login_required
def org_consents(request, pk):
    """The firm administrator's queue of members' sign-ups waiting for the firm's consent."""
    organisation = selectors.organisation_for_admin_or_404(request.user, pk)
    pending = page_of(request, rota_selectors.consents_pending(organisation))
    return render(
        request, "volunteers/org_consents.html", {"organisation": organisation, "pending": pending, "page": pending}
    )


@login_required
@require_POST
def org_consent_decide(request, pk, signup_pk, action):
    organisation = selectors.organisation_for_admin_or_404(request.user, pk)
    if action not in ("approve", "decline"):
        raise Http404
    signup = get_object_or_404(rota_selectors.consents_pending(organisation), pk=signup_pk)
    try:
        rota.consent_decide(actor=request.user, signup=signup, approve=action == "approve")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        name = signup.contributor.legal_name
        messages.success(
            request,
            (_("%(name)s's sign-up is confirmed.") if action == "approve" else _("%(name)s's sign-up was declined."))
            % {"name": name},
        )
    return redirect("org_consents", pk=organisation.pk)


# --- Staff ----------------------------------------------------------------------------------------


def _shift_in_scope(scope, pk):
    return selectors.get_in_scope_or_404(
        Shift.objects.select_related("venue__region", "opportunity", "service_type"), scope, pk, field="venue__region"
    )


@staff_required
def staff_shift_edit(request, scope, pk):
    shift = _shift_in_scope(scope, pk)
    fields = {name: getattr(shift, name) for name in rota.SHIFT_FIELDS}
    fields = {k: (timezone.localtime(v) if hasattr(v, "tzinfo") else v) for k, v in fields.items()}
    form = ShiftForm(request.POST or None, scope=scope, initial=fields)
    if request.method == "POST" and form.is_valid():
        try:
            rota.shift_update(actor=request.user, scope=scope, shift=shift, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff_opportunity_shifts", pk=shift.opportunity_id)
    return render(request, "volunteers/staff/shift_form.html", {"scope": scope, "form": form, "shift": shift})


@staff_required
def staff_shift_cancel(request, scope, pk):
    shift = _shift_in_scope(scope, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rota.shift_cancel(actor=request.user, scope=scope, shift=shift, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("The shift is cancelled and everyone signed up is being told."))
            return redirect("staff_opportunity_shifts", pk=shift.opportunity_id)
    held = shift.signups.filter(status__in=Signup.OPEN).count()
    return render(
        request, "volunteers/staff/shift_cancel.html", {"scope": scope, "form": form, "shift": shift, "affected": held}
    )


@staff_required
def staff_shift_roster(request, scope, pk):
    shift = _shift_in_scope(scope, pk)
    if request.method == "POST":
        signup_id = request.POST.get("signup", "")
        signup = get_object_or_404(Signup, pk=int(signup_id) if signup_id.isdigit() else 0, shift=shift)
        form = AttendanceForm(request.POST)
        if form.is_valid():
            try:
                rota.attendance_mark(actor=request.user, scope=scope, signup=signup, **form.cleaned_data)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("%(name)s: saved.") % {"name": signup.contributor.legal_name})
        else:
            messages.error(request, form_errors_text(form))
        return redirect("staff_shift_roster", pk=shift.pk)
    return render(
        request,
        "volunteers/staff/roster.html",
        {
            "scope": scope,
            "shift": shift,
            "started": timezone.now() >= shift.starts_at,
            **rota_selectors.shift_roster(shift),
            "starts_local": timezone.localtime(shift.starts_at),
            "ends_local": timezone.localtime(shift.ends_at),
        },
    )


@staff_required
def staff_coverage(request, scope):
    days, now = settings.PB_COVERAGE_DAYS, timezone.now()
    thin = page_of(request, rota_selectors.shifts_below_minimum(scope, now=now, days=days))
    return render(
        request,
        "volunteers/staff/coverage.html",
        {
            "scope": scope,
            "days": days,
            "thin": thin,
            "page": thin,
            "hotline_uncovered": rota_selectors.hotline_days_uncovered(scope, now=now, days=days),
        },
    )


@staff_required
def staff_rota_rules(request, scope):
    # City-wide rules: only staff responsible for a whole tree (the city bureau) change them.
    if not scope.is_root():
        raise PermissionDenied
    policy = RotaPolicy.current()
    form = RotaPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        rota.rota_policy_update(actor=request.user, **{k: form.cleaned_data[k] for k in form.Meta.fields})
        messages.success(request, _("Saved."))
        return redirect("staff_rota_rules")
    return render(
        request,
        "volunteers/staff/form.html",
        {"scope": scope, "form": form, "title": _("Rota rules"), "back": "staff_dashboard"},
    )
