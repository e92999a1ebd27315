"""Middleware for running the site: health probes answered before anything else, and a request id and
timing on every request's log lines."""

import logging
import re
import time
import uuid

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse

from core import health
from core.logging import current, request_user_id

log = logging.getLogger("pb.request")

# A request id a proxy sent (X-Request-ID) is kept when it looks like one; otherwise a new one is made.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


class HealthCheckMiddleware:
    """/healthz (the process answers) and /readyz (database, cache, broker, beat: core.health.readiness)
    without authentication, sessions or the host check: a load balancer asks by the machine's address,
    over plain HTTP. First in MIDDLEWARE, so a probe touches nothing else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz":
            return self._no_store(JsonResponse({"status": "ok"}))
        if request.path_info == "/readyz":
            ready, checks = health.readiness()
            return self._no_store(JsonResponse(health.as_json(ready, checks), status=200 if ready else 503))
        return self.get_response(request)

    @staticmethod
    def _no_store(response: HttpResponse) -> HttpResponse:
        response["Cache-Control"] = "no-store"
        return response


class RequestLogMiddleware:
    """Gives the request an id (the proxy's X-Request-ID, or a new one), returned in X-Request-ID and
    added to every log line written while serving it; then logs one line for the request: method, path,
    status, duration in milliseconds and the user's id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = sent if _REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        # Cleared when the response is finished (request_finished), not here: Django logs a 4xx or 5xx
        # only after every middleware has returned, and that line needs the id too.
        current.set((request_id, request))
        started = time.monotonic()
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": request_user_id(request),
            },
        )
        return response


@receiver(request_finished)
def _request_context_clear(**kwargs) -> None:
    current.set(None)
