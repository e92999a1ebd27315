from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Plumbing every app uses: bulk insert, the job claim, PDF fonts, bilingual text, rate limits."""

    name = "core"

    def ready(self):
        from core import checks  # noqa: F401  (registers the rate limiter's checks)
