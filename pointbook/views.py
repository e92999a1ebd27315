"""Contributors' points, records and appeals; firm admins' read-only view of their members'
records; the public rating page."""

import re

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from volunteers.models import ServiceRecord
from volunteers.selectors import completed_contributor, organisation_for_admin_or_404
from volunteers.views import form_add_errors, to_profile_form

from . import appeals, conduct, selectors, standings
from .forms import MessageForm, RatingForm
from .models import Appeal, LedgerEntry

PAGE_SIZE = 30
FIRST_YEAR = 2000


def year_param(request, *, last=None):
    """The ?year= asked for, or this year for anything else (never a 500: ASCII digits only, since
    str.isdigit() accepts "²", which int() refuses)."""
    this_year = timezone.localdate().year
    asked = request.GET.get("year", "")
    if re.fullmatch(r"[0-9]{4}", asked) and FIRST_YEAR <= int(asked) <= (last or this_year):
        return int(asked)
    return this_year


def _contributor_or_redirect(request, here):
    contributor = completed_contributor(request.user)
    return contributor, (None if contributor else to_profile_form(here))


@login_required
def my_points(request):
    contributor, away = _contributor_or_redirect(request, reverse("my_points"))
    if away:
        return away
    page = Paginator(selectors.entries_for(contributor), PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.explain_page(page.object_list)
    open_appeals = selectors.open_appeal_ids(contributor)
    for entry in page.object_list:
        entry.open_appeal = open_appeals.get(("entry", entry.pk))
    summary = selectors.points_summary(contributor)
    return render(request, "pointbook/my_points.html", {
        "summary": summary, "page": page, "entries": page, "ranks": standings.ranks_of(contributor, summary["year"]),
        "certificates": selectors.certificates_of(contributor)})


@login_required
def my_records(request):
    contributor, away = _contributor_or_redirect(request, reverse("my_records"))
    if away:
        return away
    page = Paginator(selectors.records_of(contributor), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "pointbook/my_records.html", {"page": page})


def _qr_svg(url):
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return mark_safe(image.to_string(encoding="unicode"))  # made here from our own URL, not user input


@login_required
def my_record(request, pk):
    contributor, away = _contributor_or_redirect(request, reverse("my_record", args=[pk]))
    if away:
        return away
    record = selectors.record_of(contributor, pk)
    if record is None:
        raise Http404
    rating = getattr(record, "rating", None)
    rating_url = qr = None
    if rating is not None and rating.score is None and rating.expires_at > timezone.now():
        rating_url = request.build_absolute_uri(reverse("rate", args=[rating.token]))
        qr = _qr_svg(rating_url)
    return render(request, "pointbook/my_record.html", {
        "record": record, "entries": selectors.record_entries(record), "evidence": list(record.evidence.all()),
        "rating": rating, "rating_url": rating_url, "qr": qr,
        "open_appeal": selectors.open_appeal_ids(contributor).get(("record", record.pk)),
        "can_amend": record.is_logged and record.status in (ServiceRecord.Status.SUBMITTED,
                                                            ServiceRecord.Status.REJECTED),
    })


@login_required
@require_POST
def rating_link(request, pk):
    contributor = completed_contributor(request.user)
    record = selectors.record_of(contributor, pk) if contributor else None
    if record is None:
        raise Http404
    try:
        conduct.rating_link(contributor=contributor, record=record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("my_record", args=[pk]) + "#rating")


@login_required
def appeal_new(request):
    """Appeal one of your entries (?entry=) or rejected records (?record=)."""
    contributor, away = _contributor_or_redirect(request, request.get_full_path())
    if away:
        return away
    entry = record = None
    about = request.POST.get("entry") or request.GET.get("entry")
    if about and about.isdigit():
        entry = LedgerEntry.objects.filter(contributor=contributor, pk=about).first()
        if entry is None:
            raise Http404
        selectors.explain_page([entry])
    else:
        about = request.POST.get("record") or request.GET.get("record")
        record = (ServiceRecord.objects.filter(contributor=contributor, pk=about).select_related("service_type").first()
                  if about and about.isdigit() else None)
        if record is None:
            raise Http404
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = appeals.appeal_open(user=request.user, contributor=contributor, entry=entry, record=record,
                                         body=form.cleaned_data["body"])
            messages.success(request, _("Your appeal is with bureau staff; their answer appears here."))
            return redirect("my_appeal", pk=appeal.pk)
        except ValidationError as exc:
            form_add_errors(form, exc)
    return render(request, "pointbook/appeal_new.html", {"form": form, "entry": entry, "record": record})


@login_required
def my_appeals(request):
    contributor, away = _contributor_or_redirect(request, reverse("my_appeals"))
    if away:
        return away
    page = Paginator(selectors.appeals_of(contributor), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "pointbook/my_appeals.html", {"page": page})


@login_required
def my_appeal(request, pk):
    contributor, away = _contributor_or_redirect(request, reverse("my_appeal", args=[pk]))
    if away:
        return away
    appeal = selectors.appeal_thread(Appeal.objects.filter(contributor=contributor), pk)
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


@login_required
def org_records(request, pk):
    """A firm admin sees their members' records and statuses, read-only."""
    organisation = organisation_for_admin_or_404(request.user, pk)
    today = timezone.localdate()
    year = year_param(request)
    page = Paginator(selectors.member_records(organisation, year=year), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "pointbook/org_records.html", {
        "organisation": organisation, "page": page, "year": year,
        "years": list(range(today.year, today.year - 5, -1)), "page_query": f"year={year}&",
    })


def rate(request, token):
    """The public rating page behind a record's link or QR code: no account, one rating."""
    rating = selectors.rating_by_token(token)
    now = timezone.now()
    if rating is None or (rating.score is None and rating.expires_at <= now):
        return render(request, "pointbook/rate.html", {"state": "gone"}, status=404)
    if rating.score is not None:
        return render(request, "pointbook/rate.html", {"state": "done", "rating": rating})
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            conduct.rating_submit(token=token, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"],
                                  rater=request.user)
            return render(request, "pointbook/rate.html", {"state": "thanks"})
        except ValidationError as exc:
            form_add_errors(form, exc)
    return render(request, "pointbook/rate.html", {"state": "open", "rating": rating, "form": form})
