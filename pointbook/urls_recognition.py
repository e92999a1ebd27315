"""Standings, commendations and certificates (issue 5)."""

from django.urls import path

from . import recognition_views

urlpatterns = [
    path("verify/<str:code>/", recognition_views.certificate_verify, name="certificate_verify"),
    path("standings/", recognition_views.leaderboards, name="leaderboards"),
    path("staff/standings/refresh/", recognition_views.standings_refresh_now, name="standings_refresh"),
]
