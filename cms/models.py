from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import BodyBlock


class LocalizedContentMixin:
    """Pages are routed in the default (Chinese) tree; their text is shown from the translation
    in the visitor's language when one exists (Wagtail's `localized`)."""

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["content"] = self.localized.specific
        return context


class HomePage(LocalizedContentMixin, Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.StandardPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")


class StandardPage(LocalizedContentMixin, Page):
    intro = models.CharField(_("summary"), max_length=250, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")
