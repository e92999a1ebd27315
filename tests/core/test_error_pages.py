"""`make run` (DEBUG) shows the site's own error pages, as production does."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.utils import translation

from config.middleware import SiteErrorPagesMiddleware

pytestmark = pytest.mark.django_db

DEV = override_settings(DEBUG=True, MIDDLEWARE=[*settings.MIDDLEWARE, "config.middleware.SiteErrorPagesMiddleware"])


def test_development_settings_use_the_site_pages():
    code = "from config.settings import dev; print('config.middleware.SiteErrorPagesMiddleware' in dev.MIDDLEWARE)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=settings.BASE_DIR
    )
    assert out.stdout.strip() == "True"


@DEV
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_missing_page_is_the_sites_404_in_the_visitors_language(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    body = response.content.decode()
    with translation.override(language):
        assert translation.gettext("This page does not exist, or you do not have access to it.") in body
    assert 'name="viewport"' in body and "Technical" not in body and "URLconf" not in body


@DEV
def test_a_refused_page_is_the_sites_403(world, client_for):
    response = client_for("lawyer").get("/staff/")

    assert response.status_code == 403
    with translation.override("zh-hans"):
        assert translation.gettext("Your account does not have access to this page.") in response.content.decode()


def test_an_error_is_the_sites_500_and_is_logged(caplog):
    request = RequestFactory().get("/broken/")
    response = SiteErrorPagesMiddleware(lambda r: None).process_exception(request, RuntimeError("boom"))

    assert response.status_code == 500
    assert "服务器暂时无法处理您的请求" in response.content.decode()
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)
