"""The pointbook's URLs: one module per capability."""

from django.urls import include, path

urlpatterns = [
    path("", include("pointbook.ledger.urls")),
    path("", include("pointbook.conduct.urls")),
    path("", include("pointbook.standings.urls")),
    path("", include("pointbook.commendations.urls")),
    path("", include("pointbook.firm_record.urls")),
    path("", include("pointbook.reports.urls")),
    path("", include("pointbook.targets.urls")),
    path("", include("pointbook.hours_certificates.urls")),
    path("", include("pointbook.incentives.urls")),
]
