"""Points, records and their decisions, the rules and re-scoring."""

from django.urls import path

from pointbook.ledger import views

urlpatterns = [
    path("my/points/", views.my_points, name="my_points"),
    path("my/records/", views.my_records, name="my_records"),
    path("my/records/<int:pk>/", views.my_record, name="my_record"),
    path("org/<int:pk>/records/", views.org_records, name="org_records"),
    path("staff/records/", views.staff_records, name="staff_records"),
    path("staff/records/<int:pk>/", views.staff_record, name="staff_record"),
    path("staff/records/<int:pk>/<str:action>/", views.staff_record_decide, name="staff_record_decide"),
    path("staff/rules/", views.staff_rules, name="staff_rules"),
    path("staff/rules/type/<int:type_pk>/new/", views.staff_rule_new, name="staff_rule_new"),
    path("staff/rules/conduct/new/", views.staff_conduct_new, name="staff_conduct_new"),
    path("staff/rules/rescore/", views.staff_rescore, name="staff_rescore"),
]
