from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"))
    text = blocks.RichTextBlock(label=_("Text"), features=["bold", "italic", "link"])

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "cms/blocks/callout.html"


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("Heading"), form_classname="title", template="cms/blocks/heading.html")
    paragraph = blocks.RichTextBlock(label=_("Paragraph"))
    image = ImageChooserBlock(label=_("Image"))
    callout = CalloutBlock()
