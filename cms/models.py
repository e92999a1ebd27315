import html

from django import forms
from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext as wagtail_gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PagePermissionTester, Task, TaskState
from wagtail.search import index

from cms.blocks import BodyBlock
from cms.slugs import ReadableSlugMixin
from core.text import NameField, name_clean
from volunteers.models import Contributor, Region, Venue
from volunteers.people.selectors import staff_region


class LocalizedContentMixin(ReadableSlugMixin):
    """Pages are routed in the default (Chinese) tree; their text is shown from the translation
    in the visitor's language when one exists (Wagtail's `localized`)."""

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["content"] = self.localized.specific
        return context

    def card_summary(self) -> str:
        """The introduction as plain text for a card linking here (rich-text ones are stored as HTML)."""
        return html.unescape(strip_tags(str(getattr(self, "intro", "") or ""))).strip()


class HomePage(LocalizedContentMixin, Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.StandardPage", "cms.OpportunityIndexPage", "cms.HonourRollPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Staff see how many service requests of their area are past their time limit.
        from volunteers.people.selectors import staff_region
        from volunteers.service_requests.selectors import overdue_count

        scope = staff_region(request.user)
        context["requests_overdue"] = overdue_count(scope) if scope is not None else None
        return context


class StandardPage(LocalizedContentMixin, Page):
    intro = models.CharField(_("summary"), max_length=250, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


class IndexPermissionTester(PagePermissionTester):
    """The opportunity list is the whole city's: staff below the city may add opportunities under
    it, but not edit, move, lock or unpublish the list itself."""

    def __init__(self, user, page):
        from cms.permissions import EVERYTHING, NOTHING, editor_scope

        super().__init__(user, page)
        scope = editor_scope(user)
        self._may_publish_new = "publish" in self.permissions and not review_required(user)
        if user.is_active and scope is not EVERYTHING and (scope is NOTHING or not scope.is_root()):
            self.permissions &= {"add"}

    def can_publish_subpage(self):
        # A new opportunity is published by its author when the city does not ask for review; the
        # form offers only regions in the author's own subtree.
        return self.user.is_active and (self.user.is_superuser or self._may_publish_new) and super().can_add_subpage()


class OpportunityIndexPage(LocalizedContentMixin, Page):
    """The public list of service opportunities, with filters (see `cms.selectors`)."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.OpportunityPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("opportunity list")

    def permissions_for_user(self, user):
        return IndexPermissionTester(user, self)

    def get_workflow(self):
        return review_workflow()

    @property
    def has_workflow(self):
        return review_workflow() is not None

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import opportunity_list

        context = super().get_context(request, *args, **kwargs)
        context.update(opportunity_list(self, request))
        return context


class NamedPageForm(WagtailAdminPageForm):
    """A page whose title people read as a name (an opportunity on the rota, an award's honour roll):
    the title is normalised and checked as every name is."""

    def clean_title(self):
        return name_clean(self.cleaned_data["title"])


class OpportunityPageForm(NamedPageForm):
    """Who may take it is a list of contributor kinds; region and venue are limited to the
    editor's own region when the editor is bureau staff."""

    eligible_kinds = forms.MultipleChoiceField(
        label=_("Who may take it"),
        choices=Contributor.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to let anyone with a completed profile sign up."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = staff_region(self.for_user) if self.for_user and not self.for_user.is_superuser else None
        if scope is not None:
            self.fields["region"].queryset = scope.subtree()
            self.fields["venue"].queryset = Venue.objects.filter(region__path__startswith=scope.path)
        if self.for_user and not self.for_user.is_superuser and scope is None:
            self.fields["region"].queryset = Region.objects.none()

    def clean(self):
        cleaned = super().clean()
        region, venue = cleaned.get("region"), cleaned.get("venue")
        if region and venue and not region.contains(venue.region):
            self.add_error("venue", _("The venue must be in the opportunity's region."))
        return cleaned


class RegionalPermissionTester(PagePermissionTester):
    """Bureau staff hold page permissions on the whole opportunity list (cms migration 0004);
    on an opportunity outside their region's subtree (`cms.permissions`) they have none at all —
    no edit, publish, lock, privacy, draft view or history."""

    def __init__(self, user, page):
        from cms.permissions import page_in_scope

        super().__init__(user, page)
        if user.is_active and not page_in_scope(user, page):
            self.permissions = set()
        elif review_required(user) and "publish" in self.permissions:
            # Under review, an opportunity goes live only through a reviewer's approval; taking one
            # down (unpublish, delete) stays with its region's staff.
            self.permissions.discard("publish")
            self._withdraws = True

    _withdraws = False

    def _as_publisher(self, check):
        if not self._withdraws:
            return check()
        self.permissions.add("publish")
        try:
            return check()
        finally:
            self.permissions.discard("publish")

    def can_unpublish(self):
        return self._as_publisher(super().can_unpublish)

    def can_delete(self, ignore_bulk=False):
        return self._as_publisher(lambda: super(RegionalPermissionTester, self).can_delete(ignore_bulk))


class OpportunityPage(LocalizedContentMixin, Page):
    """A service opportunity (the 12348 hotline duty, a village clinic, the court's duty-lawyer
    seat). Its shifts are `volunteers.Shift` rows, edited in the staff area; publishing copies the
    service type and who may take it onto the shifts to come."""

    service_type = models.ForeignKey(
        "volunteers.ServiceType", verbose_name=_("service type"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "volunteers.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    venue = models.ForeignKey(
        "volunteers.Venue",
        verbose_name=_("usual venue"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("New shifts start with this venue."),
    )
    eligible_kinds = models.JSONField(_("who may take it"), default=list, blank=True)
    # More than a kind (e.g. the Chongqing 12348 rota): copied onto the shifts with the kinds.
    min_years_in_practice = models.PositiveSmallIntegerField(
        _("minimum years in practice"), default=0, help_text=_("Counted from the licence date; 0 for no minimum.")
    )
    no_complaint_years = models.PositiveSmallIntegerField(
        _("no upheld complaint for (years)"), default=0, help_text=_("0 for no such rule.")
    )
    firm_consent = models.BooleanField(
        _("needs the firm's consent"),
        default=False,
        help_text=_("A sign-up waits until an administrator of the person's firm approves it."),
    )
    summary = models.CharField(_("summary"), max_length=250, blank=True)
    description = RichTextField(_("description"), blank=True)
    contact_name = NameField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)

    base_form_class = OpportunityPageForm
    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("service_type"), FieldPanel("region"), FieldPanel("venue")]),
        FieldPanel("eligible_kinds"),
        MultiFieldPanel(
            [FieldPanel("min_years_in_practice"), FieldPanel("no_complaint_years"), FieldPanel("firm_consent")],
            heading=_("Further requirements"),
        ),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel("contact_name"), FieldPanel("contact_phone"), FieldPanel("contact_email")], heading=_("Contact")
        ),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary"), index.SearchField("description")]
    parent_page_types = ["cms.OpportunityIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("service opportunity")
        verbose_name_plural = _("service opportunities")
        indexes = [models.Index(fields=["region"], name="opportunity_region_idx")]

    def permissions_for_user(self, user):
        return RegionalPermissionTester(user, self)

    def get_workflow(self):
        return review_workflow()

    @property
    def has_workflow(self):
        return review_workflow() is not None

    def get_context(self, request, *args, **kwargs):
        from cms.selectors import opportunity_detail

        context = super().get_context(request, *args, **kwargs)
        context.update(opportunity_detail(self, request))
        return context


class HonourRollPage(LocalizedContentMixin, Page):
    """The honour roll (光荣榜) of one approved commendation. Created when staff approve the award;
    editors can change the title and introduction afterwards. The list itself is read from the issued
    certificates, so a revoked certificate leaves the roll."""

    category = models.OneToOneField(
        "pointbook.AwardCategory", null=True, blank=True, on_delete=models.SET_NULL, related_name="honour_roll"
    )
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    base_form_class = NamedPageForm
    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = []
    # The Chinese page holds the award (one roll per award); its English translation only the words.
    exclude_fields_in_copy = ["category"]

    class Meta:
        verbose_name = _("honour roll")

    def get_context(self, request, *args, **kwargs):
        from pointbook.commendations.services import honourees, public_name

        context = super().get_context(request, *args, **kwargs)
        source = (
            self
            if self.category_id
            else (HonourRollPage.objects.filter(translation_key=self.translation_key, category__isnull=False).first())
        )
        rows = list(honourees(source.category)) if source else []
        for certificate in rows:
            certificate.public_name = public_name(certificate.nomination)
        context["honourees"] = rows
        return context


# --- Review before publishing (see docs/subsystems/publishing.md) --------------------------------


def review_workflow():
    """The workflow opportunities go through: the one assigned to the opportunity list (cms migration
    0007, "Bureau review"), when the city has switched it on (made it active); otherwise none.
    Wagtail's own "Moderators approval" on the root page never applies to opportunities: its
    moderators group has nobody from the bureau in it."""
    from wagtail.models import WorkflowPage

    assignment = (
        WorkflowPage.objects.filter(
            page__content_type__app_label="cms", page__content_type__model="opportunityindexpage"
        )
        .select_related("workflow")
        .first()
    )
    return assignment.workflow if assignment is not None and assignment.workflow.active else None


_REVIEW_CACHE = "_cms_review_required"


def review_required(user) -> bool:
    """Whether opportunities need a reviewer's approval (kept on the user object for the request: the
    admin builds a permission tester per listed page). The superuser publishes regardless."""
    if user.is_superuser:
        return False
    if not hasattr(user, _REVIEW_CACHE):
        setattr(user, _REVIEW_CACHE, review_workflow() is not None)
    return getattr(user, _REVIEW_CACHE)


class RegionalReviewTask(Task):
    """Approval by the bureau staff of the page's region: staff whose region's subtree holds the
    opportunity (its district's staff, the city's staff) — never the person who submitted it or
    wrote the revision under review (nobody decides on their own work)."""

    class Meta:
        verbose_name = _("Review by the region's staff")
        verbose_name_plural = _("Reviews by the region's staff")

    @classmethod
    def get_description(cls):
        return _("Bureau staff whose region holds the opportunity approve it; never its own author.")

    def _may_review(self, obj, user) -> bool:
        from cms.permissions import NOTHING, editor_scope, page_in_scope

        if not user.is_active or editor_scope(user) is NOTHING or not page_in_scope(user, obj):
            return False
        return not _is_own_submission(obj, user)

    def user_can_access_editor(self, obj, user):
        return self._may_review(obj, user)

    def locked_for_user(self, obj, user):
        return not self._may_review(obj, user)

    def user_can_lock(self, obj, user):
        return self._may_review(obj, user)

    def get_actions(self, obj, user):
        if not self._may_review(obj, user):
            return []
        # Wagtail's own words for these actions, translated by Wagtail's catalogue (not ours).
        return [
            ("reject", wagtail_gettext("Request changes"), True),
            ("approve", wagtail_gettext("Approve"), False),
            ("approve", wagtail_gettext("Approve with comment"), True),
        ]

    def on_action(self, task_state, user, action_name, **kwargs):
        from django.core.exceptions import PermissionDenied

        # Wagtail's workflow view checks get_actions already; this holds for any other caller too.
        if not self._may_review(task_state.workflow_state.content_object, user):
            raise PermissionDenied
        return super().on_action(task_state, user, action_name, **kwargs)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        from django.db.models import CharField
        from django.db.models.functions import Cast

        from cms.permissions import EVERYTHING, NOTHING, editor_scope

        scope = editor_scope(user)
        if not user.is_active or scope is NOTHING:
            return TaskState.objects.none()
        states = self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS).exclude(workflow_state__requested_by=user)
        states = states.exclude(revision__user=user)
        if scope is EVERYTHING:
            return states
        in_scope = (
            OpportunityPage.objects.filter(region__path__startswith=scope.path)
            .annotate(key=Cast("pk", CharField()))
            .values("key")
        )
        return states.filter(workflow_state__object_id__in=in_scope)


def _is_own_submission(page, user) -> bool:
    state = page.current_workflow_state
    if state is None:
        return False
    if state.requested_by_id == user.pk:
        return True
    task_state = state.current_task_state
    revision = task_state.revision if task_state is not None else None
    return revision is not None and revision.user_id == user.pk
