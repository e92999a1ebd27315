"""Annual commendations, public notices, certificates and statements, and their verification."""

from django.urls import path

from pointbook.commendations import views

urlpatterns = [
    path("verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/", views.notice, name="notice"),
    path("my/certificates/<int:pk>.pdf", views.my_certificate_pdf, name="my_certificate_pdf"),
    path("staff/commendations/", views.staff_commendations, name="staff_commendations"),
    path("staff/commendations/<int:pk>/", views.staff_commendation, name="staff_commendation"),
    path("staff/commendations/<int:pk>/<slug:action>/", views.staff_commendation_act, name="staff_commendation_act"),
    path("staff/certificates/<int:pk>/revoke/", views.staff_certificate_revoke, name="staff_certificate_revoke"),
    path("staff/statements/", views.staff_statements, name="staff_statements"),
    path("staff/certificates/<int:pk>.pdf", views.staff_certificate_pdf, name="staff_certificate_pdf"),
]
