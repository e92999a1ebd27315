from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Plumbing every app uses: bulk insert, the job claim, PDF fonts, bilingual text."""

    name = "core"
