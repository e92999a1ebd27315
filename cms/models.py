import html

from django import forms
from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, PagePermissionTester
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
        if user.is_active and scope is not EVERYTHING and (scope is NOTHING or not scope.is_root()):
            self.permissions &= {"add"}


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
