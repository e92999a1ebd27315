"""Publishing an approved commendation's honour roll as a Wagtail page, once."""

from django.db import IntegrityError, transaction
from django.utils.html import escape
from wagtail.models import Locale

from cms.models import HomePage, HonourRollPage
from cms.translations import page_translate
from pointbook.models import AwardCategory


def honour_roll_publish(category_id):
    """The category's honour roll page, created and published under the home page the first time.
    Run again (a redelivered job, a second approval click), it returns the page that exists."""
    existing = HonourRollPage.objects.filter(category_id=category_id).first()
    if existing is not None:
        return existing
    category = AwardCategory.objects.select_related("region").get(pk=category_id)
    if category.status != AwardCategory.Status.APPROVED:
        return None
    home = HomePage.objects.filter(locale__language_code="zh-hans").first() or HomePage.objects.first()
    title = f"{category.year}年度{category.name_zh}光荣榜"
    page = HonourRollPage(
        title=title,
        slug=f"honours-{category.year}-{category.pk}",
        category=category,
        intro=f"<p>经评选和公示，{escape(category.region.name)}{category.year}年度{escape(category.name_zh)}名单如下。</p>",
    )
    try:
        with transaction.atomic():
            home.add_child(instance=page)
            page.save_revision().publish()
    except IntegrityError:
        return HonourRollPage.objects.filter(category_id=category_id).first()
    english = Locale.objects.filter(language_code="en").first()
    if english is not None:
        title_en = f"Honour roll: {category.name_en} {category.year}"
        page_translate(
            page,
            english,
            title=title_en,
            draft_title=title_en,
            intro=(
                f"<p>After selection and public notice, the {escape(category.name_en)} of {category.year} "
                f"({escape(category.region.name)}) are:</p>"
            ),
        )
    return page
