"""Staff exports; included from config/urls.py."""

from django.urls import path

from . import export_views

urlpatterns = [
    path("staff/exports/", export_views.staff_exports, name="staff_exports"),
    path("staff/exports/<int:pk>/", export_views.staff_export, name="staff_export"),
    path("staff/exports/<int:pk>/download/", export_views.staff_export_file, name="staff_export_file"),
]
