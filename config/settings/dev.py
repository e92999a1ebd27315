from config.settings.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)

# runserver serves static files; whitenoise (and its collected folder) is for production.
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405

# The site's own error pages, not Django's technical ones (DEBUG_PAGES=1 for those).
if DEBUG and not env_bool("DEBUG_PAGES", False):
    MIDDLEWARE = [*MIDDLEWARE, "config.middleware.SiteErrorPagesMiddleware"]
