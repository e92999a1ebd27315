"""Staff exports of their area's data."""

from django.urls import path

from spreadsheets.exports import views

urlpatterns = [
    path("staff/exports/", views.staff_exports, name="staff_exports"),
    path("staff/exports/<int:pk>/", views.staff_export, name="staff_export"),
    path("staff/exports/<int:pk>/download/", views.staff_export_file, name="staff_export_file"),
]
