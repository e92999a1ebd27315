import os
import tempfile
from pathlib import Path

from config.settings.base import CELERY_BROKER_URL
from config.settings.env import env_str

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="pb-test-media-")
PRIVATE_MEDIA_ROOT = tempfile.mkdtemp(prefix="pb-test-private-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A broker of the test run's own, so tests never pick up `make run`'s queued jobs.
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = tempfile.mkdtemp(prefix="pb-test-broker-")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _queue_dir,
        "data_folder_out": _queue_dir,
        "control_folder": tempfile.mkdtemp(prefix="pb-test-control-"),
    }

# xdist workers share one Redis when CACHE_URL is set: each counts under its own key prefix.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
for _cache in CACHES.values():  # noqa: F405
    _cache["KEY_PREFIX"] = f"{_cache.get('KEY_PREFIX', 'pb')}-{_worker}"

# Static files are served by the test server itself; whitenoise is for production.
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405

# Threads in tests (a Celery worker, the live server) must not keep connections open, or the test
# database cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# A file, not SQLite's shared in-memory database: race tests run real threads, and only a file
# gives them SQLite's real locking (busy timeout, IMMEDIATE transactions) as in production.
# Each run gets a folder of its own, unless PB_TEST_DB_DIR names a lasting one: `make test-fast` puts
# migrated copies there (test.sqlite3_gw0, … one per xdist worker) for pytest --reuse-db to use.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    _test_db_dir = env_str("PB_TEST_DB_DIR")
    if _test_db_dir:
        Path(_test_db_dir).mkdir(parents=True, exist_ok=True)
    else:
        _test_db_dir = tempfile.mkdtemp(prefix="pb-test-db-")
    DATABASES["default"]["TEST"] = {"NAME": str(Path(_test_db_dir) / "test.sqlite3")}  # noqa: F405
