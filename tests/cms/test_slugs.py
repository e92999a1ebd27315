"""Page addresses people can read, type and dictate: pinyin, not percent-encoded Chinese."""

import pytest
from wagtail.models import Page

from cms.models import OpportunityPage
from cms.slugs import readable_slug
from tests.factories import opportunity_create

pytestmark = pytest.mark.django_db


def test_a_chinese_title_reads_as_pinyin():
    assert readable_slug("新华区12348热线值班（周二）") == "xin-hua-qu-12348-re-xian-zhi-ban-zhou-er"
    assert readable_slug("Legal clinic") == "legal-clinic"
    assert readable_slug("律师") == "lv-shi"  # ü is written v, as people type it
    assert readable_slug("（）") == "page"


def test_a_new_opportunity_gets_a_pinyin_address_and_a_second_one_its_own(world, client):
    # As the editor's form sends it: the title copied into the slug.
    first = opportunity_create(region=world.district_a, title="新华区法律咨询", slug="新华区法律咨询")
    second = opportunity_create(region=world.district_a, title="新华区法律咨询", slug="新华区法律咨询")

    assert first.slug == "xin-hua-qu-fa-lv-zi-xun"
    assert second.slug == "xin-hua-qu-fa-lv-zi-xun-2"
    assert first.url.isascii() and first.url.endswith("/xin-hua-qu-fa-lv-zi-xun/")
    assert client.get(first.url).status_code == 200


def test_an_old_chinese_address_moves_to_pinyin_when_published_and_the_old_one_redirects(
    world, client, django_capture_on_commit_callbacks
):
    page = opportunity_create(region=world.district_a, title="卫东区值班", slug="weidong")
    parent_url = page.get_parent().url
    # As it was before: saved with a Chinese slug.
    Page.objects.filter(pk=page.pk).update(slug="卫东区值班", url_path=page.url_path.replace("weidong", "卫东区值班"))
    old = f"{parent_url}卫东区值班/"
    assert client.get(old).status_code == 200

    page = OpportunityPage.objects.get(pk=page.pk)
    with django_capture_on_commit_callbacks(execute=True):  # the redirect is made once the move commits
        page.save_revision().publish()

    page.refresh_from_db()
    assert page.slug == "wei-dong-qu-zhi-ban"
    moved = client.get(old)
    assert moved.status_code in (301, 302) and moved["Location"].endswith("/wei-dong-qu-zhi-ban/")
