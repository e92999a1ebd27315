"""The opportunity list page under home, and the bureau staff group that may add, edit and publish
opportunities below it (the Wagtail hooks narrow that to each person's region)."""

from django.db import migrations

GROUP = "Bureau staff"  # volunteers.people.services.BUREAU_STAFF_GROUP
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's materialised-path alphabet, step 4


def _next_child_path(parent, Page):
    last = Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).order_by("-path").first()
    number = 1 if last is None else int(last.path[-4:], 36) + 1
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = ALPHABET[rest] + digits
    return parent.path + digits.rjust(4, "0")


def create(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    HomePage = apps.get_model("cms", "HomePage")
    OpportunityIndexPage = apps.get_model("cms", "OpportunityIndexPage")

    home = HomePage.objects.filter(depth=2).first()
    if home is None:
        return
    index_type, _ = ContentType.objects.get_or_create(model="opportunityindexpage", app_label="cms")
    index = OpportunityIndexPage.objects.filter(path__startswith=home.path).first()
    if index is None:
        index = OpportunityIndexPage.objects.create(
            title="服务机会", draft_title="服务机会", slug="opportunities", content_type=index_type,
            path=_next_child_path(home, Page), depth=home.depth + 1, numchild=0,
            url_path=f"{home.url_path}opportunities/", locale_id=home.locale_id, live=True,
            intro="<p>12348热线值班、村（居）法律顾问驻点、法院值班律师……选择时段，一键报名。</p>",
        )
        Page.objects.filter(pk=home.pk).update(numchild=Page.objects.filter(
            path__startswith=home.path, depth=home.depth + 1).count())

    group, _ = Group.objects.get_or_create(name=GROUP)
    # Staff may add service types; changing one (its code drives the hotline coverage) is the admin's.
    wanted = [("wagtailadmin", "admin", "access_admin"), ("volunteers", "servicetype", "add_servicetype"),
              ("volunteers", "servicetype", "view_servicetype")]
    for app_label, model, codename in wanted:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        permission, _ = Permission.objects.get_or_create(content_type=content_type, codename=codename,
                                                         defaults={"name": f"Can {codename.split('_')[0]} service type"})
        group.permissions.add(permission)
    page_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")
    for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"):
        permission, _ = Permission.objects.get_or_create(content_type=page_type, codename=codename,
                                                         defaults={"name": codename.replace("_", " ")})
        GroupPagePermission.objects.get_or_create(group=group, page_id=index.pk, permission=permission)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_opportunities"),
        ("volunteers", "0006_rota"),
        ("wagtailcore", "0098_apitoken"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
