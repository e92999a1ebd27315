"""A firm's public-service record: page, XLSX, PDF statement (issued by POST, downloaded by GET)."""

from django.urls import path

from pointbook.firm_record import views

urlpatterns = [
    path("org/<int:pk>/record/", views.firm_record_page, name="firm_record"),
    path("org/<int:pk>/record.xlsx", views.firm_record_xlsx_download, name="firm_record_xlsx"),
    path("org/<int:pk>/record.pdf", views.firm_record_pdf_download, name="firm_record_pdf"),
    path("org/<int:pk>/statement/", views.firm_statement_issue, name="firm_statement_issue"),
]
