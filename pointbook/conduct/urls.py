"""Appeals, public ratings and the staff queue of their held bonuses."""

from django.urls import path

from pointbook.conduct import views

urlpatterns = [
    path("my/records/<int:pk>/rating-link/", views.rating_link, name="rating_link"),
    path("my/appeals/", views.my_appeals, name="my_appeals"),
    path("my/appeals/new/", views.appeal_new, name="appeal_new"),
    path("my/appeals/<int:pk>/", views.my_appeal, name="my_appeal"),
    path("rate/<str:token>/", views.rate, name="rate"),
    path("staff/appeals/", views.staff_appeals, name="staff_appeals"),
    path("staff/appeals/<int:pk>/", views.staff_appeal, name="staff_appeal"),
    path("staff/rules/adjustments/", views.staff_adjustment_rules, name="staff_adjustment_rules"),
    path("staff/ratings/", views.staff_ratings, name="staff_ratings"),
    path("staff/ratings/<int:pk>/decide/", views.staff_rating_decide, name="staff_rating_decide"),
]
