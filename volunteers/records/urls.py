"""Logging other pro-bono work and its evidence."""

from django.urls import path

from volunteers.records import views

urlpatterns = [
    path("my/records/new/", views.record_log, name="record_log"),
    path("my/records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:pk>/evidence/<int:file_pk>/", views.evidence_file, name="evidence_file"),
]
