"""Hours certificates: a contributor asks and downloads their own; staff sign off, decline and revoke
those of their area, and keep their region's settings (bureau, officers, seal, automatic issue)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import form_add_errors
from pointbook.hours_certificates import selectors, services
from pointbook.hours_certificates.forms import DeclineForm, HoursRequestForm, SettingsForm
from pointbook.ledger.views import contributor_or_redirect
from pointbook.models import HoursCertificate
from volunteers.models.records import evidence_storage
from volunteers.people.identity import contributor_identity_set, id_number_masked
from volunteers.people.views import staff_required

PAGE_SIZE = 30


def _pdf(hours_certificate):
    from pointbook.hours_certificates.documents import hours_certificate_pdf

    response = HttpResponse(hours_certificate_pdf(hours_certificate), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"{hours_certificate.certificate.number}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_hours_certificates(request):
    """The person's certificates and requests, and the form asking for a new one."""
    contributor, away = contributor_or_redirect(request, reverse("my_hours_certificates"))
    if away:
        return away
    form = HoursRequestForm(request.POST or None, contributor=contributor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # Nothing is kept, the identity document either, when the request is refused.
            with transaction.atomic():
                if data["id_number"]:
                    contributor_identity_set(
                        contributor=contributor,
                        actor=request.user,
                        id_type=data["id_type"],
                        id_number=data["id_number"],
                    )
                made = services.hours_request(
                    contributor=contributor, actor=request.user, starts_on=data["starts_on"], ends_on=data["ends_on"]
                )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            if made.status == HoursCertificate.Status.ISSUED:
                messages.success(
                    request,
                    _("Certificate %(number)s issued. Download it below.") % {"number": made.certificate.number},
                )
            else:
                messages.success(request, _("Request sent. Bureau staff will sign it off; it then appears below."))
            return redirect("my_hours_certificates")
    return render(
        request,
        "pointbook/my_hours_certificates.html",
        {
            "form": form,
            "contributor": contributor,
            "masked_id": id_number_masked(contributor.id_number),
            "items": selectors.certificates_of(contributor),
        },
    )


@login_required
def my_hours_certificate_pdf(request, pk):
    contributor, away = contributor_or_redirect(request, reverse("my_hours_certificates"))
    if away:
        raise Http404
    item = get_object_or_404(
        selectors.certificates_of(contributor),
        pk=pk,
        status=HoursCertificate.Status.ISSUED,
        certificate__revoked_at__isnull=True,
    )
    return _pdf(item)


# --- Bureau staff -----------------------------------------------------------------------------------------


@staff_required
def staff_hours_certificates(request, scope):
    """Requests waiting for sign-off in the staff member's area, and those decided (find one by its
    number or the person's name; revoke an issued one with a reason)."""
    q = request.GET.get("q", "").strip()[:60]
    page = Paginator(selectors.decided_for_staff(scope, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "pointbook/staff_hours_certificates.html",
        {
            "scope": scope,
            "q": q,
            "pending": selectors.pending_for_staff(scope)[:100],
            "page": page,
            "decided": page.object_list,
            "settings": selectors.settings_for(scope),
            "decline_form": DeclineForm(),
        },
    )


@login_required
@require_POST
@staff_required
def staff_hours_certificate_act(request, scope, pk, action):
    """Sign off (issue) or decline a request of the area."""
    item = get_object_or_404(selectors.for_staff(scope), pk=pk)
    try:
        if action == "issue":
            item = services.hours_issue(request_id=item.pk, actor=request.user)
            messages.success(request, _("Certificate %(number)s issued.") % {"number": item.certificate.number})
        elif action == "decline":
            services.hours_decline(request_id=item.pk, actor=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Request declined; the reason is shown to the person."))
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("staff_hours_certificates")


@staff_required
def staff_hours_certificate_pdf(request, scope, pk):
    item = get_object_or_404(selectors.for_staff(scope), pk=pk, status=HoursCertificate.Status.ISSUED)
    return _pdf(item)


@staff_required
def staff_hours_certificate_settings(request, scope):
    """The settings of the staff member's own region (the city's for city staff); until saved, what it
    inherits from the nearest region above."""
    current = selectors.settings_for(scope)
    initial = {
        "bureau_name": current.bureau_name,
        "person_in_charge": current.person_in_charge,
        "handling_officer": current.handling_officer,
        "contact": current.contact,
        "auto_issue": current.auto_issue,
    }
    form = SettingsForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_save(region=scope, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Settings saved for %(region)s.") % {"region": scope.name})
            return redirect("staff_hours_certificate_settings")
    return render(
        request,
        "pointbook/staff_hours_certificate_settings.html",
        {"scope": scope, "form": form, "current": current, "inherited": current.region != scope},
    )


@staff_required
def staff_hours_certificate_seal(request, scope):
    """The seal image the staff member's region issues under (its own or inherited)."""
    current = selectors.settings_for(scope)
    if not current.seal:
        raise Http404
    with evidence_storage().open(current.seal) as handle:
        body = handle.read()
    content_type = "image/png" if current.seal.endswith(".png") else "image/jpeg"
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
