from django.urls import path

from cms import views

urlpatterns = [
    path("staff/opportunities/", views.staff_opportunities, name="staff_opportunities"),
    path("staff/opportunities/review/", views.staff_opportunity_review, name="staff_opportunity_review"),
    path("staff/opportunities/<int:pk>/shifts/", views.staff_opportunity_shifts, name="staff_opportunity_shifts"),
]
