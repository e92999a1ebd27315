"""Demo data for the annual assessment report (年度考核). The rest of what the report reads is there
already (three years of approved records, last year's award certificates), but the demo's complaints
are all recent and few people reach 50 hours a year. So, through the project's own services: a few
complaints upheld last year, and two lawyers of the demo firm admin's firm, the named lawyer among them,
log and get approved enough work late last year to meet the 50-hour guideline."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from demo.points import MINIMAL_PDF
from pointbook.assessment.selectors import GUIDELINE_HOURS, assessment_lines
from pointbook.conduct.services import complaint_uphold
from pointbook.ledger.services import record_approve
from pointbook.models import Complaint
from volunteers.models import Contributor, Organisation, ServiceRecord, ServiceType, StaffProfile, Venue
from volunteers.records.services import record_log

COMPLAINTS = 6
TOPPED_UP = 2
HOURS_A_DAY = Decimal(8)


def _at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _complaints(year, staff, scope):
    records = ServiceRecord.objects.filter(
        status=ServiceRecord.Status.APPROVED,
        date__year=year,
        date__month__lte=10,
        contributor__kind__in=Contributor.LICENSED_KINDS,
    ).order_by("pk")
    named = list(records.filter(contributor__user__email="lawyer@demo.cn")[:1])
    others = list(records.exclude(contributor__user__email="lawyer@demo.cn")[: COMPLAINTS * 20 : 20])
    upheld = 0
    for record in named + others[: COMPLAINTS - len(named)]:
        complaint_uphold(
            actor=staff,
            scope=scope,
            record=record,
            reason="群众投诉服务不到位，经核查属实",
            now=_at(record.date + timedelta(days=30)),
        )
        upheld += 1
    return upheld


def _top_up(year, staff, scope):
    """Work logged (with evidence) and approved in November and December of last year, eight hours a day,
    until two of the firm admin's firm's lawyers reach the guideline."""
    firm = Organisation.objects.filter(admins__email="firm.admin@demo.cn").first()
    venue = Venue.objects.filter(region__path__startswith=scope.path, kind=Venue.Kind.CENTRE).first()
    service_type = ServiceType.objects.filter(code="consultation").first()
    if firm is None or venue is None or service_type is None:
        return 0
    lines = sorted(
        assessment_lines(year, organisation=firm),
        key=lambda line: (
            not Contributor.objects.filter(pk=line.contributor_id, user__email="lawyer@demo.cn").exists(),
            -line.hours,
        ),
    )
    topped = 0
    for line in lines[:TOPPED_UP]:
        person = Contributor.objects.select_related("user").get(pk=line.contributor_id)
        busy = set(ServiceRecord.objects.filter(contributor=person, date__year=year).values_list("date", flat=True))
        hours, day = line.hours, date(year, 11, 2)
        while hours < GUIDELINE_HOURS and day.year == year:
            if day not in busy and day.weekday() < 5:
                record = record_log(
                    actor=person.user,
                    contributor=person,
                    service_type=service_type,
                    date=day,
                    start_time=time(9),
                    hours=HOURS_A_DAY,
                    people_served=6,
                    region=venue.region,
                    venue=venue,
                    description="公共法律服务中心值班，解答婚姻家庭、劳动争议咨询",
                    files=[SimpleUploadedFile("值班记录.pdf", MINIMAL_PDF, content_type="application/pdf")],
                    now=_at(day, 18),
                )
                record_approve(actor=staff, scope=scope, record=record, now=_at(day + timedelta(days=1)))
                hours += HOURS_A_DAY
            day += timedelta(days=1)
        topped += 1
    return topped


def demo_assessment(*, today=None):
    today = today or timezone.localdate()
    year = today.year - 1
    profile = StaffProfile.objects.select_related("user", "region").filter(region__depth=1).first()
    if profile is None or Complaint.objects.filter(date__year=year).exists():
        return {"complaints last year": 0, "lawyers topped up to 50 h": 0}
    return {
        "complaints last year": _complaints(year, profile.user, profile.region),
        "lawyers topped up to 50 h": _top_up(year, profile.user, profile.region),
    }
