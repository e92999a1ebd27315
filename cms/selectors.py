"""Reads for the public opportunity pages; each runs a fixed number of queries however many
opportunities and shifts there are."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.models import Locale

from volunteers.models import Region, ServiceType, Shift
from volunteers.people.selectors import completed_contributor
from volunteers.rota.selectors import qualified_filter, shifts_upcoming, shifts_with_places, signups_for_shifts
from volunteers.rota.services import kinds_text

if TYPE_CHECKING:
    from django.http import HttpRequest

    from cms.models import OpportunityIndexPage, OpportunityPage

PAGE_SIZE = 20


class OpportunityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    service_type = forms.ModelChoiceField(
        label=_("Service type"), required=False, queryset=ServiceType.objects.filter(is_active=True)
    )
    region = forms.ModelChoiceField(
        label=_("Region"), required=False, queryset=Region.objects.filter(depth__lte=3).order_by("path")
    )
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    free = forms.BooleanField(label=_("Has free places"), required=False)
    qualified = forms.BooleanField(label=_("I am qualified"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Indent regions by level so the tree reads in a plain select.
        self.fields["region"].label_from_instance = lambda r: "\u3000" * (r.depth - 1) + r.name  # type: ignore[attr-defined]  # a ModelChoiceField

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[assignment]  # BaseForm.clean returns cleaned_data
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def opportunity_list(index_page: OpportunityIndexPage, request: HttpRequest) -> dict[str, Any]:
    from cms.models import OpportunityPage

    now = timezone.now()
    contributor = completed_contributor(request.user)
    form = OpportunityFilterForm(request.GET or None)
    # Keep the filters that are valid; the invalid ones show their message on the form.
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    shifts = Shift.objects.filter(opportunity=OuterRef("pk"), status=Shift.Status.SCHEDULED, starts_at__gt=now)
    narrowed = False
    if filters.get("date_from"):
        shifts, narrowed = shifts.filter(starts_at__gte=_day_start(filters["date_from"])), True
    if filters.get("date_to"):
        shifts, narrowed = shifts.filter(starts_at__lt=_day_start(filters["date_to"]) + timedelta(days=1)), True
    if filters.get("free"):
        shifts, narrowed = shifts_with_places(shifts).filter(free__gt=0), True
    qualified = filters.get("qualified") and contributor is not None
    if qualified:
        shifts, narrowed = shifts.filter(qualified_filter(contributor.kind)), True  # type: ignore[union-attr]  # qualified: contributor is set

    pages = OpportunityPage.objects.live().descendant_of(index_page).select_related("service_type", "region", "venue")
    if filters.get("q"):
        q = filters["q"]
        pages = pages.filter(Q(title__icontains=q) | Q(summary__icontains=q) | Q(description__icontains=q))
    if filters.get("service_type"):
        pages = pages.filter(service_type=filters["service_type"])
    if filters.get("region"):
        pages = pages.filter(region__path__startswith=filters["region"].path)
    if narrowed:
        pages = pages.filter(Exists(shifts))
    pages = pages.annotate(
        next_start=Subquery(shifts.order_by("starts_at").values("starts_at")[:1]),
        upcoming=Subquery(shifts.order_by().values("opportunity").annotate(n=Count("id")).values("n")[:1]),
    ).order_by(F("next_start").asc(nulls_last=True), "title")
    page = Paginator(pages, PAGE_SIZE).get_page(request.GET.get("page"))
    _attach_translations(page.object_list, index_page.locale_id)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filter_form": form,
        "opportunities": page,
        "page_query": query.urlencode(),
        "contributor": contributor,
        "qualified_ignored": filters.get("qualified") and contributor is None,
        "filters_active": any(filters.values()) or bool(form.errors),
    }


def _attach_translations(pages: Iterable[OpportunityPage], default_locale_id: int) -> None:
    """Give each listed page `.content`: its live translation in the visitor's language, fetched for
    the whole page of results in one query (Wagtail's `localized` costs a query per page)."""
    from cms.models import OpportunityPage

    try:
        locale = Locale.get_active()
    except (LookupError, Locale.DoesNotExist):
        locale = None
    translations = {}
    if locale is not None and locale.pk != default_locale_id:
        translations = {
            t.translation_key: t
            for t in OpportunityPage.objects.live().filter(
                locale=locale, translation_key__in=[p.translation_key for p in pages]
            )
        }
    for p in pages:
        p.content = translations.get(p.translation_key, p)


def opportunity_detail(page: OpportunityPage, request: HttpRequest) -> dict[str, Any]:
    """The opportunity's upcoming shifts with free places, and the visitor's own sign-ups on them."""
    now = timezone.now()
    contributor = completed_contributor(request.user)
    # A page being previewed before its first save has no shifts yet.
    upcoming = shifts_upcoming(now=now, opportunity_id=page.pk) if page.pk else Shift.objects.none()
    shifts = Paginator(upcoming, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = signups_for_shifts(contributor, [s.pk for s in shifts])
    rows: list[dict[str, Any]] = [{"shift": s, "mine": mine.get(s.pk), "open": now < s.signup_deadline} for s in shifts]
    eligible = page.eligible_kinds
    not_qualified = contributor is not None and eligible and contributor.kind not in eligible
    for row in rows:
        row["pickable"] = bool(
            contributor and not not_qualified and row["open"] and not row["mine"] and row["shift"].free > 0
        )
    return {
        "shift_rows": rows,
        "shift_page": shifts,
        "contributor": contributor,
        "eligible_text": kinds_text(eligible),
        "not_qualified": not_qualified,
        "any_pickable": any(row["pickable"] for row in rows),
    }
