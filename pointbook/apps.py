from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointbookConfig(AppConfig):
    name = "pointbook"
    verbose_name = _("Points")
