from django.contrib import admin

from pointbook.models import ConductRule, PublicHoliday


@admin.register(PublicHoliday)
class PublicHolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"


@admin.register(ConductRule)
class ConductRuleAdmin(admin.ModelAdmin):
    """Read here; new versions are added from the staff area's points rules page."""

    list_display = ["event", "effective_from", "fixed_points", "times_points"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
