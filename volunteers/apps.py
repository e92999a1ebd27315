from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("People and places")

    def ready(self):
        from . import import_kinds  # noqa: F401 — registers the import kinds
