"""Every request has an id (the proxy's X-Request-ID or a new one), sent back in X-Request-ID and carried
by every log line written while serving it, with the user's id; each request logs its status and time.
(The JSON lines of a real gunicorn: tests/core/test_database_unavailable.py.)"""

import io
import json
import logging

import pytest

from core.logging import JsonFormatter, RequestContextFilter


@pytest.fixture
def json_lines():
    """What the production console handler would print (core.logging's filter and formatter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger("pb.request"), logging.getLogger("django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_a_signed_in_request_logs_its_id_user_status_and_duration(world, client_for, json_lines):
    client = client_for("lawyer")
    response = client.get("/my/points/")
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32

    (line,) = [r for r in json_lines() if r["logger"] == "pb.request"]
    assert line["request_id"] == request_id
    assert line["user_id"] == world.lawyer.pk
    assert (line["method"], line["path"], line["status"]) == ("GET", "/my/points/", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")


def test_lines_written_while_serving_carry_the_request_id(db, client, json_lines):
    response = client.get("/no-such-page-at-all/", HTTP_X_REQUEST_ID="lb-7f3a9c21e5")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "lb-7f3a9c21e5"
    lines = json_lines()
    not_found = next(r for r in lines if r["logger"] == "django.request")
    assert not_found["level"] == "WARNING" and "Not Found" in not_found["message"]
    assert not_found["request_id"] == "lb-7f3a9c21e5"
    assert not_found["user_id"] is None
    assert {r["request_id"] for r in lines} == {"lb-7f3a9c21e5"}


@pytest.mark.parametrize("sent", ["short", "has spaces in it", "x" * 65, "<script>alert(1)</script>"])
def test_a_page_replaces_a_request_id_that_does_not_look_like_one(db, client, sent):
    response = client.get("/no-such-page-at-all/", HTTP_X_REQUEST_ID=sent)
    assert response["X-Request-ID"] != sent
    assert len(response["X-Request-ID"]) == 32


def test_production_sends_errors_to_sentry_only_when_a_dsn_is_set(tmp_path):
    """sentry-sdk starts with the production settings when SENTRY_DSN is set, and not otherwise."""
    import subprocess
    import sys

    from django.conf import settings

    from tests.test_settings import _production_env

    code = "import sentry_sdk; print(sentry_sdk.get_client().is_active())"

    def active(**env):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
            cwd=settings.BASE_DIR,
            env=_production_env(tmp_path, **env),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    assert active(SENTRY_DSN="https://0123456789abcdef@errors.example.cn/7") == "True"
    assert active(SENTRY_DSN=None) == "False"
