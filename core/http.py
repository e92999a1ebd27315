"""HTTP helpers every app's views use: the site's absolute address of a path, a page of a list, a
service's errors on a form, a safe ?next=, a ?year= that never fails. (The staff decorator lives with
the staff profiles it reads: `volunteers.people.views.staff_required`.)"""

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

PAGE_SIZE = 50
FIRST_YEAR = 2000


def absolute_url(path: str) -> str:
    """`path` on the site's public address (settings.SITE_URL): what QR codes, emails, calendar entries
    and feed links carry. Never the request's host: a document printed today must lead to the site, not to
    whatever address (or port) the request that made it happened to use."""
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def page_of(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> Page:
    """The ?page= asked for (the last one when past the end, the first when not a number)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def form_add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors by field, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def safe_next(request: HttpRequest, default: str) -> str:
    """?next= (or the posted next) when it stays on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def year_param(request: HttpRequest, *, last: int | None = None) -> int:
    """The ?year= asked for, or this year for anything else (never a 500: ASCII digits only, since
    str.isdigit() accepts "²", which int() refuses)."""
    this_year = timezone.localdate().year
    asked = request.GET.get("year", "")
    if re.fullmatch(r"[0-9]{4}", asked) and FIRST_YEAR <= int(asked) <= (last or this_year):
        return int(asked)
    return this_year
