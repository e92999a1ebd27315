"""The service catalogue (服务产品目录) of the product brief; staff can add more rows later."""

from django.db import migrations

CATALOGUE = [
    ("consultation", "法律咨询", "Legal consultation"),
    ("legal_education", "法治宣传", "Legal education / lecture"),
    ("mediation", "人民调解", "People's mediation"),
    ("legal_aid", "法律援助", "Legal aid"),
    ("duty_lawyer", "值班律师", "Duty lawyer"),
    ("hotline_12348", "12348热线值班", "12348 hotline duty"),
    ("village_adviser", "村(居)法律顾问", "Village / community legal adviser"),
    ("notarisation", "公证", "Notarisation"),
    ("forensic", "司法鉴定", "Forensic examination"),
    ("enterprise_checkup", "企业法治体检", "Enterprise legal check-up"),
    ("petition_representation", "涉法涉诉信访代理", "Petition representation"),
]


def add_catalogue(apps, schema_editor):
    ServiceType = apps.get_model("volunteers", "ServiceType")
    for order, (code, zh, en) in enumerate(CATALOGUE, start=1):
        ServiceType.objects.update_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "sort_order": order * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(add_catalogue, migrations.RunPython.noop)]
