from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("People and places")

    def ready(self):
        # Registers the password-reset receiver that verifies an invited person's address.
        from volunteers.people import adapters  # noqa: F401
