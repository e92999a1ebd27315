"""Replace Wagtail's welcome page with our home page, and add the English content locale."""

from django.db import migrations


def create_home(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    HomePage = apps.get_model("cms", "HomePage")

    zh, _ = Locale.objects.get_or_create(language_code="zh-hans")
    Locale.objects.get_or_create(language_code="en")

    Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()
    home_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="cms")
    home = HomePage.objects.create(
        title="公共法律服务公益积分",
        draft_title="公共法律服务公益积分",
        slug="home",
        content_type=home_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=zh,
        intro="<p>律师、公证员、调解员和志愿者在这里报名参加公共法律服务，记录公益服务时长，获得积分与表彰。</p>",
    )
    Site.objects.filter(is_default_site=True).delete()
    Site.objects.create(hostname="localhost", root_page=home, is_default_site=True, site_name="公共法律服务公益积分")
    root = Page.objects.get(depth=1)
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_home, migrations.RunPython.noop)]
