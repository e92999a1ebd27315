"""URLs of this part of the pointbook; pointbook/urls.py adds them to its own."""

from django.urls import path

from . import report_views

urlpatterns = [
    path("staff/reports/", report_views.staff_reports, name="staff_reports"),
    path("staff/reports/<int:pk>/", report_views.staff_report, name="staff_report"),
    path("staff/reports/<int:pk>/report.<str:fmt>", report_views.staff_report_file, name="staff_report_file"),
]
