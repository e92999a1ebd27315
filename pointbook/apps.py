from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointbookConfig(AppConfig):
    name = "pointbook"
    verbose_name = _("Points")

    def ready(self):
        from . import import_kinds  # noqa: F401 — registers history and targets with the import page
