"""The annual assessment report: staff (their region) and firm admins (their organisation)."""

from django.urls import path

from spreadsheets.assessment import views

urlpatterns = [
    path("staff/assessment/", views.staff_assessment, name="staff_assessment"),
    path("staff/assessment/<int:pk>/", views.staff_assessment_job, name="staff_assessment_job"),
    path("org/<int:pk>/assessment/", views.firm_assessment, name="firm_assessment"),
    path("org/<int:pk>/assessment/<int:job>/", views.firm_assessment_job, name="firm_assessment_job"),
    path(
        "org/<int:pk>/assessment/<int:job>/progress/", views.firm_assessment_progress, name="firm_assessment_progress"
    ),
    path("org/<int:pk>/assessment/<int:job>/download/", views.firm_assessment_file, name="firm_assessment_file"),
]
