"""Staff recognition reports and monthly digests."""

from django.urls import path

from pointbook.reports import views

urlpatterns = [
    path("staff/reports/", views.staff_reports, name="staff_reports"),
    path("staff/reports/<int:pk>/", views.staff_report, name="staff_report"),
    path("staff/reports/<int:pk>/report.<str:fmt>", views.staff_report_file, name="staff_report_file"),
]
