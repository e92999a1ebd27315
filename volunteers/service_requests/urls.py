"""Service requests: public form, follow page and rating link; contributors' and staff's pages."""

from django.urls import path

from volunteers.service_requests import views

urlpatterns = [
    path("help/", views.request_new, name="request_new"),
    path("help/follow/", views.request_follow, name="request_follow"),
    path("help/follow/<str:token>/", views.request_status, name="request_status"),
    path("help/rate/<str:token>/", views.request_rate, name="request_rate"),
    path("my/requests/", views.my_requests, name="my_requests"),
    path("my/requests/<int:pk>/", views.my_request, name="my_request"),
    path("my/requests/<int:pk>/<str:action>/", views.my_request_act, name="my_request_act"),
    path("staff/requests/", views.staff_requests, name="staff_requests"),
    path("staff/requests/new/", views.staff_request_new, name="staff_request_new"),
    path("staff/requests/rules/", views.staff_request_rules, name="staff_request_rules"),
    path("staff/requests/rules/<slug:code>/", views.staff_request_terms, name="staff_request_terms"),
    path("staff/requests/<int:pk>/", views.staff_request, name="staff_request"),
    path("staff/requests/<int:pk>/<str:action>/", views.staff_request_act, name="staff_request_act"),
]
