"""Demo service requests: a year of finished requests with realistic timings (registered a few hours
to days before the work, accepted within about a day, some late), rated by most of the people served
(mostly satisfied), a sample reviewed by staff; and the open ones of the last days — waiting,
published, dispatched, in progress, some overdue, a few escalated to the city.

Finished requests are tied to approved logged work of the demo's last year (one record each), so
their points are the ledger's own. Run after `demo_points`."""

import random
import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from volunteers.models import (
    Contributor,
    Region,
    RequestEvent,
    RequestPolicy,
    RequestTerms,
    ServiceRecord,
    ServiceRequest,
    ServiceType,
    SpecialGroup,
)
from volunteers.service_requests.services import district_of, evaluation_combined, reference_new

SEED = 12348
FINISHED = {"small": 300, "city": 2500, "large": 12000}
OPEN = {"small": 40, "city": 150, "large": 600}
TERMS = {
    "notarisation": ["notary"],
    "forensic": ["forensic_examiner"],
    "legal_aid": ["lawyer", "grassroots_worker"],
    "mediation": ["mediator", "lawyer", "grassroots_worker"],
    "petition_representation": ["lawyer"],
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ["桂兰", "建国", "秀英", "志强", "玉梅", "德明", "春花", "国华", "淑珍", "海涛", "丽娟", "长青"]
NEEDS = [
    "拖欠工资三个月，老板不给结算",
    "邻居修房占用了我家宅基地",
    "子女不履行赡养义务",
    "离婚后孩子抚养费不按时给",
    "交通事故对方不赔偿",
    "土地承包合同到期后村里要收回",
    "在工地受伤，单位不给认定工伤",
    "网购被骗，想咨询怎么维权",
    "遗产继承兄弟之间有争议",
    "租房押金房东不退",
]
OUTCOMES = ["已调解达成协议", "已解答并指导准备材料", "已代写起诉状", "已协助申请法律援助", "已协调用人单位支付"]


def demo_service_requests_reset():
    ServiceRequest.objects.all().delete()  # events go with them
    RequestTerms.objects.all().delete()


def _villages_under() -> dict[str, list[Region]]:
    by_path: dict[str, list[Region]] = {}
    for village in Region.objects.filter(level=Region.Level.VILLAGE).order_by("path"):
        for i in range(1, len(village.path) // Region.steplen):
            by_path.setdefault(village.path[: i * Region.steplen], []).append(village)
    return by_path


def _person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN), f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _request(rng, *, region, service_type, created, state, **fields):
    name, phone = _person(rng)
    home = fields.pop("home", None) or district_of(region)
    return ServiceRequest(
        reference=reference_new(),
        follow_token=secrets.token_urlsafe(24),
        rating_token=secrets.token_urlsafe(24),
        channel=rng.choices(ServiceRequest.Channel.values, weights=[5, 2, 3, 2])[0],
        name=name,
        phone=phone,
        region=region,
        special_groups=rng.sample(SpecialGroup.values, k=rng.choice([0, 0, 1, 1, 2])),
        service_type=service_type,
        description=rng.choice(NEEDS),
        urgency="urgent" if rng.random() < 0.1 else "normal",
        state=state,
        home_region=home,
        created_at=created,
        accept_due_at=created + timedelta(hours=24),
        finish_due_at=created + timedelta(days=15),
        **fields,
    )


@transaction.atomic
def demo_service_requests(scale="small", *, now=None):
    rng = random.Random(SEED)
    now = now or timezone.now()
    types = {t.code: t for t in ServiceType.objects.all()}
    for code, kinds in TERMS.items():
        if code in types:
            RequestTerms.objects.update_or_create(service_type=types[code], defaults={"eligible_kinds": kinds})
    RequestPolicy.current()
    villages = _villages_under()
    records = list(
        ServiceRecord.objects.filter(
            signup__isnull=True,
            status=ServiceRecord.Status.APPROVED,
            started_at__gte=now - timedelta(days=365),
            started_at__lte=now - timedelta(days=3),
        )
        .select_related("region", "contributor")
        .order_by("id")
    )
    rng.shuffle(records)
    finished = []
    for record in records[: FINISHED[scale]]:
        region = rng.choice(villages.get(record.region.path) or [record.region])
        created = record.started_at - timedelta(hours=rng.uniform(2, 96))
        accepted = created + timedelta(hours=rng.choice([rng.uniform(0.5, 20)] * 9 + [rng.uniform(25, 60)]))
        accepted = min(accepted, record.started_at)
        closed = record.ended_at + timedelta(hours=rng.uniform(0.2, 30))
        req = _request(
            rng,
            region=region,
            service_type=record.service_type,
            created=created,
            state="closed",
            assignee=record.contributor,
            accepted_at=accepted,
            closed_at=closed,
            record=record,
            outcome=rng.choice(OUTCOMES),
            self_score=rng.choice([4, 5, 5]),
        )
        if rng.random() < 0.85:
            req.public_score = rng.choices([5, 4, 3, 2, 1], weights=[70, 24, 4, 1, 1])[0]
            req.rated_at = closed + timedelta(hours=rng.uniform(0.1, 48))
        if rng.random() < 0.1:
            req.review_score = rng.choice([3, 4, 4, 5, 5])
        req.evaluation = evaluation_combined(req)
        finished.append(req)
    ServiceRequest.objects.bulk_create(finished, batch_size=1000)
    events = []
    for req in finished:
        events += [
            RequestEvent(request=req, kind="registered", note=req.channel, created_at=req.created_at),
            RequestEvent(
                request=req,
                kind="dispatched",
                contributor=req.assignee,
                created_at=req.created_at + (req.accepted_at - req.created_at) / 2,
            ),
            RequestEvent(request=req, kind="accepted", contributor=req.assignee, created_at=req.accepted_at),
            RequestEvent(request=req, kind="closed", contributor=req.assignee, created_at=req.closed_at),
        ]
        if req.rated_at:
            events.append(RequestEvent(request=req, kind="rated", note=str(req.public_score), created_at=req.rated_at))
    RequestEvent.objects.bulk_create(events, batch_size=2000)

    # The open ones: the last ten days' requests still with staff or contributors.
    people = list(Contributor.objects.filter(profile_completed_at__isnull=False).select_related("region")[:500])
    all_villages = [v for vs in villages.values() for v in vs] or list(Region.objects.filter(level__gte=3))
    open_ = []
    city = Region.get_first_root_node()
    for _ in range(OPEN[scale]):
        created = now - timedelta(hours=rng.uniform(1, 240))
        region = rng.choice(all_villages)
        service_type = types[rng.choice(["consultation", "mediation", "legal_aid", "consultation", "village_adviser"])]
        state = rng.choice(["queued", "queued", "published", "dispatched", "accepted", "accepted"])
        fields = {}
        if state in ("queued", "published"):
            escalated = created < now - timedelta(hours=48) and rng.random() < 0.5
            fields = {"queue_region": city if escalated else district_of(region), "escalations": int(escalated)}
            if escalated:
                fields["home"] = city
            else:
                fields["escalate_at"] = created + timedelta(hours=48)
        else:
            kinds = TERMS.get(service_type.code)
            person = rng.choice([p for p in people if not kinds or p.kind in kinds] or people)
            fields = {"assignee": person}
            if state == "accepted":
                fields["accepted_at"] = created + timedelta(hours=rng.uniform(0.5, 30))
            else:
                fields["escalate_at"] = created + timedelta(hours=48)
        open_.append(_request(rng, region=region, service_type=service_type, created=created, state=state, **fields))
    ServiceRequest.objects.bulk_create(open_)
    RequestEvent.objects.bulk_create(
        [RequestEvent(request=r, kind="registered", note=r.channel, created_at=r.created_at) for r in open_]
    )
    rated = [r.public_score for r in finished if r.public_score]
    satisfied = sum(s >= 4 for s in rated) * 100 / max(len(rated), 1)
    return {"service requests": len(finished) + len(open_), "satisfaction %": round(Decimal(satisfied), 1)}
