from django.urls import path

from volunteers.account import views

urlpatterns = [
    path("account/", views.account_overview, name="account_overview"),
]
