"""The Content-Security-Policy: on every page, this origin only and no inline script or style, except in
the Wagtail editor; and no template of ours that the policy would break. (The browser journey
tests/e2e/test_links_and_csp.py walks the pages and listens for violations.)"""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _policy(response):
    return dict(
        (part.split()[0], part.split()[1:]) for part in response["Content-Security-Policy"].split(";") if part.strip()
    )


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/notices/", "/verify/no-such-code/"])
def test_site_pages_allow_only_this_origin_and_no_inline_script_or_style(db, client, path):
    policy = _policy(client.get(path))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # a nonce is added only for a page that uses one
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == policy["form-action"] == policy["base-uri"] == ["'self'"]


def test_a_page_that_asks_for_a_nonce_gets_one_in_its_policy(rf):
    from django.http import HttpResponse

    from config.middleware import ContentSecurityPolicyMiddleware

    request = rf.get("/")
    middleware = ContentSecurityPolicyMiddleware(lambda r: HttpResponse(f'<script nonce="{r.csp_nonce}"></script>'))
    response = middleware(request)

    assert f"'nonce-{request.csp_nonce}'" in _policy(response)["script-src"]


def test_the_wagtail_editor_alone_may_run_inline_script_and_style(client_for):
    staff = client_for("staff_a")
    editor = _policy(staff.get("/cms-admin/"))
    site = _policy(staff.get("/staff/"))

    assert editor["script-src"] == editor["style-src"] == ["'self'", "'unsafe-inline'"]
    assert editor["default-src"] == ["'self'"] and editor["img-src"] == ["'self'", "data:"]
    assert "'unsafe-inline'" not in site["script-src"] + site["style-src"]


def test_no_template_of_ours_has_inline_script_style_or_event_handlers():
    """The policy refuses them: a page would silently lose its behaviour or its layout."""
    files = subprocess.run(["git", "ls-files", "*.html"], cwd=ROOT, capture_output=True, text=True, check=True)
    forbidden = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
    found = [
        f"{name}:{number}: {match.group(0)}"
        for name in files.stdout.split()
        for number, line in enumerate((ROOT / name).read_text().splitlines(), 1)
        for match in forbidden.finditer(line)
    ]
    assert found == []
