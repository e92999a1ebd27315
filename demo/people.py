"""A deterministic demo city: regions, venues, organisations, people, staff and memberships.

Rows are bulk-inserted for speed (the `large` scale has 10,000 contributors); everything here is
plain data with no derived state, so nothing a service would compute is skipped. Later issues
post points through their own services on top of this.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from volunteers.models import (
    Contributor,
    Membership,
    Organisation,
    Region,
    ServiceRecord,
    ServiceType,
    Shift,
    Signup,
    StaffProfile,
    User,
    Venue,
)
from volunteers.people.services import BUREAU_STAFF_GROUP

DEMO_PASSWORD = "demo-pass-2026"
SEED = 20261123


@dataclass(frozen=True)
class Scale:
    districts: int
    townships: int
    villages: int
    organisations: int
    lawyers: int
    volunteers: int
    grassroots_workers: int
    notaries: int
    forensic_examiners: int
    mediators: int
    staff: int


# city: the Yuxi plan's scale (8 districts, 70 townships, 700 villages, 150 organisations,
# 2,000 lawyers, 500 volunteers, 60 staff); large: 10,000 contributors for benchmarks.
SCALES = {
    "small": Scale(2, 4, 12, 8, 24, 8, 4, 3, 2, 5, 6),
    "city": Scale(8, 70, 700, 150, 2000, 500, 150, 50, 30, 200, 60),
    "large": Scale(8, 70, 700, 400, 7000, 1500, 500, 200, 100, 700, 60),
}

# The named demo accounts `make run` prints, one per role.
DEMO_ACCOUNTS = [
    ("admin@demo.cn", "superuser"),
    ("staff.city@demo.cn", "city staff (sees the whole city)"),
    ("staff.district@demo.cn", "district staff (sees one district)"),
    ("firm.admin@demo.cn", "law-firm admin (also a lawyer)"),
    ("lawyer@demo.cn", "lawyer, member of that firm"),
    ("volunteer@demo.cn", "volunteer"),
]

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = list(
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉鑫宇浩然子涵欣怡梓轩一诺思远晓婷嘉怡俊杰雨泽佳琪志强海燕春梅国庆立新永红德胜"
)
DISTRICTS = ["红塔区", "江川区", "澄江市", "通海县", "华宁县", "易门县", "峨山县", "新平县"]
PLACE_SYLLABLES = list("东西南北中上下新老大小长安平和兴隆丰宁福寿康乐清河山水石桥林溪云峰龙凤阳春秋竹梅松柏金银玉珠")
FIRM_WORDS = [
    "正义",
    "明德",
    "信达",
    "恒信",
    "衡平",
    "君诚",
    "中和",
    "致远",
    "公诚",
    "天平",
    "立言",
    "卓越",
    "求是",
    "法正",
    "滇南",
    "星云",
    "海晏",
    "泰和",
    "同心",
    "鼎盛",
    "华允",
    "汇通",
    "启明",
    "博远",
]


def _person_name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _place_name(rng, used, suffix):
    while True:
        name = rng.choice(PLACE_SYLLABLES) + rng.choice(PLACE_SYLLABLES) + suffix
        if name not in used:
            used.add(name)
            return name


def _spread(total, buckets):
    """Split `total` into `buckets` near-equal integers (the first ones get the remainder)."""
    base, extra = divmod(total, buckets)
    return [base + (1 if i < extra else 0) for i in range(buckets)]


def demo_exists():
    return Region.objects.exists() or User.objects.filter(email__endswith="@demo.cn").exists()


@transaction.atomic
def demo_reset():
    """Remove people and places (the service catalogue stays). Call `demo_rota_reset` and remove
    the opportunity pages first: they refer to venues."""
    demo_rota_reset()
    Membership.objects.all().delete()
    StaffProfile.objects.all().delete()
    Contributor.objects.all().delete()
    Organisation.objects.all().delete()
    Venue.objects.all().delete()
    Region.objects.all().delete()
    EmailAddress.objects.all().delete()
    User.objects.all().delete()


@transaction.atomic
def demo_rota_reset():
    from volunteers.models import Handover

    ServiceRecord.objects.all().delete()
    Handover.objects.all().delete()
    Signup.objects.all().delete()
    Shift.objects.all().delete()


def _build_regions(rng, scale):
    used = set()
    city = Region(code="530400", name="玉溪市", level=Region.Level.CITY, depth=1, path=Region._get_path(None, 1, 1))
    rows, districts, townships, villages = [city], [], [], []
    township_counts = _spread(scale.townships, scale.districts)
    village_counts = _spread(scale.villages, scale.townships)
    t_index = 0
    for d in range(scale.districts):
        district = Region(
            code=f"5304{d + 2:02d}",
            name=DISTRICTS[d % len(DISTRICTS)],
            level=Region.Level.DISTRICT,
            depth=2,
            path=Region._get_path(city.path, 2, d + 1),
        )
        rows.append(district)
        districts.append(district)
        for t in range(township_counts[d]):
            suffix = "街道" if t < max(1, township_counts[d] // 4) else rng.choice(["镇", "镇", "乡"])
            township = Region(
                code=f"{district.code}{t + 1:03d}",
                name=_place_name(rng, used, suffix),
                level=Region.Level.TOWNSHIP,
                depth=3,
                path=Region._get_path(district.path, 3, t + 1),
            )
            township.is_urban = suffix == "街道"
            rows.append(township)
            townships.append(township)
            for v in range(village_counts[t_index]):
                village = Region(
                    code=f"{township.code}{v + 1:03d}",
                    name=_place_name(rng, used, "社区" if township.is_urban or v == 0 else "村"),
                    level=Region.Level.VILLAGE,
                    depth=4,
                    path=Region._get_path(township.path, 4, v + 1),
                )
                village.numchild = 0
                rows.append(village)
                villages.append(village)
            township.numchild = village_counts[t_index]
            t_index += 1
        district.numchild = township_counts[d]
    city.numchild = scale.districts
    Region.objects.bulk_create(rows, batch_size=1000)
    return city, districts, townships, villages


def _build_venues(city, districts, townships, villages):
    venues = [
        Venue(name="玉溪市公共法律服务中心", kind=Venue.Kind.CENTRE, region=city, address="玉溪市红塔区"),
        Venue(
            name="12348玉溪法律服务热线", kind=Venue.Kind.HOTLINE_SEAT, region=city, address="玉溪市公共法律服务中心"
        ),
    ]
    for district in districts:
        venues += [
            Venue(name=f"{district.name}公共法律服务中心", kind=Venue.Kind.CENTRE, region=district),
            Venue(name=f"{district.name}人民法院", kind=Venue.Kind.COURT, region=district),
            Venue(name=f"{district.name}看守所", kind=Venue.Kind.DETENTION_CENTRE, region=district),
        ]
    for township in townships:
        venues.append(
            Venue(
                name=f"{township.name}公共法律服务工作站",
                kind=Venue.Kind.WORKSTATION,
                region=township,
                is_rural=not township.is_urban,
            )
        )
    for village in villages:
        venues.append(
            Venue(
                name=f"{village.name}法律服务室",
                kind=Venue.Kind.VILLAGE_ROOM,
                region=village,
                is_rural=village.name.endswith("村"),
            )
        )
    Venue.objects.bulk_create(venues, batch_size=1000)


def _build_organisations(rng, scale, districts):
    kinds = (
        [Organisation.Kind.LAW_FIRM] * max(1, round(scale.organisations * 0.67))
        + [Organisation.Kind.NOTARY_OFFICE] * max(1, round(scale.organisations * 0.10))
        + [Organisation.Kind.LEGAL_SERVICE_OFFICE] * max(1, round(scale.organisations * 0.13))
        + [Organisation.Kind.FORENSIC_INSTITUTE] * max(1, round(scale.organisations * 0.04))
    )
    kinds += [Organisation.Kind.SOCIAL_ORGANISATION] * max(1, scale.organisations - len(kinds))
    suffix = {
        Organisation.Kind.LAW_FIRM: "律师事务所",
        Organisation.Kind.NOTARY_OFFICE: "公证处",
        Organisation.Kind.LEGAL_SERVICE_OFFICE: "法律服务所",
        Organisation.Kind.FORENSIC_INSTITUTE: "司法鉴定所",
        Organisation.Kind.SOCIAL_ORGANISATION: "法律援助志愿者协会",
    }
    used, rows = set(), []
    for i, kind in enumerate(kinds):
        # The first law firm sits in the first district: the demo firm admin's.
        district = districts[0] if i == 0 else rng.choice(districts)
        while True:
            word = rng.choice(FIRM_WORDS) + (rng.choice(PLACE_SYLLABLES) if rng.random() < 0.5 else "")
            prefix = "云南" if kind == Organisation.Kind.LAW_FIRM else district.name
            name = f"{prefix}{word}{suffix[kind]}"
            if kind == Organisation.Kind.NOTARY_OFFICE:
                name = f"{district.name}{word}公证处"
            if name not in used:
                used.add(name)
                break
        rows.append(
            Organisation(
                name=name,
                kind=kind,
                region=district,
                licence_number=f"3{district.code}{2000 + (i % 25)}{i:05d}",
                address=f"{district.name}{rng.choice(PLACE_SYLLABLES)}{rng.choice(PLACE_SYLLABLES)}路{rng.randint(1, 300)}号",
                phone=f"0877-{rng.randint(2000000, 8999999)}",
            )
        )
    return Organisation.objects.bulk_create(rows, batch_size=1000)


def _licence(kind, district, seq, rng):
    if kind in (Contributor.Kind.LAWYER, Contributor.Kind.GRASSROOTS_WORKER):
        category = "1" if kind == Contributor.Kind.LAWYER else "3"
        # 1 category + 6 region + 4 year + 1 gender + 5 serial = the 17 digits of a 执业证号.
        return f"{category}{district.code}{rng.randint(2000, 2025)}{rng.randint(0, 1)}{seq:05d}"
    if kind in (Contributor.Kind.NOTARY, Contributor.Kind.FORENSIC_EXAMINER):
        return f"{district.code}{seq:06d}"
    return None


def _account_plan(scale):
    """[(email, contributor kind)] of everyone who contributes, the named demo accounts first, and the
    bureau staff's emails (the named city and district staff first)."""
    people = []  # (email, kind)
    people += [
        ("firm.admin@demo.cn", Contributor.Kind.LAWYER),
        ("lawyer@demo.cn", Contributor.Kind.LAWYER),
        ("volunteer@demo.cn", Contributor.Kind.VOLUNTEER),
    ]
    plan = [
        (Contributor.Kind.LAWYER, scale.lawyers - 2, "lawyer"),
        (Contributor.Kind.VOLUNTEER, scale.volunteers - 1, "volunteer"),
        (Contributor.Kind.GRASSROOTS_WORKER, scale.grassroots_workers, "worker"),
        (Contributor.Kind.NOTARY, scale.notaries, "notary"),
        (Contributor.Kind.FORENSIC_EXAMINER, scale.forensic_examiners, "forensic"),
        (Contributor.Kind.MEDIATOR, scale.mediators, "mediator"),
    ]
    for kind, count, stem in plan:
        people += [(f"{stem}{i:05d}@demo.cn", kind) for i in range(1, count + 1)]
    staff_emails = ["staff.city@demo.cn", "staff.district@demo.cn"] + [
        f"staff{i:03d}@demo.cn" for i in range(1, scale.staff - 1)
    ]
    return people, staff_emails


def _build_users(rng, people, staff_emails, *, password, now):
    """The superuser and an account (with its verified email) for everyone; returns ({email: user},
    {email: name}), the names drawn in the order of `people` then `staff_emails`."""
    users = [
        User(
            email="admin@demo.cn",
            password=password,
            is_staff=True,
            is_superuser=True,
            first_name="管理员",
            date_joined=now,
        )
    ]
    names = {}
    for email, _kind in people:
        names[email] = _person_name(rng)
        users.append(User(email=email, password=password, date_joined=now))
    for email in staff_emails:
        names[email] = _person_name(rng)
        users.append(User(email=email, password=password, first_name=names[email], date_joined=now))
    users = User.objects.bulk_create(users, batch_size=2000)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=2000
    )
    return {u.email: u for u in users}, names


def _build_staff(rng, staff_emails, user_by_email, city, districts, townships):
    """Bureau staff: the city, then spread over districts (and a few townships)."""
    staff_rows = [
        StaffProfile(user=user_by_email["staff.city@demo.cn"], region=city, title="市司法局公共法律服务管理处"),
        StaffProfile(
            user=user_by_email["staff.district@demo.cn"], region=districts[0], title=f"{districts[0].name}司法局"
        ),
    ]
    for i, email in enumerate(staff_emails[2:]):
        region = city if i < 2 else (districts[i % len(districts)] if i % 4 else rng.choice(townships))
        staff_rows.append(StaffProfile(user=user_by_email[email], region=region, title=f"{region.name}司法局"))
    StaffProfile.objects.bulk_create(staff_rows)
    group, _created = Group.objects.get_or_create(name=BUREAU_STAFF_GROUP)
    group.user_set.add(*[row.user for row in staff_rows])
    return staff_rows


def _build_contributors(rng, people, *, names, user_by_email, first_firm, districts, townships, now):
    """A contributor for each of `people`: the named demo accounts where their firm (or first township)
    is, everyone else in a district or a township drawn at random."""
    contributors, seq = [], 0
    for email, kind in people:
        seq += 1
        if email in ("firm.admin@demo.cn", "lawyer@demo.cn", "volunteer@demo.cn"):
            region = first_firm.region if kind == Contributor.Kind.LAWYER else townships[0]
        else:
            region = rng.choice(districts) if rng.random() < 0.6 else rng.choice(townships)
        district = (
            region
            if region.level == Region.Level.DISTRICT
            else next(d for d in districts if region.path.startswith(d.path))
        )
        contributors.append(
            Contributor(
                user=user_by_email[email],
                kind=kind,
                legal_name=names[email],
                phone=f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                region=region,
                licence_number=_licence(kind, district, seq, rng),
                profile_completed_at=now,
                created_at=now,
            )
        )
    return Contributor.objects.bulk_create(contributors, batch_size=2000)


def _build_specialities(rng, contributors):
    types = list(ServiceType.objects.all())
    through = Contributor.specialities.through
    links = []
    for c in contributors:
        for st in rng.sample(types, k=rng.randint(1, 3)):
            links.append(through(contributor_id=c.pk, servicetype_id=st.pk))
    through.objects.bulk_create(links, batch_size=5000)


# Where each kind of contributor is a member (mediators are not).
_HOME_ORG = {
    Contributor.Kind.LAWYER: Organisation.Kind.LAW_FIRM,
    Contributor.Kind.GRASSROOTS_WORKER: Organisation.Kind.LEGAL_SERVICE_OFFICE,
    Contributor.Kind.NOTARY: Organisation.Kind.NOTARY_OFFICE,
    Contributor.Kind.FORENSIC_EXAMINER: Organisation.Kind.FORENSIC_INSTITUTE,
    Contributor.Kind.VOLUNTEER: Organisation.Kind.SOCIAL_ORGANISATION,
}


def _memberships_of(rng, c, candidates, *, first_firm, today, now):
    """`c`'s current membership of one of `candidates`, after an ended one elsewhere for about one in
    eight (they moved during the last three years)."""
    memberships = []
    email = c.user.email
    if email in ("firm.admin@demo.cn", "lawyer@demo.cn"):
        current = first_firm
    else:
        current = rng.choice(candidates)
    started = today - timedelta(days=rng.randint(30, 3650))
    if rng.random() < 0.125 and len(candidates) > 1 and email not in ("firm.admin@demo.cn",):
        previous = rng.choice([o for o in candidates if o.pk != current.pk])
        moved_on = today - timedelta(days=rng.randint(60, 1000))
        memberships.append(
            Membership(
                contributor=c,
                organisation=previous,
                status=Membership.Status.ENDED,
                requested_at=now - timedelta(days=1100 + rng.randint(0, 400)),
                started_on=moved_on - timedelta(days=rng.randint(200, 2000)),
                ended_on=moved_on,
                note="Moved to another organisation",
            )
        )
        started = moved_on
    memberships.append(
        Membership(
            contributor=c,
            organisation=current,
            status=Membership.Status.ACTIVE,
            requested_at=now - timedelta(days=(today - started).days + 2),
            started_on=started,
        )
    )
    return memberships


def _build_memberships(rng, contributors, by_kind, *, first_firm, today, now):
    memberships = []
    # The three most recently licensed lawyers have no firm yet: they ask to join the demo firm,
    # so its admin has requests to answer.
    newcomers = [c for c in contributors if c.kind == Contributor.Kind.LAWYER][-3:]
    newcomer_ids = {c.pk for c in newcomers}
    for c in contributors:
        if c.pk in newcomer_ids:
            continue
        org_kind = _HOME_ORG.get(c.kind)
        candidates = by_kind.get(org_kind) if org_kind else None
        if not candidates or (c.kind == Contributor.Kind.VOLUNTEER and rng.random() < 0.6):
            continue
        memberships += _memberships_of(rng, c, candidates, first_firm=first_firm, today=today, now=now)
    for c in newcomers:
        memberships.append(
            Membership(
                contributor=c,
                organisation=first_firm,
                status=Membership.Status.PENDING,
                requested_at=now - timedelta(days=rng.randint(0, 5)),
            )
        )
    Membership.objects.bulk_create(memberships, batch_size=2000)
    return memberships


def _build_org_admins(memberships, first_firm, user_by_email):
    first_firm.admins.add(user_by_email["firm.admin@demo.cn"])
    # Every other organisation is administered by its first current member.
    admin_links = []
    seen = {first_firm.pk}
    for m in memberships:
        if m.status == Membership.Status.ACTIVE and m.organisation_id not in seen:
            seen.add(m.organisation_id)
            admin_links.append(
                Organisation.admins.through(organisation_id=m.organisation_id, user_id=m.contributor.user_id)
            )
    Organisation.admins.through.objects.bulk_create(admin_links, batch_size=2000)


@transaction.atomic
def demo_build(scale_name="small", *, today=None):
    """Build the demo; returns a dict of counts. Call only on a database without demo data."""
    scale = SCALES[scale_name]
    rng = random.Random(SEED)
    today = today or timezone.localdate()
    now = timezone.now()
    password = make_password(DEMO_PASSWORD)

    city, districts, townships, villages = _build_regions(rng, scale)
    _build_venues(city, districts, townships, villages)
    organisations = _build_organisations(rng, scale, districts)
    by_kind = {}
    for org in organisations:
        by_kind.setdefault(org.kind, []).append(org)

    people, staff_emails = _account_plan(scale)
    user_by_email, names = _build_users(rng, people, staff_emails, password=password, now=now)
    staff_rows = _build_staff(rng, staff_emails, user_by_email, city, districts, townships)
    first_firm = by_kind[Organisation.Kind.LAW_FIRM][0]
    contributors = _build_contributors(
        rng,
        people,
        names=names,
        user_by_email=user_by_email,
        first_firm=first_firm,
        districts=districts,
        townships=townships,
        now=now,
    )
    _build_specialities(rng, contributors)
    memberships = _build_memberships(rng, contributors, by_kind, first_firm=first_firm, today=today, now=now)
    _build_org_admins(memberships, first_firm, user_by_email)

    return {
        "regions": Region.objects.count(),
        "venues": Venue.objects.count(),
        "organisations": len(organisations),
        "contributors": len(contributors),
        "staff": len(staff_rows),
        "memberships": len(memberships),
    }


# --- Rota ------------------------------------------------------------------------------------------


@dataclass
class RotaPlan:
    """One opportunity's rota for the demo: which weekdays (every `every_weeks` weeks) at which times."""

    opportunity_id: int
    venue: Venue
    service_type: ServiceType
    eligible_kinds: list
    weekdays: tuple
    times: tuple  # ((9, 0, 12, 0), ...)
    capacity: int
    min_staffing: int = 1
    every_weeks: int = 1


def _rota_shifts(plans, *, first, days, tz):
    """The plans' shifts over `days` days from `first`, unsaved."""
    shifts = []
    for plan in plans:
        for n in range(days):
            day = first + timedelta(days=n)
            if day.weekday() not in plan.weekdays or (n // 7) % plan.every_weeks:
                continue
            for h1, m1, h2, m2 in plan.times:
                starts = timezone.make_aware(datetime(day.year, day.month, day.day, h1, m1), tz)
                ends = timezone.make_aware(datetime(day.year, day.month, day.day, h2, m2), tz)
                shifts.append(
                    Shift(
                        opportunity_id=plan.opportunity_id,
                        service_type=plan.service_type,
                        venue=plan.venue,
                        eligible_kinds=plan.eligible_kinds,
                        starts_at=starts,
                        ends_at=ends,
                        capacity=plan.capacity,
                        min_staffing=plan.min_staffing,
                        signup_deadline=starts - timedelta(hours=12),
                        cancel_deadline=starts - timedelta(hours=24),
                    )
                )
    return shifts


def _chosen(rng, shift, local, pool, wanted, *, lawyer, volunteer, busy):
    """Who is confirmed on `shift`: up to `wanted` of `pool` (the demo lawyer only on the hotline's Tuesday
    and Thursday mornings, the demo volunteer never), nobody already on a shift at the same hour."""
    chosen = []
    if (
        lawyer
        and lawyer in pool
        and shift.service_type.code == "hotline_12348"
        and local.weekday() in (1, 3)
        and local.hour < 12
    ):
        chosen.append(lawyer)  # the demo lawyer does Tuesday and Thursday mornings on the hotline
    for c in rng.sample(pool, k=min(len(pool), wanted + 3)):
        if len(chosen) >= wanted:
            break
        if c not in chosen and c not in (lawyer, volunteer):
            chosen.append(c)
    return [c for c in chosen if (c.pk, local.date(), local.hour) not in busy][: shift.capacity]


def _waiting(rng, shift, pool, chosen, created, *, lawyer, volunteer):
    """A short waiting list for a full shift, the demo volunteer first when they could take a seat."""
    queue = [c for c in pool if c not in chosen and c not in (lawyer, volunteer)]
    if volunteer and volunteer in pool and shift.capacity == len(chosen):
        queue.insert(0, volunteer)
    return [
        Signup(
            shift=shift,
            contributor=c,
            status=Signup.Status.WAITING,
            created_at=created + timedelta(hours=1 + i),
        )
        for i, c in enumerate(queue[: rng.randint(1, 3)])
    ]


def _shift_signups(rng, shift, pool, *, now, lawyer, volunteer, busy):
    """`shift`'s sign-ups: most shifts filled, some left thin (for the coverage view) and some full with
    a queue; past ones with their attendance marked. Adds whoever is confirmed to `busy`."""
    local = timezone.localtime(shift.starts_at)
    past = shift.ends_at <= now
    roll = rng.random()
    wanted = 0 if roll < 0.08 else (shift.capacity if roll > 0.7 else rng.randint(1, shift.capacity))
    chosen = _chosen(rng, shift, local, pool, wanted, lawyer=lawyer, volunteer=volunteer, busy=busy)
    created = shift.starts_at - timedelta(days=rng.randint(3, 20), minutes=rng.randint(0, 600))
    signups = []
    for seat, c in enumerate(chosen, start=1):
        busy.add((c.pk, local.date(), local.hour))
        s = Signup(shift=shift, contributor=c, status=Signup.Status.CONFIRMED, seat=seat, created_at=created)
        if past:
            s.reminder_sent_at = shift.starts_at - timedelta(hours=24)
            s.attendance = Signup.Attendance.NO_SHOW if rng.random() < 0.04 else Signup.Attendance.ATTENDED
            s.attendance_marked_at = shift.ends_at + timedelta(hours=2)
        signups.append(s)
    if not past and len(chosen) == shift.capacity and roll > 0.85:
        signups += _waiting(rng, shift, pool, chosen, created, lawyer=lawyer, volunteer=volunteer)
    return signups


def _attended_records(signups, shifts):
    """A service record, verified by attendance, for each sign-up marked attended."""
    records = []
    shift_by_id = {s.pk: s for s in shifts}
    for s in signups:
        if s.attendance == Signup.Attendance.ATTENDED:
            shift = shift_by_id[s.shift_id]
            records.append(
                ServiceRecord(
                    contributor_id=s.contributor_id,
                    signup=s,
                    service_type_id=shift.service_type_id,
                    venue=shift.venue,
                    region_id=shift.venue.region_id,
                    date=timezone.localtime(shift.starts_at).date(),
                    started_at=shift.starts_at,
                    ended_at=shift.ends_at,
                    hours=Decimal((shift.ends_at - shift.starts_at).total_seconds() / 3600).quantize(Decimal("0.01")),
                    status=ServiceRecord.Status.VERIFIED_ATTENDANCE,
                    created_at=s.attendance_marked_at,
                    updated_at=s.attendance_marked_at,
                )
            )
    return records


def demo_rota(plans, *, weeks_back=6, weeks_ahead=7, now=None):
    """A quarter of shifts around today for each plan, with sign-ups, waiting lists, attendance and
    service records, written in bulk. Deterministic; returns counts."""
    rng = random.Random(SEED + 1)
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    first = today - timedelta(days=today.weekday() + 7 * weeks_back)
    people = list(Contributor.objects.select_related("user").order_by("id"))
    by_email = {c.user.email: c for c in people}
    by_kind = {}
    for c in people:
        by_kind.setdefault(c.kind, []).append(c)

    shifts = _rota_shifts(plans, first=first, days=7 * (weeks_back + weeks_ahead), tz=tz)
    shifts = Shift.objects.bulk_create(shifts, batch_size=1000)

    busy = set()  # (contributor id, date, hour): nobody is put on two shifts at once
    signups = []
    lawyer, volunteer = by_email.get("lawyer@demo.cn"), by_email.get("volunteer@demo.cn")
    for shift in shifts:
        pool = [c for kind in (shift.eligible_kinds or list(by_kind)) for c in by_kind.get(kind, [])]
        signups += _shift_signups(rng, shift, pool, now=now, lawyer=lawyer, volunteer=volunteer, busy=busy)
    signups = Signup.objects.bulk_create(signups, batch_size=2000)
    records = _attended_records(signups, shifts)
    ServiceRecord.objects.bulk_create(records, batch_size=2000)
    return {"shifts": len(shifts), "signups": len(signups), "service records": len(records)}
