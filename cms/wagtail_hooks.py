"""Wagtail admin for bureau staff: opportunities only within their region's subtree (see
`cms.permissions`), and the service-type catalogue as a snippet they can add to."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.navigation import get_site_for_user
from wagtail.admin.site_summary import PagesSummaryItem
from wagtail.admin.views.home import (
    LockedPagesPanel,
    RecentEditsPanel,
    UserObjectsInWorkflowModerationPanel,
    WorkflowObjectsToModeratePanel,
)
from wagtail.admin.views.pages.bulk_actions.delete import DeleteBulkAction
from wagtail.admin.views.pages.bulk_actions.move import MoveBulkAction
from wagtail.admin.views.pages.bulk_actions.publish import PublishBulkAction
from wagtail.admin.views.pages.bulk_actions.unpublish import UnpublishBulkAction
from wagtail.admin.widgets.button import Button
from wagtail.models import AbstractPage, Page
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.permissions import (
    EVERYTHING,
    RegionalPagePolicy,
    chooser_pages,
    editor_scope,
    page_in_scope,
    pages_in_scope,
)
from volunteers.models import ServiceType, Shift

register_permission_policy(AbstractPage, RegionalPagePolicy("wagtailcore.Page"))


# --- Listings: the explorer, the page chooser, the dashboard -------------------------------------


@hooks.register("construct_explorer_page_queryset")
def only_opportunities_in_scope(parent_page, pages, request):
    # The explorer of a page outside the scope would show that page's title and status.
    if not page_in_scope(request.user, parent_page):
        raise PermissionDenied
    return pages_in_scope(request.user, pages)


@hooks.register("construct_page_chooser_queryset")
def only_choosable_pages_in_scope(pages, request):
    # Browsing the chooser into a page (choose-page/<id>/) lists that page first, whatever its children.
    match = request.resolver_match
    parent_id = match.kwargs.get("parent_page_id") if match else None
    if parent_id is not None:
        parent = Page.objects.filter(pk=parent_id).first()
        if parent is not None and not page_in_scope(request.user, parent):
            raise PermissionDenied
    return chooser_pages(request.user, pages)


def _scoped_panel(panel_class, narrow):
    class ScopedPanel(panel_class):
        def get_context_data(self, parent_context):
            context = super().get_context_data(parent_context)
            narrow(parent_context["request"].user, context)
            return context

    ScopedPanel.__name__ = f"Scoped{panel_class.__name__}"
    return ScopedPanel


def _keep(user, items, page_of):
    return [item for item in items if page_in_scope(user, page_of(item))]


# Each panel lists pages the user edited, locked or has to review; after a move to another region
# (or with a review task shared by several regions) some of those are no longer theirs.
_PANELS = {
    RecentEditsPanel: lambda user, c: c.update(last_edits=_keep(user, c["last_edits"], lambda e: e[1])),
    LockedPagesPanel: lambda user, c: c.update(locked_pages=pages_in_scope(user, c["locked_pages"])),
    WorkflowObjectsToModeratePanel: lambda user, c: c.update(
        states=[s for s in c["states"] if not isinstance(s["obj"], Page) or page_in_scope(user, s["obj"])]
    ),
    UserObjectsInWorkflowModerationPanel: lambda user, c: c.update(
        workflow_states=[
            s
            for s in c["workflow_states"]
            if not isinstance(s.content_object, Page) or page_in_scope(user, s.content_object)
        ]
    ),
}
_SCOPED_PANELS = {base: _scoped_panel(base, narrow) for base, narrow in _PANELS.items()}


@hooks.register("construct_homepage_panels")
def dashboard_panels_in_scope(request, panels):
    for i, panel in enumerate(panels):
        scoped = _SCOPED_PANELS.get(type(panel))
        if scoped is not None:
            panels[i] = scoped()


class ScopedPagesSummaryItem(PagesSummaryItem):
    """The dashboard's page count, less the opportunities of other regions."""

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        user = self.request.user
        root = get_site_for_user(user)["root_page"]
        if root is not None and editor_scope(user) is not EVERYTHING:
            pages = Page.objects.descendant_of(root, inclusive=True).exclude(depth=1)
            context["total_pages"] = pages_in_scope(user, pages).count()
        return context


# order=1: after Wagtail has added its own items.
@hooks.register("construct_homepage_summary_items", order=1)
def page_count_in_scope(request, items):
    for i, item in enumerate(items):
        if type(item) is PagesSummaryItem:
            items[i] = ScopedPagesSummaryItem(request)


# --- Bulk actions: the confirmation page lists the chosen pages ----------------------------------


class _InScope:
    def get_actionable_objects(self):
        objects, extra = super().get_actionable_objects()
        user = self.request.user
        outside = [p for p in objects + extra["items_with_no_access"] if not page_in_scope(user, p)]
        if outside and "all" not in self.request.GET.getlist("id"):
            raise PermissionDenied
        # "Select all" takes every child of the listed page: those outside the scope are left out
        # without a word (not even as "no permission": that would show their titles).
        extra["items_with_no_access"] = [p for p in extra["items_with_no_access"] if page_in_scope(user, p)]
        return [p for p in objects if page_in_scope(user, p)], extra


for _action in (DeleteBulkAction, MoveBulkAction, PublishBulkAction, UnpublishBulkAction):
    # order=1: registered after Wagtail's own action of the same type, which it replaces.
    hooks.register("register_bulk_action", type(f"InScope{_action.__name__}", (_InScope, _action), {}), order=1)


# --- Direct URLs (the page permission tester refuses them too; these say so before any work) -----


def _guard(request, page, *args, **kwargs):
    if not page_in_scope(request.user, page):
        raise PermissionDenied


for _hook in ("before_edit_page", "before_unpublish_page", "before_copy_page", "before_move_page"):
    hooks.register(_hook, _guard)


def _shifts_message(request, page):
    messages.error(request, _("This opportunity has shifts, so it cannot be deleted. Unpublish it instead."))
    return redirect("wagtailadmin_explore", page.get_parent().pk)


@hooks.register("before_delete_page")
def keep_opportunities_with_shifts(request, page):
    _guard(request, page)
    if Shift.objects.filter(opportunity_id=page.pk).exists():
        # Shifts, sign-ups and service records point at the page: it stays, unpublished if need be.
        return _shifts_message(request, page)


@hooks.register("before_bulk_action")
def keep_opportunities_with_shifts_in_bulk(request, action_type, objects, action_class_instance):
    if action_type == "delete":
        pages = [p for p in objects if isinstance(p, Page)]
        kept = [p for p in pages if Shift.objects.filter(opportunity__path__startswith=p.path).exists()]
        if kept:
            return _shifts_message(request, kept[0])


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
