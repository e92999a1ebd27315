"""Defaults staff start from: penalties and the rating bonus, and the fixed-date public holidays
(staff add the lunar ones each year in the admin)."""

from datetime import date
from decimal import Decimal

from django.db import migrations

CONDUCT = [("no_show", "0", "-2", "无故缺席：扣该班次积分的两倍"), ("late_cancel", "-5", "0", "临时取消"),
           ("complaint", "-50", "0", "投诉属实（失信惩戒）"), ("good_rating", "5", "0", "群众好评")]
HOLIDAYS = [((1, 1), "元旦"), ((5, 1), "劳动节"), ((5, 2), "劳动节"), ((5, 3), "劳动节")] + [
    ((10, d), "国庆节") for d in range(1, 8)]


def create(apps, schema_editor):
    ConductRule = apps.get_model("pointbook", "ConductRule")
    PublicHoliday = apps.get_model("pointbook", "PublicHoliday")
    for event, fixed, times, note in CONDUCT:
        ConductRule.objects.get_or_create(event=event, effective_from=date(2020, 1, 1), defaults={
            "fixed_points": Decimal(fixed), "times_points": Decimal(times), "note": note})
    for year in range(2020, 2031):
        for (month, day), name in HOLIDAYS:
            PublicHoliday.objects.get_or_create(date=date(year, month, day), defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("pointbook", "0004_rules_appeals_ratings")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
