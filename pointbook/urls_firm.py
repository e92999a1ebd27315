"""URLs of this part of the pointbook; pointbook/urls.py adds them to its own."""

from django.urls import path

from . import firm_views

urlpatterns = [
    path("org/<int:pk>/record/", firm_views.firm_record_page, name="firm_record"),
    path("org/<int:pk>/record.xlsx", firm_views.firm_record_xlsx_download, name="firm_record_xlsx"),
    path("org/<int:pk>/record.pdf", firm_views.firm_record_pdf_download, name="firm_record_pdf"),
]
