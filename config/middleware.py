from csp.middleware import CSPMiddleware
from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


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
