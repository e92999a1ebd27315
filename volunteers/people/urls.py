"""Profiles, firms' members and the staff area's people and places."""

from django.urls import path

from volunteers.people import job_views, views

urlpatterns = [
    path("staff/jobs/<int:pk>/", job_views.staff_job, name="staff_job"),
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.profile_complete, name="profile_complete"),
    path("profile/join/", views.membership_request, name="membership_request"),
    path("profile/memberships/<int:pk>/withdraw/", views.membership_withdraw, name="membership_withdraw"),
    path("profile/memberships/<int:pk>/leave/", views.membership_leave, name="membership_leave"),
    path("org/", views.org_index, name="org_index"),
    path("org/<int:pk>/members/", views.org_members, name="org_members"),
    path(
        "org/<int:pk>/members/<int:membership_pk>/<str:action>/",
        views.org_member_action,
        name="org_member_action",
    ),
    path("staff/", views.staff_dashboard, name="staff_dashboard"),
    path("staff/regions/", views.staff_regions, name="staff_regions"),
    path("staff/regions/<int:pk>/", views.staff_region_edit, name="staff_region_edit"),
    path("staff/regions/<int:pk>/add/", views.staff_region_add_child, name="staff_region_add_child"),
    path("staff/venues/", views.staff_venues, name="staff_venues"),
    path("staff/venues/new/", views.staff_venue_edit, name="staff_venue_create"),
    path("staff/venues/<int:pk>/", views.staff_venue_edit, name="staff_venue_edit"),
    path("staff/organisations/", views.staff_organisations, name="staff_organisations"),
    path("staff/organisations/new/", views.staff_organisation_edit, name="staff_organisation_create"),
    path("staff/organisations/<int:pk>/", views.staff_organisation_edit, name="staff_organisation_edit"),
    path("staff/organisations/<int:pk>/admins/", views.staff_organisation_admins, name="staff_organisation_admins"),
    path("staff/people/", views.staff_people, name="staff_people"),
    path("staff/people/<int:pk>/", views.staff_person_edit, name="staff_person_edit"),
]
