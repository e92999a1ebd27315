"""Yearly targets per region and their dashboard."""

from django.urls import path

from pointbook.targets import views

urlpatterns = [
    path("staff/targets/", views.staff_targets, name="staff_targets"),
    path("staff/targets/<int:region_id>/<int:year>/edit/", views.staff_target_edit, name="staff_target_edit"),
]
