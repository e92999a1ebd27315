import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
# A web process: the database cancels statements after PB_DB_STATEMENT_TIMEOUT (config/settings/base.py).
os.environ.setdefault("PB_PROCESS", "web")
application = get_wsgi_application()
