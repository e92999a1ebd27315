import logging

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views import defaults

logger = logging.getLogger("django.request")


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the visitor chose another language with the switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; the product is
    Chinese first, so only the explicit choice (the language cookie) counts.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's header (settings.CONTENT_SECURITY_POLICY) on every response, with the Wagtail editor's
    directives (settings.CSP_CMS_ADMIN) replacing the site's under settings.CSP_CMS_ADMIN_PREFIX."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(settings.CSP_CMS_ADMIN_PREFIX):
            parts.replace = {**settings.CSP_CMS_ADMIN, **(parts.replace or {})}
        return parts


class SiteErrorPagesMiddleware:
    """Development (DEBUG) shows the site's own 404, 403 and 500 pages, in the visitor's language and
    phone-sized, as production does, so `make run` shows what visitors will see. A 500's traceback still
    goes to the console; DEBUG_PAGES=1 brings back Django's technical pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return defaults.permission_denied(request, exception)
        if isinstance(exception, (BadRequest, SuspiciousOperation)):
            return None  # Django's own 400 handling
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        return defaults.server_error(request)
