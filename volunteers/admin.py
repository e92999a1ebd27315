from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from volunteers.models import (
    AuditEntry,
    Contributor,
    Membership,
    Organisation,
    Region,
    RequestTerms,
    ServiceType,
    Shift,
    Signup,
    StaffProfile,
    User,
    Venue,
)
from volunteers.rota.services import OPPORTUNITY_RULES, SHIFT_FIELDS


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Region)
class RegionAdmin(TreeAdmin):
    form = movenodeform_factory(Region)
    list_display = ["name", "code", "level"]
    search_fields = ["name", "code"]


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "sort_order", "is_active"]


@admin.register(RequestTerms)
class RequestTermsAdmin(admin.ModelAdmin):
    """Per service type: who may take its requests and their time limits (the superuser keeps them)."""

    list_display = ["service_type", "eligible_kinds", "accept_hours", "finish_days"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "is_rural", "is_active"]
    list_filter = ["kind", "is_rural"]
    search_fields = ["name"]
    raw_id_fields = ["region"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "licence_number"]
    list_filter = ["kind"]
    search_fields = ["name", "licence_number"]
    raw_id_fields = ["region"]
    filter_horizontal = ["admins"]


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "kind", "region", "licence_number"]
    list_filter = ["kind"]
    search_fields = ["legal_name", "licence_number", "user__email"]
    raw_id_fields = ["user", "region"]
    # Verifying is a decision (nobody verifies themselves): made on the staff contributor page, whose
    # service checks it, not here.
    readonly_fields = ["verified_at"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["contributor", "organisation", "status", "started_on", "ended_on"]
    list_filter = ["status"]
    raw_id_fields = ["contributor", "organisation", "decided_by"]

    # Memberships change only through the services (they keep the dated history).
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "region", "title"]
    raw_id_fields = ["user", "region"]

    def save_model(self, request, obj, form, change):
        from volunteers.people.services import staff_profile_save

        staff_profile_save(actor=request.user, user=obj.user, region=obj.region, title=obj.title)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "ends_at", "venue", "service_type", "capacity", "status"]
    list_filter = ["status", "service_type"]
    raw_id_fields = ["opportunity", "venue"]
    # Places, times, venue and status change only through the rota's services, on the staff page of
    # the shift: more places go to the waiting list first, fewer move people's seats, new times are
    # announced, a cancelled shift releases everyone (an edit here would do none of that).
    # The further requirements come from the opportunity page (copied on publish), as its editors set them.
    SERVICE_FIELDS = (*SHIFT_FIELDS, *OPPORTUNITY_RULES, "status", "cancelled_at", "cancel_reason")

    def get_readonly_fields(self, request, obj=None):
        return [*self.SERVICE_FIELDS, "staff_page"] if obj is not None else []

    @admin.display(description=_("Places, times, venue, cancelling"))
    def staff_page(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("staff_shift_edit", args=[obj.pk]), _("Change them on the staff page")
        )


@admin.register(Signup)
class SignupAdmin(admin.ModelAdmin):
    list_display = ["shift", "contributor", "status", "seat", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["shift", "contributor"]

    # Seats are handed out only by the sign-up services, under the shift lock.
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
