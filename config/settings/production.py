"""Production: every secret from the environment; missing ones stop the process at start-up."""

from config.settings.env import env_bool, env_int, env_list, env_str, env_url

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY", required=True)
# Printed in every QR code and email: a default (127.0.0.1) would make them all lead nowhere.
SITE_URL = env_url("SITE_URL", required=True)
WAGTAILADMIN_BASE_URL = SITE_URL
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Environment variable ALLOWED_HOSTS is required (comma-separated).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"https://{h}" for h in ALLOWED_HOSTS])

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", required=True)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Proxies in front of the site: the client address (rate limits) is the one they forwarded.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# JSON lines unless PB_LOG_FORMAT says otherwise (base.py reads it before the handlers are built).
if env_str("PB_LOG_FORMAT") is None:
    LOGGING["handlers"]["console"]["formatter"] = "json"  # noqa: F405

# Errors to an error tracker when a DSN is given: unhandled exceptions and ERROR log lines, with the
# request id as a tag and the user's id. What else is collected is sentry-sdk's default (its
# data_collection option); no tracing.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk

    from core.logging import sentry_before_send

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=0,
        before_send=sentry_before_send,
    )
