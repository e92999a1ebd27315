"""Imports and exports."""

from django.urls import include, path

urlpatterns = [
    path("", include("spreadsheets.imports.urls")),
    path("", include("spreadsheets.exports.urls")),
    path("", include("spreadsheets.assessment.urls")),
]
