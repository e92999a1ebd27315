"""The volunteers app's URLs: one module per capability."""

from django.urls import include, path

urlpatterns = [
    path("", include("volunteers.people.urls")),
    path("", include("volunteers.rota.urls")),
    path("", include("volunteers.records.urls")),
    path("", include("volunteers.service_requests.urls")),
    path("", include("volunteers.account.urls")),
]
