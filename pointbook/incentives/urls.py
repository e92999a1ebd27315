"""Rewards: the contributor's pages, the staff catalogue, queue and pick-up counter."""

from django.urls import path

from pointbook.incentives import views

urlpatterns = [
    path("my/rewards/", views.my_rewards, name="my_rewards"),
    path("my/rewards/<int:pk>/request/", views.reward_request, name="reward_request"),
    path("my/rewards/requests/<int:pk>/", views.my_redemption, name="my_redemption"),
    path("my/rewards/requests/<int:pk>/cancel/", views.my_redemption_cancel, name="my_redemption_cancel"),
    path("staff/rewards/", views.staff_rewards, name="staff_rewards"),
    path("staff/rewards/new/", views.staff_reward_edit, name="staff_reward_new"),
    path("staff/rewards/<int:pk>/", views.staff_reward_edit, name="staff_reward_edit"),
    path("staff/rewards/<int:pk>/qualify/", views.staff_reward_qualify, name="staff_reward_qualify"),
    path("staff/rewards/requests/", views.staff_redemptions, name="staff_redemptions"),
    path(
        "staff/rewards/requests/<int:pk>/<str:action>/",
        views.staff_redemption_decide,
        name="staff_redemption_decide",
    ),
    path("staff/rewards/pickup/", views.staff_pickup, name="staff_pickup"),
    path("staff/rules/rewards/", views.staff_rewards_rules, name="staff_rewards_rules"),
]
