from django.urls import path

from . import staff_views, views

urlpatterns = [
    path("my/points/", views.my_points, name="my_points"),
    path("my/records/", views.my_records, name="my_records"),
    path("my/records/<int:pk>/", views.my_record, name="my_record"),
    path("my/records/<int:pk>/rating-link/", views.rating_link, name="rating_link"),
    path("my/appeals/", views.my_appeals, name="my_appeals"),
    path("my/appeals/new/", views.appeal_new, name="appeal_new"),
    path("my/appeals/<int:pk>/", views.my_appeal, name="my_appeal"),
    path("org/<int:pk>/records/", views.org_records, name="org_records"),
    path("rate/<str:token>/", views.rate, name="rate"),
    path("staff/records/", staff_views.staff_records, name="staff_records"),
    path("staff/records/<int:pk>/", staff_views.staff_record, name="staff_record"),
    path("staff/records/<int:pk>/<str:action>/", staff_views.staff_record_decide, name="staff_record_decide"),
    path("staff/appeals/", staff_views.staff_appeals, name="staff_appeals"),
    path("staff/appeals/<int:pk>/", staff_views.staff_appeal, name="staff_appeal"),
    path("staff/rules/", staff_views.staff_rules, name="staff_rules"),
    path("staff/rules/type/<int:type_pk>/new/", staff_views.staff_rule_new, name="staff_rule_new"),
    path("staff/rules/conduct/new/", staff_views.staff_conduct_new, name="staff_conduct_new"),
    path("staff/rules/rescore/", staff_views.staff_rescore, name="staff_rescore"),
]

# Recognition (issue 5), one module per part so they grow independently.
from . import urls_firm, urls_recognition, urls_reports, urls_targets  # noqa: E402

urlpatterns += urls_recognition.urlpatterns + urls_firm.urlpatterns + urls_reports.urlpatterns + urls_targets.urlpatterns
