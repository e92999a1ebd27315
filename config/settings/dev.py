from config.settings.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)

# runserver serves static files; whitenoise (and its collected folder) is for production.
MIDDLEWARE = [m for m in MIDDLEWARE if "whitenoise" not in m]  # noqa: F405
