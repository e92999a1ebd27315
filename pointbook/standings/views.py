"""Leaderboards (signed-in users) and the staff's "recompute now"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import year_param
from pointbook.models import Standing
from pointbook.standings import services as standings
from volunteers.people.views import staff_required


@login_required
def leaderboards(request):
    """Top contributors (or organisations) of one board; the signed-in contributor's own row is
    highlighted, and shown below the top when they are further down."""
    year = year_param(request)
    choices = standings.boards(year)
    scope, _bar, key = request.GET.get("board", Standing.Scope.OVERALL).partition("|")
    if (scope, key) not in {(s, k) for s, k, _label in choices}:
        scope, key = Standing.Scope.OVERALL, ""
    viewer = getattr(request.user, "contributor", None)
    rows, own = standings.leaderboard(year, scope, key, viewer=viewer)
    snapshot = standings.snapshot_of(year)
    today = timezone.localdate()
    return render(
        request,
        "pointbook/leaderboards.html",
        {
            "year": year,
            "years": list(range(today.year, today.year - 5, -1)),
            "boards": choices,
            "scope": scope,
            "key": key,
            "rows": rows,
            "own": own,
            "snapshot": snapshot,
            "is_firms": scope == Standing.Scope.ORGANISATION,
            "label": next((label for s, k, label in choices if (s, k) == (scope, key)), ""),
        },
    )


@login_required
@require_POST
@staff_required
def standings_refresh_now(request, scope):
    """Staff start the nightly refresh now; it runs in the worker."""
    year = year_param(request)
    standings.standings_refresh_start(actor=request.user, year=year)
    messages.success(
        request, _("The standings for %(year)s are being recomputed; this takes a minute.") % {"year": year}
    )
    return redirect(f"{reverse('leaderboards')}?year={year}")
