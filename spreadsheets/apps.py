from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpreadsheetsConfig(AppConfig):
    name = "spreadsheets"
    verbose_name = _("Imports and exports")

    def ready(self):
        # Each kind registers itself with the import engine when its module is imported.
        from spreadsheets.imports import kinds_people, kinds_points  # noqa: F401
