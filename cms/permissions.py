"""Where bureau staff work in the site editor (the Wagtail admin).

Opportunity pages all sit under the one city-wide opportunity list; what ties a page to a part of
the city is its `region`. A staff member's editor scope is the opportunities whose region lies in
their own region's subtree (district staff: their district and its townships and villages; city
staff: the whole city). Outside it an opportunity does not exist for them: not in the explorer, the
admin search, the page chooser, the reports or the dashboard, and every direct URL to it is refused
(`cms.models.RegionalPermissionTester`, the hooks in `cms.wagtail_hooks`).

Every narrowing here filters on the page id only, through a subquery: the admin runs its searches
(`?q=`) on these querysets, and the search backend accepts filters on indexed fields alone
(`Page.search_fields` holds `FilterField("id")`, not the page type's table or the region).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.db.models import Q, QuerySet
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import policy_registry

from cms.models import OpportunityPage
from volunteers.people.selectors import staff_region

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from volunteers.models import Region, User

EVERYTHING = None
NOTHING: Literal[False] = False

_CACHE = "_cms_editor_scope"


def editor_scope(user: User | AnonymousUser) -> Region | None | Literal[False]:
    """`EVERYTHING` (None) for a superuser, the staff member's region, or `NOTHING` (False) for
    anyone else. Kept on the user object for the request: the admin asks once per listed page."""
    if user.is_superuser:
        return EVERYTHING
    if not hasattr(user, _CACHE):
        setattr(user, _CACHE, staff_region(user) or NOTHING)
    return getattr(user, _CACHE)


def _opportunities_outside(scope: Region | Literal[False]) -> QuerySet:
    opportunities = OpportunityPage.objects.all()
    if scope is not NOTHING:
        opportunities = opportunities.exclude(region__path__startswith=scope.path)
    return opportunities.values("pk")


def pages_in_scope(user: User | AnonymousUser, pages: QuerySet) -> QuerySet:
    """`pages` less the opportunities outside the user's region (other pages are left as they are:
    Wagtail's group page permissions decide those). Safe to search afterwards."""
    scope = editor_scope(user)
    if scope is EVERYTHING:
        return pages
    return pages.exclude(pk__in=_opportunities_outside(scope))


def page_in_scope(user: User | AnonymousUser, page: Page) -> bool:
    scope = editor_scope(user)
    if scope is EVERYTHING or not issubclass(page.specific_class or Page, OpportunityPage):
        return True
    if scope is NOTHING:
        return False
    region = page.region if isinstance(page, OpportunityPage) else page.specific_deferred.region
    return scope.contains(region)


def chooser_pages(user: User | AnonymousUser, pages: QuerySet) -> QuerySet:
    """What the page chooser offers: the pages in scope that are public, or that the user may work
    on (their region's drafts). Other regions' opportunities are left out even when live."""
    if editor_scope(user) is EVERYTHING:
        return pages
    workable = policy_registry.get_by_type(Page).explorable_instances(user).values("pk")
    return pages_in_scope(user, pages).filter(Q(live=True) | Q(pk__in=workable))


class RegionalPagePolicy(PagePermissionPolicy):
    """Wagtail's page policy (group page permissions on the opportunity list, cms migration 0004),
    less the opportunities outside the staff member's region. The admin's page search, the admin
    API behind the sidebar explorer, the reports (locked pages, aging pages, site history,
    workflows) and the site history ask it what a user may see."""

    def instances_user_has_any_permission_for(self, user, actions):
        return pages_in_scope(user, super().instances_user_has_any_permission_for(user, actions))

    def explorable_instances(self, user):
        return pages_in_scope(user, super().explorable_instances(user))

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return page_in_scope(user, instance) and super().user_has_any_permission_for_instance(user, actions, instance)
