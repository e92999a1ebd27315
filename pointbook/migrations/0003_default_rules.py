"""A points rule for every service type in the catalogue, in force from 2020 (staff add versions)."""

from decimal import Decimal

from django.db import migrations

# Points per hour by service type; duty that needs a licensed lawyer weighs more.
RATES = {"duty_lawyer": "12", "legal_aid": "12", "hotline_12348": "10", "village_adviser": "10",
         "petition_representation": "12", "enterprise_checkup": "10"}


def create(apps, schema_editor):
    ServiceType = apps.get_model("volunteers", "ServiceType")
    PointsRule = apps.get_model("pointbook", "PointsRule")
    for service_type in ServiceType.objects.all():
        PointsRule.objects.get_or_create(
            service_type=service_type, effective_from="2020-01-01",
            defaults={"points_per_hour": Decimal(RATES.get(service_type.code, "8")),
                      "rural_multiplier": Decimal("1.50"), "note": "初始规则"})


class Migration(migrations.Migration):
    dependencies = [("pointbook", "0002_ledger_append_only"), ("volunteers", "0002_service_catalogue")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
