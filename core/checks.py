"""System checks for the public forms' limiter (core/ratelimit.py), in place of django-ratelimit's
own cache checks (silenced in settings): those warn about Django's built-in RedisCache, whose incr is
Redis INCR and atomic, and call local memory an error even for the one process `make run` serves."""

from django.conf import settings
from django.core import checks

# Caches whose add and incr are atomic: django-ratelimit counts correctly with them.
_ATOMIC = {
    "django.core.cache.backends.redis.RedisCache",
    "django_redis.cache.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
    "django.core.cache.backends.locmem.LocMemCache",
}
_PER_PROCESS = "django.core.cache.backends.locmem.LocMemCache"


def _limiter_backend():
    name = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    return name, settings.CACHES.get(name, {}).get("BACKEND")


@checks.register(checks.Tags.caches)
def limiter_cache_counts_atomically(app_configs, **kwargs):
    name, backend = _limiter_backend()
    if backend in _ATOMIC:
        return []
    return [
        checks.Error(
            f"The rate limiter's cache {name!r} ({backend}) does not count atomically: requests sent at once "
            "would all get through.",
            hint="Use Redis (CACHE_URL) or, for a single process, LocMemCache.",
            id="core.E001",
        )
    ]


@checks.register(checks.Tags.caches, deploy=True)
def limiter_cache_is_shared(app_configs, **kwargs):
    name, backend = _limiter_backend()
    if backend != _PER_PROCESS:
        return []
    return [
        checks.Warning(
            f"The rate limiter's cache {name!r} is local memory: each web process counts on its own, so with "
            "several processes the public forms' limits are multiplied by their number.",
            hint="Set CACHE_URL to a Redis URL shared by every web process.",
            id="core.W001",
        )
    ]
