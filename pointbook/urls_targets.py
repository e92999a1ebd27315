"""URLs of this part of the pointbook; pointbook/urls.py adds them to its own."""

from django.urls import path

from . import target_views

urlpatterns = [
    path("staff/targets/", target_views.staff_targets, name="staff_targets"),
    path("staff/targets/<int:region_id>/<int:year>/edit/", target_views.staff_target_edit, name="staff_target_edit"),
]
