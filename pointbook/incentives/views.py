"""Rewards: a contributor's balance, catalogue and requests; staff's catalogue editor, queue and
pick-up counter; the city's spending rules."""

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import absolute_url, form_add_errors, page_of
from pointbook.incentives import selectors, services
from pointbook.incentives.forms import DecideForm, PickupForm, RewardForm, RewardsPolicyForm
from pointbook.ledger.views import contributor_or_redirect
from pointbook.models import Redemption, Reward, RewardsPolicy
from volunteers.people.selectors import get_in_scope_or_404
from volunteers.people.views import staff_required


def _qr_svg(url):
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return mark_safe(image.to_string(encoding="unicode"))  # made here from our own URL, not user input


@login_required
def my_rewards(request):
    contributor, away = contributor_or_redirect(request, reverse("my_rewards"))
    if away:
        return away
    today = timezone.localdate()
    facts = selectors.facts_of(contributor, today=today)
    return render(
        request,
        "pointbook/incentives/my_rewards.html",
        {
            "balance": facts.balance,
            "rewards": selectors.catalogue_for(contributor, facts, today=today),
            "page": page_of(request, selectors.redemptions_of(contributor), per_page=20),
            "policy": RewardsPolicy.current(),
        },
    )


@login_required
@require_POST
def reward_request(request, pk):
    contributor, away = contributor_or_redirect(request, reverse("my_rewards"))
    if away:
        return away
    try:
        redemption = services.redemption_request(user=request.user, contributor=contributor, reward_id=pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("my_rewards")
    messages.success(
        request,
        _("Requested. Show the pick-up code at the venue.")
        if redemption.status == Redemption.Status.READY
        else _("Requested. Bureau staff will decide; the answer appears here."),
    )
    return redirect("my_redemption", pk=redemption.pk)


@login_required
def my_redemption(request, pk):
    contributor, away = contributor_or_redirect(request, reverse("my_redemption", args=[pk]))
    if away:
        return away
    redemption = selectors.redemptions_of(contributor).filter(pk=pk).first()
    if redemption is None:
        raise Http404
    qr = None
    if redemption.status == Redemption.Status.READY:
        qr = _qr_svg(absolute_url(reverse("staff_pickup") + f"?code={redemption.code}"))
    return render(request, "pointbook/incentives/my_redemption.html", {"redemption": redemption, "qr": qr})


@login_required
@require_POST
def my_redemption_cancel(request, pk):
    contributor, away = contributor_or_redirect(request, reverse("my_redemption", args=[pk]))
    if away:
        return away
    if not selectors.redemptions_of(contributor).filter(pk=pk).exists():
        raise Http404
    try:
        services.redemption_cancel(user=request.user, contributor=contributor, redemption_id=pk)
        messages.success(request, _("Cancelled: the points are back in your balance."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("my_redemption", pk=pk)


# --- Staff ------------------------------------------------------------------------------------------


@staff_required
def staff_rewards(request, scope):
    return render(
        request,
        "pointbook/incentives/staff_rewards.html",
        {"scope": scope, "page": page_of(request, selectors.rewards_for_staff(scope))},
    )


@staff_required
def staff_reward_edit(request, scope, pk=None):
    reward = get_in_scope_or_404(Reward.objects.all(), scope, pk) if pk else None
    initial = {} if reward else {"region": scope.pk, "valid_from": timezone.localdate()}
    form = RewardForm(request.POST or None, instance=reward, scope=scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.reward_save(actor=request.user, scope=scope, reward=reward, data=form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("staff_rewards")
        except ValidationError as exc:
            form_add_errors(form, exc)
    return render(
        request,
        "pointbook/incentives/staff_reward_form.html",
        {"scope": scope, "form": form, "reward": reward},
    )


@login_required
@require_POST
@staff_required
def staff_reward_qualify(request, scope, pk):
    reward = get_in_scope_or_404(Reward.objects.select_related("region"), scope, pk)
    try:
        added = services.qualifiers_mark(actor=request.user, scope=scope, reward=reward)
        messages.success(request, _("%(n)d more people marked as qualifying.") % {"n": added})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("staff_reward_edit", pk=pk)


@staff_required
def staff_redemptions(request, scope):
    status = request.GET.get("status", "")
    if status not in Redemption.Status.values:
        status = ""
    return render(
        request,
        "pointbook/incentives/staff_redemptions.html",
        {
            "scope": scope,
            "status": status,
            "statuses": Redemption.Status.choices,
            "page": page_of(request, selectors.queue_for_staff(scope, status=status)),
            "form": DecideForm(),
        },
    )


@login_required
@require_POST
@staff_required
def staff_redemption_decide(request, scope, pk, action):
    if action not in ("approve", "reject"):
        raise Http404
    get_in_scope_or_404(Redemption.objects.all(), scope, pk, field="reward__region")
    form = DecideForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.redemption_decide(
            actor=request.user, scope=scope, redemption_id=pk, approve=action == "approve", reason=reason
        )
        messages.success(request, _("Decided."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("staff_redemptions")


@staff_required
def staff_pickup(request, scope):
    """The counter at the venue: enter or scan a code, see whose it is and what, hand it over."""
    code = request.POST.get("code") or request.GET.get("code") or ""
    form = PickupForm(request.POST or ({"code": code} if code else None))
    found = problem = None
    if code and form.is_valid():
        found = services.redemption_by_code(scope, form.cleaned_data["code"])
        problem = services.code_problem(found, timezone.now())
    if request.method == "POST" and request.POST.get("hand_over") and form.is_valid():
        try:
            done = services.redemption_hand_over(actor=request.user, scope=scope, code=form.cleaned_data["code"])
            messages.success(
                request, _("Handed over: %(reward)s to %(name)s.") % {"reward": done.reward, "name": done.contributor}
            )
            return redirect("staff_pickup")
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    return render(
        request,
        "pointbook/incentives/staff_pickup.html",
        {"scope": scope, "form": form, "found": found if not problem else None, "problem": problem},
    )


@staff_required
def staff_rewards_rules(request, scope):
    if not scope.is_root():  # a city-wide rule
        raise PermissionDenied
    form = RewardsPolicyForm(request.POST or None, instance=RewardsPolicy.current())
    if request.method == "POST" and form.is_valid():
        services.rewards_policy_update(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("staff_rewards_rules")
    return render(
        request,
        "volunteers/staff/form.html",
        {"scope": scope, "form": form, "title": _("Rewards rules"), "back": "staff_rewards"},
    )
