"""The home page as a visitor reads it."""

import pytest

from cms.models import OpportunityIndexPage

pytestmark = pytest.mark.django_db


def test_cards_show_an_introduction_as_words_not_markup(client):
    index = OpportunityIndexPage.objects.get(locale__language_code="zh-hans")
    index.intro = "<p>找到<b>值班</b>与诊所 &amp; 报名</p>"
    index.save_revision().publish()

    page = client.get("/").content.decode()

    assert "找到值班与诊所 &amp; 报名" in page  # one escape for the HTML, none left over
    assert "&lt;p&gt;" not in page and "&amp;amp;" not in page
