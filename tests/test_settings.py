"""Production settings: `check --deploy` is clean, and missing or bad environment values stop start-up."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Anything the production settings read; the test decides each of them.
_SETTINGS_ENV = (
    "SECRET_KEY",
    "SITE_URL",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
)


def _production_env(tmp_path, **values):
    env = {key: value for key, value in os.environ.items() if key not in _SETTINGS_ENV}  # keeps DATABASE_URL
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        SITE_URL="https://probono.example.cn",
        ALLOWED_HOSTS="probono.example.cn",
        EMAIL_HOST="smtp.example.cn",
        PB_VAR_DIR=str(tmp_path),
    )
    # Several web processes share one limiter (settings.CACHES "ratelimit"); the checks do not connect.
    env.setdefault("CACHE_URL", "redis://redis.internal:6379/1")
    for key, value in values.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


class _Run:
    def __init__(self, env, *args):
        self._process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def result(self):
        stdout, stderr = self._process.communicate(timeout=120)
        return subprocess.CompletedProcess(self._process.args, self._process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every `manage.py` run of this module, started together (each takes a second or two)."""
    tmp = tmp_path_factory.mktemp("var")
    deploy = ("check", "--deploy", "--fail-level", "WARNING")
    started = {
        "clean": _Run(_production_env(tmp), *deploy),
        "short key": _Run(_production_env(tmp, SECRET_KEY="too-short"), *deploy),
        "bad boolean": _Run(_production_env(tmp, SECURE_SSL_REDIRECT="perhaps"), "check"),
        "bad rate": _Run(_production_env(tmp, PB_RATE_VERIFY="lots"), "check"),
        "no CACHE_URL": _Run(_production_env(tmp, CACHE_URL=None), *deploy),
        "site url with a path": _Run(_production_env(tmp, SITE_URL="https://probono.example.cn/app"), "check"),
        "site url without a scheme": _Run(_production_env(tmp, SITE_URL="probono.example.cn"), "check"),
        **{
            f"no {name}": _Run(_production_env(tmp, **{name: None}), *deploy)
            for name in ("SECRET_KEY", "SITE_URL", "ALLOWED_HOSTS", "EMAIL_HOST")
        },
    }
    return {name: run.result() for name, run in started.items()}


def test_production_settings_pass_the_deployment_checks_without_warnings(tmp_path, runs):
    assert len(_production_env(tmp_path)["SECRET_KEY"]) >= 50
    result = runs["clean"]

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "no issues" in output


@pytest.mark.parametrize("missing", ["SECRET_KEY", "SITE_URL", "ALLOWED_HOSTS", "EMAIL_HOST"])
def test_production_refuses_to_start_without_a_required_value(runs, missing):
    result = runs[f"no {missing}"]

    assert result.returncode != 0
    assert missing in result.stderr


def test_a_bad_boolean_in_the_environment_stops_start_up(runs):
    result = runs["bad boolean"]

    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr


@pytest.mark.parametrize("run", ["site url with a path", "site url without a scheme"])
def test_a_site_url_that_is_not_an_address_stops_start_up(runs, run):
    """Paths are joined onto SITE_URL: anything but scheme://host[:port] would print broken QR codes."""
    result = runs[run]

    assert result.returncode != 0
    assert "SITE_URL" in result.stderr


def test_a_short_secret_key_fails_the_deployment_checks(runs):
    result = runs["short key"]

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_a_bad_rate_limit_in_the_environment_stops_start_up(runs):
    result = runs["bad rate"]

    assert result.returncode != 0
    assert "PB_RATE_VERIFY" in result.stderr


def test_without_a_shared_cache_the_deployment_checks_warn_that_limits_count_per_process(runs):
    result = runs["no CACHE_URL"]

    assert result.returncode != 0
    assert "core.W001" in result.stdout + result.stderr
