"""Bureau staff: yearly targets per region against the quarterly actuals (as in the Yuxi plan), and the form that
sets a region's targets."""

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.http import form_add_errors
from pointbook.models import TargetPlan
from pointbook.targets import services as targets
from volunteers.models import Region
from volunteers.people.views import staff_required


class TargetPlanForm(forms.Form):
    """The four yearly targets and the cumulative share expected by each quarter's end."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for metric in targets.METRICS:
            self.fields[metric.value] = forms.IntegerField(
                label=metric.label,
                min_value=0,
                max_value=targets.MAX_TARGET,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        self.fields["villages_adviser"].help_text = gettext_lazy(
            "Villages and communities of the region with a legal adviser serving there during the year."
        )
        for q in range(1, 5):
            self.fields[f"q{q}_share"] = forms.IntegerField(
                label=capfirst(TargetPlan._meta.get_field(f"q{q}_share").verbose_name),
                min_value=0,
                max_value=100,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        self.fields["q1_share"].help_text = gettext_lazy(
            "Cumulative: the share of the year's target expected by each quarter's end, each at least the one "
            "before. The Yuxi plan expects 10 % by Q1, 60 % by Q2 and 100 % by Q3."
        )


def _year(request):
    """The ?year= asked for, or this year (with a message when what was given is not a year)."""
    today = timezone.localdate()
    raw = request.GET.get("year", "").strip()
    if not raw:
        return today.year
    if re.fullmatch(r"[0-9]{4}", raw) and targets.YEARS[0] <= int(raw) <= targets.YEARS[1]:
        return int(raw)
    messages.error(request, _("“%(value)s” is not a year; showing %(year)s.") % {"value": raw[:10], "year": today.year})
    return today.year


def _percent(value, scale):
    return 0 if not scale else min(100, round(float(value) * 100 / scale, 1))


def _chart(metric):
    """Bar lengths for one measure: the longest of target and actuals is the full width."""
    scale = max([metric.target] + [q.actual for q in metric.quarters]) or 1
    rows = []
    for q in metric.quarters:
        rows.append(
            {
                "q": q,
                "bar": _percent(q.actual, scale),
                "marker": _percent(q.expected, scale),
                "state": "behind"
                if q.behind
                else ("future" if not q.started else ("short" if q.actual * 100 < metric.target * q.share else "ok")),
            }
        )
    return rows


@staff_required
def staff_targets(request, scope):
    year = _year(request)
    progress = targets.targets_progress(scope, year)
    for region in progress.regions:
        for metric in region.metrics:
            metric.chart = _chart(metric)
    return render(
        request,
        "pointbook/staff_targets.html",
        {
            "scope": scope,
            "year": year,
            "progress": progress,
            "prev_year": year - 1,
            "next_year": year + 1,
            "this_year": timezone.localdate().year,
        },
    )


@staff_required
def staff_target_edit(request, scope, region_id, year):
    region = Region.objects.filter(pk=region_id, path__startswith=scope.path).first()
    if region is None or not targets.YEARS[0] <= year <= targets.YEARS[1]:
        raise Http404
    plan = TargetPlan.objects.filter(region=region, year=year).prefetch_related("targets").first()
    if plan is not None:
        initial = {t.metric: t.value for t in plan.targets.all()}
        initial.update(q1_share=plan.q1_share, q2_share=plan.q2_share, q3_share=plan.q3_share, q4_share=plan.q4_share)
    else:
        initial = dict(zip(("q1_share", "q2_share", "q3_share", "q4_share"), targets.DEFAULT_SHARES, strict=True))
    form = TargetPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            targets.target_plan_set(
                region=region,
                year=year,
                actor=request.user,
                scope=scope,
                values={m.value: data[m.value] for m in targets.METRICS},
                shares=tuple(data[f"q{q}_share"] for q in range(1, 5)),
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(
                request, _("Targets for %(region)s, %(year)s saved.") % {"region": region.name, "year": year}
            )
            return redirect(f"{reverse('staff_targets')}?year={year}")
    return render(
        request,
        "pointbook/staff_targets_edit.html",
        {"scope": scope, "region": region, "year": year, "plan": plan, "form": form},
    )
