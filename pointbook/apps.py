from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointbookConfig(AppConfig):
    name = "pointbook"
    verbose_name = _("Points")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from pointbook.conduct import sightings
        from pointbook.conduct.selectors import last_upheld_complaint
        from volunteers.rota.eligibility import complaints_source_set

        # The rota's no-complaint rule reads upheld complaints from here (volunteers cannot import us).
        complaints_source_set(last_upheld_complaint)

        # A sign-in notes the browser and address it came from (kept hashed): see pointbook/conduct/sightings.py.
        user_logged_in.connect(sightings.on_login, dispatch_uid="pointbook.sighting_on_login")
