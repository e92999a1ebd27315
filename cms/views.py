"""Staff pages about opportunities: their list in the staff member's region, and each one's shifts
with the series form. Shifts themselves are edited by `volunteers` views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from wagtail.models import Locale

from cms.models import OpportunityPage, review_workflow
from cms.publishing import may_switch_review, opportunity_review_set
from core.http import form_add_errors
from volunteers.people.views import staff_required
from volunteers.rota import selectors as rota_selectors
from volunteers.rota import services as rota
from volunteers.rota.forms import SeriesForm

PAGE_SIZE = 50


def _opportunities(scope):
    # Translations are copies of the same opportunity; shifts hang on the default-language page.
    return OpportunityPage.objects.filter(
        region__path__startswith=scope.path,
        locale=Locale.get_default(),
    ).select_related("service_type", "region", "venue")


@staff_required
def staff_opportunities(request, scope):
    q = request.GET.get("q", "").strip()[:100]
    now = timezone.now()
    pages = (
        _opportunities(scope)
        .annotate(
            upcoming=Count("shifts", filter=Q(shifts__starts_at__gt=now, shifts__status="scheduled")),
        )
        .order_by("-live", "title")
    )
    if q:
        pages = pages.filter(title__icontains=q)
    return render(
        request,
        "cms/staff/opportunities.html",
        {
            "scope": scope,
            "q": q,
            "page": Paginator(pages, PAGE_SIZE).get_page(request.GET.get("page")),
            "review_on": review_workflow() is not None,
            "may_switch_review": may_switch_review(request.user),
        },
    )


@login_required
@require_POST
@staff_required
def staff_opportunity_review(request, scope):
    """The city's switch for review before publishing (city staff only)."""
    if not may_switch_review(request.user):
        raise PermissionDenied
    choice = request.POST.get("review")
    if choice not in ("on", "off"):
        messages.error(request, _("Choose whether opportunities need review."))
        return redirect("staff_opportunities")
    opportunity_review_set(actor=request.user, on=choice == "on")
    if choice == "on":
        messages.success(request, _("From now on, opportunities go live once another member of staff approves them."))
    else:
        messages.success(request, _("From now on, staff publish the opportunities of their region themselves."))
    return redirect("staff_opportunities")


@staff_required
def staff_opportunity_shifts(request, scope, pk):
    opportunity = get_object_or_404(_opportunities(scope), pk=pk)
    form = SeriesForm(request.POST or None, scope=scope, initial={"venue": opportunity.venue_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            shifts = rota.shift_series_create(
                actor=request.user,
                scope=scope,
                opportunity=opportunity,
                service_type=opportunity.service_type,
                eligible_kinds=opportunity.eligible_kinds,
                **rota.opportunity_rules(opportunity),
                **data,
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext("%(count)s shift created.", "%(count)s shifts created.", len(shifts)) % {"count": len(shifts)},
            )
            return redirect("staff_opportunity_shifts", pk=opportunity.pk)
    past = request.GET.get("past") == "1"
    shifts = rota_selectors.shifts_for_staff(scope, now=timezone.now(), opportunity_id=opportunity.pk, past=past)
    return render(
        request,
        "cms/staff/opportunity_shifts.html",
        {
            "scope": scope,
            "opportunity": opportunity,
            "form": form,
            "past": past,
            "page": Paginator(shifts, PAGE_SIZE).get_page(request.GET.get("page")),
            "page_query": "past=1" if past else "",
        },
    )
