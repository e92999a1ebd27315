"""Demo points: three years of logged work for every contributor — mostly approved, some rejected,
the last fortnight waiting — plus the rota's attendance records, penalties for its no-shows, public
ratings, upheld complaints and appeals. Every entry is posted by the project's own services (the
bulk approval for the many, the per-record services for the rest), so `ledger_verify` passes.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from core.bulk_insert import ids_reserve, rows_insert
from pointbook.conduct import appeals
from pointbook.conduct import services as conduct
from pointbook.ledger.bulk import records_approve_bulk
from pointbook.ledger.services import record_reject
from pointbook.models import LedgerEntry, PointsRule
from volunteers.models import Contributor, ServiceRecord, ServiceType, SpecialGroup, StaffProfile, Venue
from volunteers.records.services import record_log

SEED = 20261124
# Logged records per contributor per year, by demo scale (`large` reaches about a million entries).
RECORDS_PER_YEAR = {"small": 4, "city": 5, "large": 32}
# A sample of approved records is rated, complained about or appealed, through the services.
SAMPLES = {"small": 20, "city": 120, "large": 400}
CHUNK = 400  # contributors whose records are built and approved together

TYPES_BY_KIND = {
    Contributor.Kind.LAWYER: [
        "consultation",
        "legal_aid",
        "legal_education",
        "village_adviser",
        "mediation",
        "enterprise_checkup",
        "petition_representation",
    ],
    Contributor.Kind.GRASSROOTS_WORKER: ["consultation", "mediation", "legal_education", "village_adviser"],
    Contributor.Kind.NOTARY: ["notarisation", "consultation", "legal_education"],
    Contributor.Kind.FORENSIC_EXAMINER: ["forensic", "legal_education"],
    Contributor.Kind.MEDIATOR: ["mediation", "legal_education"],
    Contributor.Kind.VOLUNTEER: ["consultation", "legal_education"],
}
WHAT = {
    "consultation": "为群众解答婚姻家庭、劳动争议等法律咨询",
    "legal_aid": "承办法律援助案件，会见当事人并出庭",
    "legal_education": "开展“法律进乡村”普法讲座",
    "village_adviser": "村(居)法律顾问驻点服务，审查村规民约",
    "mediation": "参与邻里纠纷人民调解，达成调解协议",
    "enterprise_checkup": "为小微企业开展法治体检",
    "petition_representation": "涉法涉诉信访代理，接待来访群众",
    "notarisation": "为老年人上门办理公证",
    "forensic": "为困难群众提供司法鉴定咨询",
}
REJECT_REASONS = ["证明材料不清晰，请补充签到表", "服务时长与签到记录不符", "同一服务已由其他记录登记"]
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _rule_versions():
    """The bureau's 2025 revision of every rule: special groups and night or holiday hotline duty
    weigh more, and a day is capped (as staff would add it on the rules page)."""
    for first in PointsRule.objects.filter(effective_from=date(2020, 1, 1)).select_related("service_type"):
        PointsRule.objects.get_or_create(
            service_type=first.service_type,
            effective_from=date(2025, 1, 1),
            defaults={
                "points_per_hour": first.points_per_hour,
                "rural_multiplier": first.rural_multiplier,
                "special_group_multiplier": Decimal("1.20"),
                "night_holiday_multiplier": Decimal("1.50")
                if first.service_type.code == "hotline_12348"
                else Decimal(1),
                "daily_cap": first.points_per_hour * 8 * Decimal("1.5"),
                "note": "2025 年版：服务特殊群体、夜间及节假日加权，每日封顶",
            },
        )


def _venues_by_district():
    venues = {}
    for venue in Venue.objects.filter(is_active=True).select_related("region"):
        venues.setdefault(venue.region.path[:8], []).append(venue)  # district = the path's first two steps
    return venues


def _logged_records(rng, people, *, per_year, first_day, today, types, venues, now):
    records = []
    span = (today - first_day).days
    for person in people:
        kinds = TYPES_BY_KIND.get(person.kind, ["consultation"])
        # Some people do much more than others (most of the points come from a committed few).
        count = max(1, int(per_year * 3 * rng.choice((0.3, 0.6, 1, 1, 1.4, 2))))
        local = venues.get(person.region.path[:8]) or venues.get(next(iter(venues)))
        for offset in rng.sample(range(1, span), k=min(count, span - 1)):
            day = today - timedelta(days=offset)
            code = rng.choice(kinds)
            venue = rng.choice(local) if rng.random() < 0.8 else None
            hour = rng.choice((9, 9, 10, 14, 14, 15, 20))
            hours = Decimal(rng.choice((1, 1.5, 2, 2, 2.5, 3, 3, 4, 6)))
            started = timezone.make_aware(datetime.combine(day, time(hour)))
            groups = rng.sample(SpecialGroup.values, k=rng.choice((0, 0, 0, 1, 1, 2)))
            rejected = offset > 14 and rng.random() < 0.03
            records.append(
                _Logged(
                    None,
                    person.pk,
                    types[code].pk,
                    venue,
                    venue.region_id if venue else person.region_id,
                    day,
                    started,
                    started + timedelta(hours=float(hours)),
                    hours,
                    ServiceRecord.Status.REJECTED if rejected else ServiceRecord.Status.SUBMITTED,
                    rng.choice(REJECT_REASONS) if rejected else "",
                    started + timedelta(days=3) if rejected else None,
                    rng.randint(1, 40),
                    groups,
                    WHAT.get(code, ""),
                    min(now, started + timedelta(hours=float(hours) + 2)),
                )
            )
    return records


@dataclass(slots=True)
class _Logged:
    """A demo record before it is inserted: what the bulk approval reads, without a model's cost."""

    pk: int | None
    contributor_id: int
    service_type_id: int
    venue: Venue | None
    region_id: int
    date: date
    started_at: datetime
    ended_at: datetime
    hours: Decimal
    status: str
    decision_reason: str
    decided_at: datetime | None
    people_served: int
    special_groups: list
    description: str
    created_at: datetime


RECORD_COLUMNS = (
    "id",
    "contributor_id",
    "service_type_id",
    "venue_id",
    "region_id",
    "date",
    "started_at",
    "ended_at",
    "hours",
    "status",
    "decision_reason",
    "decided_at",
    "people_served",
    "special_groups",
    "description",
    "created_at",
    "updated_at",
    "capped_out",
    "flagged",
    "flag_reason",
)


@transaction.atomic
def _records_insert(records):
    """Plain data, inserted fast (the `large` demo has a million); ids are reserved first so the
    approvals can name them."""
    for record, pk in zip(records, ids_reserve(ServiceRecord, len(records)), strict=True):
        record.pk = pk
    now = timezone.now()
    rows_insert(
        ServiceRecord,
        RECORD_COLUMNS,
        [
            (
                r.pk,
                r.contributor_id,
                r.service_type_id,
                r.venue.pk if r.venue else None,
                r.region_id,
                r.date,
                r.started_at,
                r.ended_at,
                r.hours,
                r.status,
                r.decision_reason,
                r.decided_at,
                r.people_served,
                r.special_groups,
                r.description,
                r.created_at,
                now,
                False,
                False,
                "",
            )
            for r in records
        ],
    )
    return records


def _approve_older(records, *, staff, today):
    """Approve what is older than a fortnight, per person in date order (how staff worked through it)."""
    older = sorted(
        (r for r in records if r.status == ServiceRecord.Status.SUBMITTED and r.date < today - timedelta(days=14)),
        key=lambda r: (r.contributor_id, r.date, r.pk),
    )
    return records_approve_bulk(actor=staff, records=older, batch_size=5000)


def _samples(rng, count, *, staff, scope, now):
    """Ratings, complaints and appeals on a sample of approved records, through the services."""
    approved = list(
        ServiceRecord.objects.filter(
            status=ServiceRecord.Status.APPROVED,
            signup__isnull=True,
            date__gte=timezone.localdate(now) - timedelta(days=25),
        )
        .select_related("contributor__user", "venue", "region")
        .order_by("id")[: count * 3]
    )
    rng.shuffle(approved)
    rated = complained = appealed = 0
    for record in approved[:count]:
        link = conduct.rating_link(contributor=record.contributor, record=record, now=now - timedelta(days=2))
        conduct.rating_submit(
            token=link.token,
            score=rng.choice((5, 5, 5, 4, 4, 3, 2, 1)),
            comment=rng.choice(("", "律师很耐心", "解答清楚，很有帮助", "等候时间较长")),
            now=now - timedelta(days=1),
        )
        rated += 1
    for record in approved[count : count + count // 10]:
        conduct.complaint_uphold(
            actor=staff,
            scope=scope,
            record=record,
            reason="群众投诉服务态度差，经核查属实",
            now=now - timedelta(days=3),
        )
        complained += 1
    entries = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.AWARD,
        reversed_by__isnull=True,
        source_id__in=[r.pk for r in approved[count + count // 10 : count + count // 5]],
    )
    for i, entry in enumerate(entries.select_related("contributor__user")):
        appeal = appeals.appeal_open(
            user=entry.contributor.user,
            contributor=entry.contributor,
            entry=entry,
            body="服务时长登记少了半小时，请核实签到表。",
            now=now - timedelta(days=2),
        )
        if i % 3 == 0:
            appeals.appeal_adjust(
                actor=staff,
                scope=scope,
                appeal=appeal,
                points=entry.points / 6,
                reason="经核实签到表，补记半小时",
                now=now - timedelta(days=1),
            )
        elif i % 3 == 1:
            appeals.appeal_refuse(
                actor=staff, scope=scope, appeal=appeal, reason="签到表显示服务时长无误", now=now - timedelta(days=1)
            )
        appealed += 1
    return {"ratings": rated, "upheld complaints": complained, "appeals": appealed}


def _demo_lawyer(*, staff, scope, today, types, now):
    """lawyer@demo.cn has a rejected village clinic with evidence to amend and an open appeal."""
    person = Contributor.objects.select_related("user", "region").filter(user__email="lawyer@demo.cn").first()
    venue = (
        Venue.objects.filter(is_rural=True, region__path__startswith=person.region.path[:8]).first() if person else None
    )
    if person is None or venue is None:
        return
    record = record_log(
        actor=person.user,
        contributor=person,
        service_type=types["village_adviser"],
        date=today - timedelta(days=6),
        start_time=time(9),
        hours=Decimal(3),
        people_served=12,
        special_groups=["elderly"],
        region=venue.region,
        venue=venue,
        description="村(居)法律顾问驻点，为 12 位老人解答赡养、土地承包问题",
        files=[SimpleUploadedFile("签到表.pdf", MINIMAL_PDF, content_type="application/pdf")],
        now=now,
    )
    record_reject(actor=staff, scope=scope, record=record, reason="签到表缺少村委会盖章，请补充后重新提交")
    entry = LedgerEntry.objects.filter(contributor=person, kind=LedgerEntry.Kind.AWARD).order_by("-id").first()
    if entry is not None:
        appeals.appeal_open(
            user=person.user, contributor=person, entry=entry, body="本次值班实际服务 3.5 小时，请核实。"
        )


def demo_points(scale="small", *, today=None):
    rng = random.Random(SEED)
    now = timezone.now()
    today = today or timezone.localdate()
    profile = StaffProfile.objects.select_related("user", "region").filter(region__depth=1).first()
    staff, scope = (profile.user, profile.region) if profile else (None, None)
    _rule_versions()
    types = {t.code: t for t in ServiceType.objects.all()}
    venues = _venues_by_district()
    first_day = date(today.year - 2, 1, 1)
    people = list(
        Contributor.objects.filter(profile_completed_at__isnull=False).select_related("region").order_by("id")
    )
    made = posted = capped = 0
    for start in range(0, len(people), CHUNK):
        chunk = _logged_records(
            rng,
            people[start : start + CHUNK],
            per_year=RECORDS_PER_YEAR[scale],
            first_day=first_day,
            today=today,
            types=types,
            venues=venues,
            now=now,
        )
        chunk = _records_insert(chunk)
        made += len(chunk)
        counts = _approve_older(chunk, staff=staff, today=today)
        posted, capped = posted + counts[0], capped + counts[1]
    # The rota's attendance records: all but the last 20 approved; the rest wait in the queue.
    attended = list(
        ServiceRecord.objects.filter(status=ServiceRecord.Status.VERIFIED_ATTENDANCE)
        .select_related("venue")
        .order_by("date", "id")
    )
    counts = records_approve_bulk(actor=staff, records=sorted(attended[:-20], key=lambda r: (r.contributor_id, r.date)))
    posted, capped = posted + counts[0], capped + counts[1]
    penalties, _ = conduct.conduct_sweep(since_days=120, now=now)
    result = {"logged records": made, "award entries": posted, "capped records": capped, "penalties": penalties}
    result.update(_samples(rng, SAMPLES[scale], staff=staff, scope=scope, now=now))
    _demo_lawyer(staff=staff, scope=scope, today=today, types=types, now=now)
    result["ledger entries"] = LedgerEntry.objects.count()
    return result
