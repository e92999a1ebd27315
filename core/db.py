"""When the database is away: which errors mean that, and the 503 page answered instead of a 500.

`server_error` is the project's handler500 (config/urls.py). Django calls it for any exception a view or
middleware let through; when that exception says the database cannot be reached (connection refused or
timed out, the server restarting or shutting down, out of connections, a statement cancelled by
statement_timeout, SQLite's file locked past its busy timeout) the visitor gets a 503 in both languages
with Retry-After, rendered without touching the database (no request context, no context processors).
Every other error is an ordinary 500."""

import sqlite3
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

RETRY_AFTER = 30  # seconds: a restart or a failover is usually over by then

# SQLSTATE classes meaning "the server is not there or will not serve now", not "this query is wrong":
# 08 connection exception, 53 insufficient resources (too many connections), 57 operator intervention
# (57014 query_canceled by statement_timeout, 57P01-03 shutdown and start-up); 55P03 lock_not_available.
_UNAVAILABLE_CLASSES = ("08", "53", "57")
_UNAVAILABLE_STATES = ("55P03",)
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk i/o error")


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` (as Django raised it) means the database cannot serve now, rather than a bug."""
    if isinstance(exc, InterfaceError):
        return True  # the connection is closed or broken
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        return str(cause).lower().startswith(_SQLITE_UNAVAILABLE)
    state = getattr(cause, "sqlstate", None)
    if state is None:
        # psycopg: no SQLSTATE means the server never answered (refused, timed out, connection lost).
        return cause is not None and type(cause).__module__.startswith("psycopg")
    return state.startswith(_UNAVAILABLE_CLASSES) or state in _UNAVAILABLE_STATES


def unavailable_response() -> HttpResponse:
    """The 503 page: both languages on one page (the language cookie is not worth a risk here)."""
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest, template_name: str = defaults.ERROR_500_TEMPLATE_NAME) -> HttpResponse:
    """handler500: a 503 while the database is away, Django's own 500 page otherwise."""
    if database_unavailable(sys.exc_info()[1]):
        return unavailable_response()
    return defaults.server_error(request, template_name)
