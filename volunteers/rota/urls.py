"""Signing up, My shifts, the calendar feed; staff shift editing, rosters, coverage, rota rules."""

from django.urls import path

from volunteers.rota import views

urlpatterns = [
    path("shifts/signup/", views.signup, name="shift_signup"),
    path("shifts/<int:pk>/waitlist/", views.waitlist_join, name="shift_waitlist"),
    path("my/shifts/", views.my_shifts, name="my_shifts"),
    path("my/shifts/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("my/shifts/<int:pk>/accept/", views.offer_accept, name="offer_accept"),
    path("my/shifts/<int:pk>/handover/", views.handover_new, name="handover_new"),
    path("my/handovers/<int:pk>/withdraw/", views.handover_withdraw, name="handover_withdraw"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("handovers/<int:pk>/accept/", views.handover_accept, name="handover_accept"),
    path("org/<int:pk>/consents/", views.org_consents, name="org_consents"),
    path("org/<int:pk>/consents/<int:signup_pk>/<str:action>/", views.org_consent_decide, name="org_consent_decide"),
    path("my/calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("staff/shifts/<int:pk>/", views.staff_shift_edit, name="staff_shift_edit"),
    path("staff/shifts/<int:pk>/cancel/", views.staff_shift_cancel, name="staff_shift_cancel"),
    path("staff/shifts/<int:pk>/roster/", views.staff_shift_roster, name="staff_shift_roster"),
    path("staff/coverage/", views.staff_coverage, name="staff_coverage"),
    path("staff/rota-rules/", views.staff_rota_rules, name="staff_rota_rules"),
]
