"""Leaderboards and the staff's refresh."""

from django.urls import path

from pointbook.standings import views

urlpatterns = [
    path("standings/", views.leaderboards, name="leaderboards"),
    path("staff/standings/refresh/", views.standings_refresh_now, name="standings_refresh"),
]
