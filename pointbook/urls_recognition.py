"""Standings, commendations and certificates (issue 5)."""

from django.urls import path

from . import commendation_views, recognition_views

urlpatterns = [
    path("verify/<str:code>/", recognition_views.certificate_verify, name="certificate_verify"),
    path("standings/", recognition_views.leaderboards, name="leaderboards"),
    path("staff/standings/refresh/", recognition_views.standings_refresh_now, name="standings_refresh"),
    path("notices/", commendation_views.notices, name="notices"),
    path("notices/<int:pk>/", commendation_views.notice, name="notice"),
    path("my/certificates/<int:pk>.pdf", commendation_views.my_certificate_pdf, name="my_certificate_pdf"),
    path("staff/commendations/", commendation_views.staff_commendations, name="staff_commendations"),
    path("staff/commendations/<int:pk>/", commendation_views.staff_commendation, name="staff_commendation"),
    path("staff/commendations/<int:pk>/<slug:action>/", commendation_views.staff_commendation_act,
         name="staff_commendation_act"),
    path("staff/certificates/<int:pk>/revoke/", commendation_views.staff_certificate_revoke,
         name="staff_certificate_revoke"),
    path("staff/statements/", commendation_views.staff_statements, name="staff_statements"),
    path("staff/certificates/<int:pk>.pdf", commendation_views.staff_certificate_pdf, name="staff_certificate_pdf"),
]
