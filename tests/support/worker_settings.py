"""Settings for a Celery worker that a test starts as a separate process (see tests.support.worker).

The test settings, pointed at the running test's own database, broker folders (filesystem broker)
and a mail folder, all passed in the environment: `config.settings.test` makes fresh temporary
ones in every process, which a worker of the test's must not do.
"""

import json
import os

from config.settings.test import *  # noqa: F401,F403
from config.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS, DATABASES

# The test database (pytest-django's test_<name> on PostgreSQL, the test run's file on SQLite);
# everything else about the connection comes from DATABASE_URL / the defaults as in the test process.
DATABASES["default"]["NAME"] = os.environ["PB_TEST_WORKER_DB_NAME"]
DATABASES["default"].pop("TEST", None)

# The test process's broker folders (filesystem) and any test-specific transport options
# (a short Redis visibility timeout, for example).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    **json.loads(os.environ.get("PB_TEST_WORKER_BROKER_OPTIONS", "{}")),
}

EMAIL_BACKEND = "tests.support.mail.SlowFileBackend"
EMAIL_FILE_PATH = os.environ["PB_TEST_WORKER_MAIL_DIR"]
PB_TEST_MAIL_DELAY = float(os.environ.get("PB_TEST_MAIL_DELAY", "0"))

# Private files shared with the test process (production shares one folder or bucket), when a test
# hands the worker a file it stored itself.
if os.environ.get("PB_TEST_WORKER_PRIVATE_ROOT"):
    PRIVATE_MEDIA_ROOT = os.environ["PB_TEST_WORKER_PRIVATE_ROOT"]
