"""Wagtail admin for bureau staff: opportunities only within their region's subtree, and the
service-type catalogue as a snippet they can add to."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets.button import Button
from wagtail.models import AbstractPage
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.models import OpportunityPage
from volunteers.models import ServiceType, Shift
from volunteers.people.selectors import staff_region


def _scope(user):
    """None for superusers (everything); otherwise the staff member's region (None: no region)."""
    return None if user.is_superuser else (staff_region(user) or False)


def _outside_scope(user, page):
    scope = _scope(user)
    if scope is None:
        return False
    specific = page.specific
    if not isinstance(specific, OpportunityPage):
        return False
    return scope is False or not scope.contains(specific.region)


def _in_scope(user, pages):
    scope = _scope(user)
    if scope is None:
        return pages
    if scope is False:
        return pages.exclude(content_type__app_label="cms", content_type__model="opportunitypage")
    return pages.filter(
        ~Q(content_type__app_label="cms", content_type__model="opportunitypage")
        | Q(opportunitypage__region__path__startswith=scope.path)
    )


@hooks.register("construct_explorer_page_queryset")
def only_opportunities_in_scope(parent_page, pages, request):
    return _in_scope(request.user, pages)


class RegionalPagePolicy(PagePermissionPolicy):
    """Wagtail's page policy, less the opportunities outside the staff member's region: this is
    what the admin's page search, choosers and listings ask for."""

    def instances_user_has_any_permission_for(self, user, actions):
        return _in_scope(user, super().instances_user_has_any_permission_for(user, actions))

    def explorable_instances(self, user):
        return _in_scope(user, super().explorable_instances(user))


register_permission_policy(AbstractPage, RegionalPagePolicy("wagtailcore.Page"))


def _guard(request, page, *args, **kwargs):
    if _outside_scope(request.user, page):
        raise PermissionDenied


for _hook in ("before_edit_page", "before_unpublish_page", "before_copy_page", "before_move_page"):
    hooks.register(_hook, _guard)


@hooks.register("before_delete_page")
def keep_opportunities_with_shifts(request, page):
    _guard(request, page)
    if Shift.objects.filter(opportunity_id=page.pk).exists():
        # Shifts, sign-ups and service records point at the page: it stays, unpublished if need be.
        messages.error(request, _("This opportunity has shifts, so it cannot be deleted. Unpublish it instead."))
        return redirect("wagtailadmin_explore", page.get_parent().pk)


@hooks.register("register_page_listing_more_buttons")
def shifts_button(page, user, next_url=None):
    if page.content_type.model == "opportunitypage":
        yield Button(_("Shifts"), reverse("staff_opportunity_shifts", args=[page.pk]), priority=15, icon_name="date")


class ServiceTypeViewSet(SnippetViewSet):
    model = ServiceType
    icon = "list-ul"
    menu_label = _("Service types")
    list_display = ["name_zh", "name_en", "code", "is_active"]
    add_to_admin_menu = True


register_snippet(ServiceTypeViewSet)
