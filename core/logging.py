"""Production log lines: one JSON object a line, each carrying the request id and the user id of the
request it was written in (core.middleware.RequestLogMiddleware sets them), so a log search for one
request id finds everything that request wrote, whichever logger wrote it."""

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest

# The request being served by this thread (or task): its id, and the request to read the user from.
current: contextvars.ContextVar[tuple[str, HttpRequest] | None] = contextvars.ContextVar("pb_request", default=None)

# LogRecord's own attributes: anything else on a record was passed as `extra` and goes into the line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def request_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, if the request already loaded its user (never a query of its own)."""
    user = getattr(request, "_cached_user", None)  # set by AuthenticationMiddleware once request.user is read
    return user.pk if user is not None and user.is_authenticated else None


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `user_id` to every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        state = current.get()
        if not hasattr(record, "request_id"):
            record.request_id = state[0] if state else None
        if not hasattr(record, "user_id"):
            record.user_id = request_user_id(state[1]) if state else None
        return True


class SkipUnavailable(logging.Filter):
    """Keeps the 503s answered while the database is away out of the admins' mailbox: one outage would
    send an email a request. They are still logged (and sent to the error tracker, which groups them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 503


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id", "user_id", ...extra..., "exc_info"}`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def sentry_before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Tag each Sentry event with the request id (to find its log lines) and the user id."""
    state = current.get()
    if state:
        event.setdefault("tags", {})["request_id"] = state[0]
        user_id = request_user_id(state[1])
        if user_id is not None:
            event["user"] = {"id": str(user_id)}
    return event
