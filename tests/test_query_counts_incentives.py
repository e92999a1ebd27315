"""My rewards, a request, and the staff catalogue, queue and pick-up counter run a constant number of
queries however many rewards, requests and ledger entries there are."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pointbook.incentives import services as incentives
from pointbook.models import Reward, RewardsPolicy
from tests.support.ledger import post

MAX_QUERIES = 25


def _count(client, url):
    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def _reward(world, n, **kw):
    return Reward.objects.create(
        kind=kw.pop("kind", "material"),
        title_zh=f"奖励{n}",
        title_en=f"Reward {n}",
        region=world.district_a,
        venue=world.venue_a if kw.get("stock", 1) is not None else None,
        cost=kw.pop("cost", Decimal("5")),
        stock=kw.pop("stock", 1000),
        valid_from=date(2020, 1, 1),
        **kw,
    )


def _grow(world, rewards, redemptions, entries):
    lawyer = world.lawyer_contributor
    start = timezone.localdate() - timedelta(days=entries)
    for i in range(entries):
        post(lawyer, start + timedelta(days=i), "1", "20")
    made = [_reward(world, i, min_stars=(i % 3) if i >= 2 else 0) for i in range(rewards)]
    made.append(_reward(world, "policy", kind="policy", stock=None, cost=Decimal("0")))
    for i in range(redemptions):
        incentives.redemption_request(user=world.lawyer, contributor=lawyer, reward_id=made[i % 2].pk)


@pytest.mark.django_db
def test_rewards_pages_keep_their_number_of_queries(world, client_for):
    RewardsPolicy.objects.update_or_create(pk=1, defaults={"expiry": "years", "expiry_years": 3})
    _grow(world, rewards=2, redemptions=2, entries=3)
    lawyer, staff = client_for("lawyer"), client_for("staff_a")
    first = world.lawyer_contributor.redemptions.order_by("id").first()

    def counts():
        return {
            "my_rewards": _count(lawyer, reverse("my_rewards")),
            "my_redemption": _count(lawyer, reverse("my_redemption", args=[first.pk])),
            "staff_rewards": _count(staff, reverse("staff_rewards")),
            "staff_redemptions": _count(staff, reverse("staff_redemptions")),
            "staff_pickup": _count(staff, reverse("staff_pickup") + f"?code={first.code}"),
        }

    small = counts()
    _grow(world, rewards=60, redemptions=80, entries=400)
    big = counts()
    assert big == small
    assert max(big.values()) <= MAX_QUERIES, big
