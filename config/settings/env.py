"""Environment helpers that fail loudly on bad values (as healthchecks' envbool)."""

import os
import re
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=None, *, required=False):
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"Environment variable {name} is required.")
        return default
    return value


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no).")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


_RATE = re.compile(r"[1-9][0-9]*/(?:[1-9][0-9]*)?[smhd]")


def env_rate(name, default):
    """A request limit as django-ratelimit reads it: "count/period", e.g. "20/h" or "60/10m"."""
    value = env_str(name, default).strip()
    if not _RATE.fullmatch(value):
        raise ImproperlyConfigured(f"{name}={value!r} is not a rate (use count/period: 20/h, 60/10m, 5/m).")
    return value


def env_url(name, default=None, *, required=False):
    """An http(s) origin such as https://probono.example.gov.cn or http://127.0.0.1:8001 (a trailing
    slash is dropped): no path, query or fragment, since paths are joined onto it."""
    value = env_str(name, default, required=required)
    if value is None:
        return None
    value = value.strip().rstrip("/")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises ValueError on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise ImproperlyConfigured(f"{name}={value!r} is not an http(s) address like https://example.cn[:port].")
    return value
