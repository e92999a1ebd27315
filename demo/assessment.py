"""Demo data for the annual assessment report (年度考核): last year's upheld complaints. The rest of what
the report reads is there already (three years of approved records, last year's award certificates),
but the demo's complaints are all recent; a few upheld last year, through the conduct service, make
last year's report show some."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from pointbook.conduct.services import complaint_uphold
from pointbook.models import Complaint
from volunteers.models import Contributor, ServiceRecord, StaffProfile

COMPLAINTS = 6


def demo_assessment(*, today=None):
    today = today or timezone.localdate()
    year = today.year - 1
    profile = StaffProfile.objects.select_related("user", "region").filter(region__depth=1).first()
    if profile is None or Complaint.objects.filter(date__year=year).exists():
        return {"complaints last year": 0}
    # The named lawyer first (so the demo accounts see one), then the firm admin's colleagues, then anyone.
    records = (
        ServiceRecord.objects.filter(
            status=ServiceRecord.Status.APPROVED,
            date__year=year,
            date__month__lte=10,
            contributor__kind__in=Contributor.LICENSED_KINDS,
        )
        .select_related("contributor")
        .order_by("-contributor__user__email", "date", "pk")
    )
    named = list(records.filter(contributor__user__email="lawyer@demo.cn")[:1])
    others = list(records.exclude(contributor__user__email="lawyer@demo.cn").order_by("pk")[: COMPLAINTS * 20 : 20])
    upheld = 0
    for record in named + others[: COMPLAINTS - len(named)]:
        when = timezone.make_aware(datetime.combine(record.date + timedelta(days=30), time(10)))
        complaint_uphold(
            actor=profile.user,
            scope=profile.region,
            record=record,
            reason="群众投诉服务不到位，经核查属实",
            now=when,
        )
        upheld += 1
    return {"complaints last year": upheld}
