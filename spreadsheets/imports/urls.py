"""Staff imports: templates, upload and preview, confirm, progress."""

from django.urls import path

from spreadsheets.imports import views

urlpatterns = [
    path("staff/imports/", views.staff_imports, name="staff_imports"),
    path("staff/imports/confirm/", views.staff_import_confirm, name="staff_import_confirm"),
    path("staff/imports/<int:pk>/", views.staff_import, name="staff_import"),
    path(
        "staff/imports/templates/<slug:kind>/<slug:language>.<slug:extension>",
        views.staff_import_template,
        name="staff_import_template",
    ),
]
