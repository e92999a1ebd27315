"""Absolute links: every QR code, email, calendar entry and feed link is built on SITE_URL by one
helper, whatever host or port the request that made it came in on."""

import re
import subprocess
from pathlib import Path

from django.urls import reverse

from core.http import absolute_url

ROOT = Path(__file__).resolve().parents[2]


def test_absolute_url_joins_the_path_onto_site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    assert absolute_url("/verify/abc/") == "http://127.0.0.1:8123/verify/abc/"
    assert absolute_url("verify/abc/") == "http://127.0.0.1:8123/verify/abc/"
    settings.SITE_URL = "https://probono.example.gov.cn/"
    assert absolute_url(reverse("my_shifts")) == "https://probono.example.gov.cn/my/shifts/"


def test_no_code_builds_an_absolute_link_any_other_way():
    """The request's host (build_absolute_uri) or a hand-joined setting would bring back links that
    lead somewhere else than SITE_URL; absolute_url is the one way."""
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    offending = [
        f"{name}:{number}"
        for name in files.stdout.split()
        if not name.startswith("tests/") and name != "core/http.py"
        for number, line in enumerate((ROOT / name).read_text().splitlines(), 1)
        if re.search(r"build_absolute_uri|PB_SITE_URL|settings\.SITE_URL\s*[+}]|f\"\{settings\.SITE_URL", line)
    ]
    assert offending == []
