"""Limits on what the public may do without an account (objections, ratings, verification look-ups):
at most so many requests per client address in a window, counted by django-ratelimit in the cache
named by RATELIMIT_USE_CACHE.

django-ratelimit counts with `cache.add` (the window's first request) and `cache.incr` (the rest).
Both are atomic on Redis (SET NX, INCR) and on the local-memory cache (under its lock), so requests
arriving at once are numbered 1, 2, 3, … and only the first `limit` get through: there is no gap
between reading a count and writing it back for a burst of requests to slip through."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

# One address of IPv6 is nothing: a home or phone is given a /64.
_IPV6_PREFIX = 64


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or, with TRUSTED_PROXY_COUNT proxies in front, the address
    the outermost of them saw (counted from the right of X-Forwarded-For: what the client wrote
    further left is not believed), as allauth's login limits read it."""
    count = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    candidates = [forwarded[-count]] if count and len(forwarded) >= count else []
    for candidate in [*candidates, request.META.get("REMOTE_ADDR", "")]:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return "0.0.0.0"


def address_key(request: HttpRequest) -> str:
    """The client address as limits count it: an IPv6 /64 is one address."""
    address = ipaddress.ip_address(client_ip(request))
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{_IPV6_PREFIX}", strict=False).network_address)
    return str(address)


def over_limit(request: HttpRequest, group: str, *, per: str = "") -> int | None:
    """Count this request against `group`'s limit (settings.PB_RATE_LIMITS) for the client's address,
    and for `per` too when given (one notice, say). Returns None while within the limit, else the
    seconds until the window ends (for Retry-After). Counted before anything is done, so a request
    refused here changes nothing."""
    usage = get_usage(
        request,
        group=f"pb:{group}",
        key=lambda _group, request: f"{address_key(request)}|{per}",
        rate=settings.PB_RATE_LIMITS[group],
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(usage["time_left"], 1)


def retry_minutes(retry_after: int) -> int:
    """Seconds to wait as whole minutes, rounded up (what a person is told)."""
    return -(-retry_after // 60)


def too_many(request: HttpRequest, retry_after: int, template: str = "429.html", context=None) -> HttpResponse:
    """The answer to a request over its limit: `template` (a form page with the error on it, or the
    plain 429 page) with status 429 and Retry-After."""
    response = render(request, template, {"retry_minutes": retry_minutes(retry_after), **(context or {})}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
