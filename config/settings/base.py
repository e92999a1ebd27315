"""Settings shared by every environment. dev/test/production import and adjust these."""

from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from config.settings.env import env_bool, env_int, env_list, env_rate, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PB_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "core",
    "volunteers",
    "pointbook",
    "spreadsheets",
    "cms",
    "tasks",
    "demo",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.simple_translation",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "import_export",
    "django_ratelimit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # Probes first: answered without sessions or the host check (core/middleware.py).
    "core.middleware.HealthCheckMiddleware",
    # The request id and timing on every log line (core/logging.py).
    "core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "volunteers.people.middleware.ProfileCompletionMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "pointbook.conduct.sightings.DeviceCookieMiddleware",
]

# --- Content-Security-Policy (django-csp 4): this origin only, no inline script or style (the site's
# behaviours are static/js/site.js, its styles static/css/site.css), no plugins, no framing by others.
# Images may be data: URIs (Wagtail's image previews, the browser's own icons). A template that truly
# needs an inline <script> gives it nonce="{{ request.csp_nonce }}". The Wagtail editor needs a little
# more: CSP_CMS_ADMIN below.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    },
}
# The Wagtail editor (/cms-admin/, bureau staff only) under the same policy except inline script and
# style, which its page editor cannot do without: Wagtail's date and time widgets and inline panels write
# inline <script>s from widget templates that never see the request (so cannot carry a nonce), its
# JavaScript re-runs the inline scripts of the panels it inserts and injects <style> elements (Wagtail's
# open "CSP compatibility issues", wagtail/wagtail#1288). Still this origin only: nothing from elsewhere
# can be loaded, framed or posted to. Applied by config/middleware.py; never add a nonce here, since a
# nonce makes browsers ignore 'unsafe-inline'.
CSP_CMS_ADMIN_PREFIX = "/cms-admin/"
CSP_CMS_ADMIN = {"script-src": [SELF, UNSAFE_INLINE], "style-src": [SELF, UNSAFE_INLINE]}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

CAPABILITY_TEMPLATE_DIRS = sorted(
    path
    for app in ("core", "volunteers", "pointbook", "spreadsheets", "cms")
    for path in BASE_DIR.glob(f"{app}/*/templates")
)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Each capability keeps its templates beside its views (e.g. volunteers/rota/templates/);
        # template names keep the app prefix ("volunteers/my_shifts.html").
        "DIRS": [BASE_DIR / "templates", *CAPABILITY_TEMPLATE_DIRS],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "volunteers.people.context_processors.roles",
            ],
        },
    },
]

# --- Database: SQLite by default, anything dj-database-url understands when DATABASE_URL is set.
# A database that is away or frozen must fail a request in seconds, not hold every web worker until
# gunicorn kills it: PostgreSQL gets a connect timeout, TCP keepalives (a server host that vanished is
# noticed while waiting for an answer) and a statement timeout; pooled connections are checked before
# each request reuses them (CONN_HEALTH_CHECKS: a restarted server costs no 500s). Web processes
# (config/wsgi.py sets PB_PROCESS=web) cancel statements after PB_DB_STATEMENT_TIMEOUT seconds; workers,
# beat and management commands (reports, imports, migrations) after PB_DB_STATEMENT_TIMEOUT_BACKGROUND
# (0: never). What the visitor sees meanwhile: core/db.py (503, both languages, Retry-After).
PB_PROCESS = env_str("PB_PROCESS", "background")
PB_DB_CONNECT_TIMEOUT = env_int("PB_DB_CONNECT_TIMEOUT", 5)
PB_DB_STATEMENT_TIMEOUT = env_int(
    "PB_DB_STATEMENT_TIMEOUT" if PB_PROCESS == "web" else "PB_DB_STATEMENT_TIMEOUT_BACKGROUND",
    30 if PB_PROCESS == "web" else 0,
)
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {
                "connect_timeout": PB_DB_CONNECT_TIMEOUT,
                "keepalives": 1,
                "keepalives_idle": 30,
                "keepalives_interval": 10,
                "keepalives_count": 3,
                "options": f"-c statement_timeout={PB_DB_STATEMENT_TIMEOUT * 1000}",
            }
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # WAL + busy timeout + IMMEDIATE so the web process and the Celery worker can share the
            # file: writers queue for the lock at BEGIN instead of failing with "database is locked".
            "OPTIONS": {
                "timeout": env_int("PB_SQLITE_BUSY_TIMEOUT", 20),
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                # REPLACE deletes the old row; with recursive triggers the ledger guard sees that delete.
                # (temp_store=MEMORY or a larger cache_size halve what the ledger's totals trigger costs a
                # bulk insert, but make every large GROUP BY's sort twice as slow: measured, left alone.)
                "PRAGMA recursive_triggers=ON;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: allauth's rate limits need one shared by every process, so never the per-process locmem.
# "ratelimit" is the public forms' limiter (core/ratelimit.py): it counts with cache.add + cache.incr,
# which must be atomic. Redis's are (SET NX, INCR); the database cache's incr is read-then-write, so
# without Redis the limiter counts in local memory (atomic under its lock, but per process: `make run`
# serves one; several web processes need CACHE_URL, and `check --deploy` says so).
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL},
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "pb-limit",
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "pb_cache"},
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pb-limit"},
    }
RATELIMIT_USE_CACHE = "ratelimit"
# Behind proxies, the address the outermost trusted one saw (TRUSTED_PROXY_COUNT), as for allauth's limits.
RATELIMIT_IP_META_KEY = "core.ratelimit.client_ip"
# django-ratelimit's cache checks know neither Django's own RedisCache (W001: "not officially
# supported", yet its incr is Redis INCR) nor when local memory is enough (E003): core/checks.py
# replaces both with checks that do (an error for a cache that does not count atomically, and a
# deployment warning for per-process counting).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

AUTH_USER_MODEL = "volunteers.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- allauth: email is the login, and it must be verified before the account can be used.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Setting a password from an emailed link (a reset, or an import's invitation) signs the person in.
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
# Logins, fitted to a bureau where a whole office signs in from behind one NAT address: failed logins
# count per account *and* address together (volunteers/people/adapters.py makes allauth's "key" both), so
# a colleague's typos or a stranger elsewhere never lock anyone else out; generous ceilings per address
# (all attempts, failures) and a per-account backstop against guessing from many addresses.
PB_RATE_LOGINS_PER_ADDRESS = env_rate("PB_RATE_LOGINS_PER_ADDRESS", "300/m")
PB_RATE_LOGIN_FAILURES_PER_ADDRESS = env_rate("PB_RATE_LOGIN_FAILURES_PER_ADDRESS", "60/m")
PB_RATE_LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = env_rate("PB_RATE_LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", "5/5m")
PB_RATE_LOGIN_FAILURES_PER_ACCOUNT = env_rate("PB_RATE_LOGIN_FAILURES_PER_ACCOUNT", "50/h")
ACCOUNT_RATE_LIMITS = {
    "login": f"{PB_RATE_LOGINS_PER_ADDRESS}/ip",
    "login_failed": f"{PB_RATE_LOGIN_FAILURES_PER_ADDRESS}/ip,{PB_RATE_LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS}/key",
    "login_failed_account": f"{PB_RATE_LOGIN_FAILURES_PER_ACCOUNT}/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_ADAPTER = "volunteers.people.adapters.AccountAdapter"
# Email addresses typed with full-width characters are read as the ordinary ones.
ACCOUNT_FORMS = {
    "login": "volunteers.people.account_forms.AccountLoginForm",
    "signup": "volunteers.people.account_forms.AccountSignupForm",
    "add_email": "volunteers.people.account_forms.AccountAddEmailForm",
    "reset_password": "volunteers.people.account_forms.AccountResetPasswordForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = _("Pro-bono points")

# The Django and Wagtail admins log in through allauth only (see config/urls.py).
WAGTAILADMIN_LOGIN_URL = "wagtailadmin_login"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False

# --- Language: Simplified Chinese first, English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# locale_wagtail: Wagtail's strings its own zh_Hans catalogue lacks (hand-kept; ours come first).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_wagtail"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "pb_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAIL_SITE_NAME = "公共法律服务公益积分"
# The product's name in emails and account pages, in the reader's language.
PB_SITE_NAME = _("Public legal service pro-bono points")
# The site's public address: every absolute link (the QR codes on certificates and statements, emails,
# calendar entries and feeds, rating links) is built on it by core.http.absolute_url, never on the host a
# request came in on. `make run` sets it from PORT; production refuses to start without it.
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# No avatars from gravatar.com: a government site loads nothing from other origins (see the CSP above).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# An approved review publishes what was approved (cms.workflow_finish; docs/subsystems/publishing.md).
WAGTAIL_FINISH_WORKFLOW_ACTION = "cms.workflow_finish.publish_approved"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Evidence files: never under MEDIA_ROOT, never at a URL (served by a view that checks scope). With
# several web machines this must be a shared volume.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@probono.example.cn")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A stalled mail server must give up well before a reminder's claim (PB_REMINDER_LEASE_SECONDS) lapses.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

# --- Celery: an embedded filesystem broker unless CELERY_BROKER_URL names Redis or RabbitMQ.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery-broker"
    # The embedded broker needs its folders before the first message is sent.
    _queue_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery-control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(VAR_DIR / "celery-control"),
    }
elif CELERY_BROKER_URL.startswith("redis"):
    # Every countdown and retry delay we use stays well below this (see tasks/).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Domain settings.
# The issuing bureau on certificates, statements, reports and emails; empty: the city's name + 司法局.
PB_BUREAU_NAME = env_str("PB_BUREAU_NAME", "")

# --- Logging: to standard output, as plain text (PB_LOG_FORMAT=text, the default outside production)
# or one JSON object a line (json: production's default); every line carries the request id and user id
# of the request that wrote it, and each request logs one line with its status and duration
# (core/logging.py, core.middleware.RequestLogMiddleware). Server errors are also mailed to ADMINS
# (PB_ADMINS: "Name <a@b.cn>, c@d.cn") and, when SENTRY_DSN is set, sent to Sentry (production.py).
PB_LOG_FORMAT = env_str("PB_LOG_FORMAT", "text")
ADMINS = [(name or address, address) for name, address in map(parseaddr, env_list("PB_ADMINS")) if address]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "core.logging.RequestContextFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "skip_unavailable": {"()": "core.logging.SkipUnavailable"},
    },
    "formatters": {
        "json": {"()": "core.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            "formatter": "json" if PB_LOG_FORMAT == "json" else "text",
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "skip_unavailable"],
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # Replaces Django's own "django" logger (its console only under DEBUG, its unfiltered mail).
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        # Wagtail logs every page edit and background index task at INFO; keep the console readable.
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}

# --- Rota. The rules staff change (fatigue cap, offer window, reminder lead, no-show block) are a
# row they edit (volunteers.RotaPolicy); these are the operational ones.
# A reminder claimed by a sender that died is taken again after this long.
PB_REMINDER_LEASE_SECONDS = env_int("PB_REMINDER_LEASE_SECONDS", 300)
# Staff coverage view: how far ahead to look for thin shifts and hotline days without a lawyer.
PB_COVERAGE_DAYS = env_int("PB_COVERAGE_DAYS", 28)
# Most shifts one series form may create (a weekday rota for a year is about 500).
PB_MAX_SERIES_SHIFTS = env_int("PB_MAX_SERIES_SHIFTS", 600)
# Evidence uploads: each file at most this many MiB, at most this many files a record.
PB_EVIDENCE_MAX_MB = env_int("PB_EVIDENCE_MAX_MB", 10)
PB_EVIDENCE_MAX_FILES = env_int("PB_EVIDENCE_MAX_FILES", 5)
# A public rating link works for this many days after the contributor first shows it.
PB_RATING_LINK_DAYS = env_int("PB_RATING_LINK_DAYS", 30)
# A good public rating's bonus: at most this many a person a year; and one sent from a browser or
# address the contributor used signed in within this many days waits for staff to confirm it.
PB_RATING_BONUSES_PER_YEAR = env_int("PB_RATING_BONUSES_PER_YEAR", 12)
PB_RATING_SIGHTING_DAYS = env_int("PB_RATING_SIGHTING_DAYS", 180)
# --- Public forms and look-ups (no account): at most this many requests per client address in the
# window ("count/period", period s, m, h or d, e.g. "20/h" or "60/10m"); past it the request is refused
# with a 429 and changes nothing. Objections count per notice.
PB_RATE_LIMITS = {
    "objection": env_rate("PB_RATE_OBJECTIONS", "20/h"),
    "rating": env_rate("PB_RATE_RATINGS", "30/h"),
    "verify": env_rate("PB_RATE_VERIFY", "120/h"),
    "service_request": env_rate("PB_RATE_SERVICE_REQUESTS", "10/h"),
    "request_follow": env_rate("PB_RATE_REQUEST_FOLLOW", "30/h"),
}
# --- Background jobs (core.jobs). A running job beats every PB_JOB_HEARTBEAT_SECONDS; one with no beat
# for PB_JOB_LEASE_SECONDS lost its worker and is taken over; a job queued (or stalled) this long
# without being claimed is sent again by the sweeper (its message was lost, or its worker died).
PB_JOB_HEARTBEAT_SECONDS = env_int("PB_JOB_HEARTBEAT_SECONDS", 20)
PB_JOB_LEASE_SECONDS = env_int("PB_JOB_LEASE_SECONDS", 120)
PB_JOB_RESEND_SECONDS = env_int("PB_JOB_RESEND_SECONDS", 180)
# The Celery queue jobs are sent to; empty: Celery's default (a test gives its worker a queue of its own).
PB_JOB_QUEUE = env_str("PB_JOB_QUEUE", "")
# --- Health (core/health.py). Beat and the workers count as stopped when not seen for this long
# (/readyz fails on a stopped beat; 0: /readyz does not look at beat); the staff overview also warns
# when a job has waited this long without a worker taking it. /readyz gives the broker this long.
PB_HEARTBEAT_STALE_SECONDS = env_int("PB_HEARTBEAT_STALE_SECONDS", 300)
PB_QUEUE_STALE_SECONDS = env_int("PB_QUEUE_STALE_SECONDS", 600)
PB_READYZ_BROKER_TIMEOUT = env_int("PB_READYZ_BROKER_TIMEOUT", 2)
# --- Import and export. An uploaded spreadsheet is at most this many MiB (and its XLSX parts at most
# PB_IMPORT_MAX_UNZIPPED_MB once unpacked) and this many data rows; files with more rows than
# PB_IMPORT_INLINE_ROWS are checked and imported by a Celery job instead of in the request.
PB_IMPORT_MAX_MB = env_int("PB_IMPORT_MAX_MB", 20)
PB_IMPORT_MAX_UNZIPPED_MB = env_int("PB_IMPORT_MAX_UNZIPPED_MB", 200)
PB_IMPORT_MAX_ROWS = env_int("PB_IMPORT_MAX_ROWS", 200_000)
PB_IMPORT_INLINE_ROWS = env_int("PB_IMPORT_INLINE_ROWS", 1000)
# Exports of up to this many rows are built in the request; larger ones by a Celery job.
PB_EXPORT_INLINE_ROWS = env_int("PB_EXPORT_INLINE_ROWS", 5000)
