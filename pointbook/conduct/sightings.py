"""Where a contributor has been signed in: their browsers (a long-lived random cookie) and network
addresses, each kept only as a keyed hash. Noted when they sign in and when they open their record
page to show a rating link; a good rating sent from one of them may be the contributor rating
themself, so its bonus waits for staff (`services.rating_submit`)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.ratelimit import client_ip
from pointbook.models import Sighting

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from volunteers.models import User

# The browser's mark: random, means nothing by itself, outlives signing out (that is its point).
DEVICE_COOKIE = "pb_device"
DEVICE_COOKIE_AGE = 60 * 60 * 24 * 365 * 2
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")

Mark = tuple[str, str]  # (Sighting.Kind, digest)


def _digest(kind: str, value: str) -> str:
    # Keyed with SECRET_KEY: a stolen table does not give the addresses back.
    return salted_hmac(f"pointbook.sighting.{kind}", value).hexdigest()


def _device_token(request: HttpRequest, *, mint: bool) -> str | None:
    """The browser's device token: its cookie, or (`mint`) a new one the middleware will set."""
    token = getattr(request, "_pb_device_new", None) or request.COOKIES.get(DEVICE_COOKIE, "")
    if _TOKEN.fullmatch(token):
        return token
    if not mint:
        return None
    token = secrets.token_urlsafe(24)
    request._pb_device_new = token  # type: ignore[attr-defined]  # read by DeviceCookieMiddleware
    return token


def marks(request: HttpRequest, *, mint: bool = False) -> set[Mark]:
    """The request's browser and address as hashes: what a sighting stores and a rating is compared with."""
    found = set()
    token = _device_token(request, mint=mint)
    if token:
        found.add((Sighting.Kind.DEVICE.value, _digest(Sighting.Kind.DEVICE, token)))
    if request.META.get("REMOTE_ADDR"):
        found.add((Sighting.Kind.ADDRESS.value, _digest(Sighting.Kind.ADDRESS, client_ip(request))))
    return found


def sighting_note(*, user: User, seen: set[Mark], now: datetime | None = None) -> None:
    """Record (or refresh) that `user` was signed in from these browsers and addresses."""
    now = now or timezone.now()
    Sighting.objects.bulk_create(
        [Sighting(user=user, kind=kind, digest=digest, first_seen_at=now, last_seen_at=now) for kind, digest in seen],
        update_conflicts=True,
        unique_fields=["user", "kind", "digest"],
        update_fields=["last_seen_at"],
    )


def seen_as(user_id: int | None, seen: Collection[Mark], *, now: datetime | None = None) -> str:
    """The first of `seen` (device before address) that `user_id` used within
    PB_RATING_SIGHTING_DAYS, as its Sighting kind, or "" when none."""
    if not seen or user_id is None:
        return ""
    now = now or timezone.now()
    since = now - timedelta(days=settings.PB_RATING_SIGHTING_DAYS)
    known = set(
        Sighting.objects.filter(
            user_id=user_id, digest__in=[digest for _kind, digest in seen], last_seen_at__gte=since
        ).values_list("kind", "digest")
    )
    for kind in (Sighting.Kind.DEVICE, Sighting.Kind.ADDRESS):
        if any(mark in known for mark in seen if mark[0] == kind):
            return kind.value
    return ""


def note_signed_in(request: HttpRequest) -> None:
    """The signed-in user of `request` is here: note this browser (giving it a mark if it has none)
    and address."""
    if request.user.is_authenticated:
        sighting_note(user=request.user, seen=marks(request, mint=True))  # type: ignore[arg-type]


def on_login(sender, request: HttpRequest, user: User, **kwargs) -> None:
    """`user_logged_in` receiver: every sign-in notes its browser and address. (A login made without a
    request from a browser, as a test's force_login, has no address and is not noted.)"""
    if request is not None and request.META.get("REMOTE_ADDR"):
        sighting_note(user=user, seen=marks(request, mint=True))


class DeviceCookieMiddleware:
    """Sets the device cookie a sighting gave this browser (no cookie for anyone never signed in)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        token = getattr(request, "_pb_device_new", None)
        if token:
            response.set_cookie(
                DEVICE_COOKIE,
                token,
                max_age=DEVICE_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
