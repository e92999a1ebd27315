"""Hours certificates (志愿服务记录证明): asked for by contributors, signed off by staff."""

from django.urls import path

from pointbook.hours_certificates import views

urlpatterns = [
    path("my/hours-certificates/", views.my_hours_certificates, name="my_hours_certificates"),
    path("my/hours-certificates/<int:pk>.pdf", views.my_hours_certificate_pdf, name="my_hours_certificate_pdf"),
    path("staff/hours-certificates/", views.staff_hours_certificates, name="staff_hours_certificates"),
    path(
        "staff/hours-certificates/settings/",
        views.staff_hours_certificate_settings,
        name="staff_hours_certificate_settings",
    ),
    path("staff/hours-certificates/seal/", views.staff_hours_certificate_seal, name="staff_hours_certificate_seal"),
    path(
        "staff/hours-certificates/<int:pk>.pdf", views.staff_hours_certificate_pdf, name="staff_hours_certificate_pdf"
    ),
    path(
        "staff/hours-certificates/<int:pk>/<slug:action>/",
        views.staff_hours_certificate_act,
        name="staff_hours_certificate_act",
    ),
]
