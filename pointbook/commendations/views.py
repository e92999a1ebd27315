"""Annual commendations: staff draft, adjust, publish the notice, resolve objections, approve and revoke;
the public notice page where anyone can object; certificates as PDF for their holder and for staff."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.http import form_add_errors, year_param
from core.ratelimit import over_limit, retry_minutes, too_many
from pointbook.commendations import certificates
from pointbook.commendations import services as commendations
from pointbook.commendations.forms import AwardCategoryForm, NomineeAddForm, ObjectionForm, ReasonForm, ResolveForm
from pointbook.models import AwardCategory, Certificate, Nomination, Objection
from volunteers.people.selectors import completed_contributor
from volunteers.people.views import staff_required

# Nominees a page, on the staff page and the public notice.
LIST_PAGE = 50


def _posted_id(request, name):
    """A posted object id, or 0 (no such object: a 404) for anything that is not one."""
    value = request.POST.get(name, "")
    return int(value) if re.fullmatch(r"[0-9]{1,12}", value) else 0


def _category_in_scope(scope, pk):
    return get_object_or_404(commendations.categories_for_staff(scope), pk=pk)


@staff_required
def staff_commendations(request, scope):
    year = year_param(request, last=timezone.localdate().year + 1)
    form = AwardCategoryForm(request.POST or None, scope=scope, initial={"year": year})
    if request.method == "POST" and form.is_valid():
        try:
            category = commendations.category_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Award created. Draft its nominees from the standings."))
            return redirect("staff_commendation", category.pk)
    today = timezone.localdate()
    return render(
        request,
        "pointbook/staff_commendations.html",
        {
            "scope": scope,
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "form": form,
            "categories": commendations.categories_for_staff(scope, year).order_by("region__path", "id"),
        },
    )


@staff_required
def staff_commendation(request, scope, pk):
    return _commendation_page(request, scope, _category_in_scope(scope, pk))


def _commendation_page(request, scope, category, *, add_form=None):
    """The award's staff page; `add_form`: the add-a-nominee form as posted, with its errors."""
    page = Paginator(commendations.nominees(category, Nomination.Status.NOMINATED), LIST_PAGE).get_page(
        request.GET.get("page")
    )
    for nomination in page:
        nomination.rules_text = [commendations.rule_text(category, rule) for rule in nomination.rules_failed]
    objections = list(
        category.objections.select_related("nomination__contributor", "nomination__organisation", "resolved_by")
    )
    return render(
        request,
        "pointbook/staff_commendation.html",
        {
            "scope": scope,
            "category": category,
            "nominated": page,
            "page": page,
            "removed": list(commendations.nominees(category, Nomination.Status.REMOVED)),
            "objections": objections,
            "open_objections": sum(o.status == Objection.Status.OPEN for o in objections),
            "add_form": add_form or NomineeAddForm(),
            "counted_at": _counted_at(category),
            "reason_form": ReasonForm(),
            "resolve_form": ResolveForm(),
            "notice_open": commendations.notice_is_open(category),
            "today": timezone.localdate(),
        },
    )


def _act_draft(request, category):
    count = commendations.nominees_draft(category_id=category.pk, actor=request.user)
    messages.success(request, _("%(n)s nominees drafted from the standings.") % {"n": count})


def _counted_at(category):
    """When the listed nominees' ranks, points and hours were counted: the latest of their standings."""
    return (
        category.nominations.filter(status=Nomination.Status.NOMINATED)
        .exclude(counted_at=None)
        .order_by("-counted_at")
        .values_list("counted_at", flat=True)
        .first()
    )


def _add(request, scope, category):
    """Add a nominee by hand. A refusal (someone the award's rules exclude, and no reason to set them
    aside) shows the page again with what was typed and the rules they fail."""
    form = NomineeAddForm(request.POST)
    if form.is_valid():
        who = commendations.nominee_lookup(category, form.cleaned_data["who"])
        try:
            if who is None:
                raise ValidationError(
                    {
                        "who": _("Nobody in %(region)s has that licence number or mobile.")
                        % {"region": category.region.name}
                    }
                )
            kind = "organisation" if category.for_organisations else "contributor"
            commendations.nomination_add(
                category_id=category.pk,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                override_reason=form.cleaned_data["override_reason"],
                **{kind: who},
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Added to the list."))
            return redirect("staff_commendation", category.pk)
    return _commendation_page(request, scope, category, add_form=form)


def _act_remove(request, category):
    nomination = get_object_or_404(category.nominations, pk=_posted_id(request, "nomination"))
    commendations.nomination_remove(
        nomination_id=nomination.pk, actor=request.user, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("Removed from the list; the reason is kept."))


def _act_notice(request, category):
    category = commendations.notice_publish(category_id=category.pk, actor=request.user)
    messages.success(request, _("On public notice until %(day)s.") % {"day": category.notice_ends_on})


def _act_resolve(request, category):
    objection = get_object_or_404(category.objections, pk=_posted_id(request, "objection"))
    form = ResolveForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Choose a decision and write the answer."))
    commendations.objection_resolve(
        objection_id=objection.pk,
        actor=request.user,
        upheld=form.cleaned_data["decision"] == "uphold",
        resolution=form.cleaned_data["resolution"],
    )
    messages.success(request, _("Objection resolved."))


def _act_approve(request, category):
    if category.status == AwardCategory.Status.APPROVED:
        commendations.category_approve(category_id=category.pk, actor=request.user)
        messages.info(request, _("Already approved; nothing more was issued."))
    else:
        issued = commendations.category_approve(category_id=category.pk, actor=request.user)
        messages.success(
            request,
            _("Approved: %(n)s certificates issued; the honour roll is being published.") % {"n": len(issued)},
        )


# The steps of `staff_commendation_act`, by the action in its URL.
_ACTS = {
    "draft": _act_draft,
    "remove": _act_remove,
    "notice": _act_notice,
    "resolve": _act_resolve,
    "approve": _act_approve,
}


@login_required
@require_POST
@staff_required
def staff_commendation_act(request, scope, pk, action):
    """One POST per step: draft, add, remove, notice, resolve, approve."""
    category = _category_in_scope(scope, pk)
    if action == "add":
        return _add(request, scope, category)
    back = redirect("staff_commendation", category.pk)
    act = _ACTS.get(action)
    if act is None:
        raise Http404
    try:
        act(request, category)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return back


@login_required
@require_POST
@staff_required
def staff_certificate_revoke(request, scope, pk):
    certificate = get_object_or_404(certificates.certificates_for_staff(scope), pk=pk)
    try:
        certificates.certificate_revoke(
            certificate_id=certificate.pk, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Certificate %(number)s revoked.") % {"number": certificate.number})
    if certificate.kind == Certificate.Kind.STATEMENT:
        return redirect(f"{reverse('staff_statements')}?q={certificate.number}")
    if certificate.kind == Certificate.Kind.HOURS:
        return redirect(f"{reverse('staff_hours_certificates')}?q={certificate.number}")
    return redirect("staff_commendation", certificate.nomination.category_id)


@staff_required
def staff_statements(request, scope):
    """Firms' public-service statements issued in the staff member's area: find one by its number or the
    firm's name, open its verification page, revoke it with a reason (that page then shows it revoked)."""
    q = request.GET.get("q", "").strip()[:60]
    page = Paginator(certificates.statements_for_staff(scope, q=q), LIST_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "pointbook/staff_statements.html",
        {"scope": scope, "q": q, "page": page, "statements": page.object_list},
    )


def _pdf(certificate):
    from pointbook.commendations.documents import certificate_pdf

    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    return response


@staff_required
def staff_certificate_pdf(request, scope, pk):
    certificate = get_object_or_404(certificates.certificates_for_staff(scope), pk=pk, kind=Certificate.Kind.AWARD)
    return _pdf(certificate)


@login_required
def my_certificate_pdf(request, pk):
    contributor = completed_contributor(request.user)
    certificate = get_object_or_404(
        Certificate,
        pk=pk,
        contributor=contributor,
        contributor__isnull=False,
        kind=Certificate.Kind.AWARD,
        revoked_at__isnull=True,
    )
    return _pdf(certificate)


# --- Public notice --------------------------------------------------------------------------------------------


def notices(request):
    return render(request, "pointbook/notices.html", {"categories": commendations.notices_open()})


def notice(request, pk):
    category = get_object_or_404(
        AwardCategory.objects.select_related("region"),
        pk=pk,
        status__in=[AwardCategory.Status.NOTICE, AwardCategory.Status.APPROVED],
    )
    listed = commendations.nominees_public(category)
    page = Paginator(listed, LIST_PAGE).get_page(request.GET.get("page"))
    for row in page:
        row.public_name = commendations.public_name(row)
    is_open = commendations.notice_is_open(category)
    form = ObjectionForm(request.POST or None, initial={"nomination": request.GET.get("nomination")})
    # The nominee objected to (from the row's link), shown above the form.
    chosen_id = (
        _posted_id(request, "nomination")
        if request.method == "POST"
        else (int(request.GET["nomination"]) if re.fullmatch(r"[0-9]{1,12}", request.GET.get("nomination", "")) else 0)
    )
    chosen = listed.filter(pk=chosen_id).first() if chosen_id else None
    if chosen is not None:
        chosen.public_name = commendations.public_name(chosen)
    wait = None
    if request.method == "POST":
        if not is_open:
            messages.error(request, _("The public notice period is over; objections can no longer be lodged."))
        # The form needs no account: each address may send so many a notice (settings.PB_RATE_LIMITS).
        elif (wait := over_limit(request, "objection", per=str(category.pk))) is not None:
            minutes = retry_minutes(wait)
            form.add_error(
                None,
                ngettext(
                    "Too many objections from this connection. Try again in %(minutes)s minute.",
                    "Too many objections from this connection. Try again in %(minutes)s minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
        elif form.is_valid():
            try:
                commendations.objection_lodge(
                    category_id=category.pk,
                    nomination_id=form.cleaned_data["nomination"],
                    body=form.cleaned_data["body"],
                    name=form.cleaned_data["name"],
                    contact=form.cleaned_data["contact"],
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    _("Your objection has been received. Bureau staff will look into it before the award is approved."),
                )
                return redirect(reverse("notice", args=[category.pk]))
    response = render(
        request,
        "pointbook/notice.html",
        {
            "category": category,
            "nominees": page,
            "page": page,
            "chosen": chosen,
            "form": form,
            "is_open": is_open,
            "counted_at": _counted_at(category),
            "objections_open": category.objections.filter(status=Objection.Status.OPEN).count(),
        },
        status=200 if wait is None else 429,
    )
    if wait is not None:
        response["Retry-After"] = str(wait)
    return response


def certificate_verify(request, code):
    """Where a certificate's or statement's QR code leads: genuine or not, revoked or not. Look-ups are
    limited per address (settings.PB_RATE_LIMITS), so codes cannot be tried by the thousand."""
    wait = over_limit(request, "verify")
    if wait is not None:
        return too_many(request, wait)
    certificate = certificates.certificate_by_code(code)
    if certificate is None:
        return render(request, "pointbook/certificate_verify.html", {"certificate": None}, status=404)
    return render(
        request,
        "pointbook/certificate_verify.html",
        {"certificate": certificate, "holder": certificates.public_holder_name(certificate)},
    )
