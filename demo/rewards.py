"""Demo incentives: the city's spending rules, a catalogue (city-wide material rewards and policy
support, one reward of each district) and a year of requests — most handed over at the venue, some
cancelled, some refused, some not collected in time — all through the services, so every debit and
refund is a ledger entry with its key and audit row. Run after `demo_points`."""

import random
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from pointbook.incentives import services as incentives
from pointbook.models import Redemption, Reward, RewardQualification, RewardsPolicy, RewardsWallet
from volunteers.models import Contributor, Region, User, Venue

SEED = 20261208
REQUESTS = {"small": 60, "city": 400, "large": 2000}

CITY_MATERIAL = [
    # title zh, title en, cost, stock, per person a year, min stars, kinds, needs approval
    ("律师实务技能培训名额", "Practice skills training place", 300, 60, 1, 2, ["lawyer"], False),
    ("公共法律服务纪念品", "Public legal service keepsake", 80, 400, 2, 0, [], False),
    ("图书购物卡（200元）", "Book voucher (200 yuan)", 500, 80, 1, 1, [], True),
]
CITY_POLICY = [
    # title zh, title en, cost, min stars, min hours this year
    ("优先参与政府购买法律服务项目", "Priority in government-procured legal services", 0, 3, 0),
    ("推荐参评省级表彰", "Recommendation for a provincial commendation", 0, 0, 100),
    ("执业培训费补贴", "Practice training fee subsidy", 200, 1, 0),
]


def demo_rewards_reset():
    RewardQualification.objects.all().delete()
    Redemption.objects.all().delete()
    RewardsWallet.objects.all().delete()
    Reward.objects.all().delete()


def _catalogue(city, districts, venues, start):
    rewards = []
    city_venue = venues.get(districts[0].pk) if districts else None
    for zh, en, cost, stock, limit, stars, kinds, approval in CITY_MATERIAL:
        rewards.append(
            Reward.objects.create(
                region=city,
                kind="material",
                title_zh=zh,
                title_en=en,
                description_zh=f"{zh}，凭领取码到领取地点领取。",
                description_en=f"{en}: show the pick-up code at the venue.",
                cost=Decimal(cost),
                stock=stock,
                per_person_per_year=limit,
                min_stars=stars,
                contributor_kinds=kinds,
                needs_approval=approval,
                venue=city_venue,
                good_standing=True,
                valid_from=start,
            )
        )
    for zh, en, cost, stars, hours in CITY_POLICY:
        rewards.append(
            Reward.objects.create(
                region=city,
                kind="policy",
                title_zh=zh,
                title_en=en,
                description_zh=f"{zh}，由市司法局审核后给予。",
                description_en=f"{en}, granted by the city justice bureau.",
                cost=Decimal(cost),
                min_stars=stars,
                min_year_hours=Decimal(hours),
                good_standing=True,
                needs_approval=True,
                valid_from=start,
            )
        )
    for district in districts:
        if district.pk not in venues:
            continue
        rewards.append(
            Reward.objects.create(
                region=district,
                kind="material",
                title_zh=f"{district.name}公益服务保温杯",
                title_en=f"{district.name} pro-bono service flask",
                cost=Decimal(50),
                stock=100,
                per_person_per_year=1,
                venue=venues[district.pk],
                valid_from=start,
            )
        )
    return rewards


def demo_rewards(scale="small", *, today=None):
    """Returns counts for seed_demo's summary."""
    rng = random.Random(SEED)
    now = timezone.now()
    today = today or timezone.localdate()
    city = Region.get_first_root_node()
    staff = User.objects.filter(email="staff.city@demo.cn").first()
    if city is None or staff is None:
        return {"rewards": 0}
    RewardsPolicy.objects.update_or_create(
        pk=1, defaults={"expiry": "years", "expiry_years": 3, "bonus_spendable": True, "pickup_days": 30}
    )
    districts = list(Region.objects.filter(depth=2).order_by("path"))
    venues = {}
    for district in districts:
        venue = Venue.objects.filter(region__path__startswith=district.path, kind=Venue.Kind.CENTRE).order_by("id")
        if venue.first():
            venues[district.pk] = venue.first()
    rewards = _catalogue(city, districts, venues, today - timedelta(days=400))
    material = [r for r in rewards if r.kind == "material"]
    people = list(
        Contributor.objects.filter(profile_completed_at__isnull=False)
        .exclude(user__staff_profile__isnull=False)
        .select_related("region", "user")
        .order_by("id")
    )
    made = 0
    for n in range(REQUESTS[scale]):
        when = now - timedelta(days=365 - 365 * n // REQUESTS[scale], hours=rng.randint(0, 8))
        person = rng.choice(people)
        reward = rng.choice(material + [rewards[len(CITY_MATERIAL) + 2]])  # now and then a fee subsidy
        try:
            redemption = incentives.redemption_request(
                user=person.user, contributor=person, reward_id=reward.pk, now=when
            )
        except ValidationError:
            continue
        made += 1
        roll = rng.random()
        later = when + timedelta(days=rng.randint(1, 20))
        if later > now:
            continue  # recent: still waiting
        if redemption.status == Redemption.Status.PENDING:
            approve = roll < 0.85
            incentives.redemption_decide(
                actor=staff,
                scope=city,
                redemption_id=redemption.pk,
                approve=approve,
                reason="" if approve else "本季度名额已满",
                now=later,
            )
            if not approve or reward.kind == "policy":
                continue
        if roll < 0.75:
            incentives.redemption_hand_over(actor=staff, scope=city, code=redemption.code, now=later)
        elif roll < 0.85:
            incentives.redemption_cancel(user=person.user, contributor=person, redemption_id=redemption.pk, now=later)
        # else: never collected; expires back to stock below
    expired = incentives.uncollected_expire(now=now)
    qualified = 0
    for reward in rewards[len(CITY_MATERIAL) : len(CITY_MATERIAL) + 2]:
        qualified += incentives.qualifiers_mark(actor=staff, scope=city, reward=reward, year=today.year)
    return {
        "rewards": len(rewards),
        "reward requests": made,
        "uncollected rewards expired": expired,
        "policy-support qualifiers": qualified,
    }
