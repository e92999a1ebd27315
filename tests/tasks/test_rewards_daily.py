"""The nightly incentives job: in the one beat schedule, and running it twice posts nothing twice."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from config.celery import app
from pointbook.incentives import services as incentives
from pointbook.models import LedgerEntry, Redemption, Reward, RewardsPolicy
from tasks.points import rewards_daily
from tests.support.ledger import post


def test_the_beat_schedule_runs_the_rewards_job_daily():
    entry = app.conf.beat_schedule["rewards-daily"]
    assert entry["task"] == "tasks.points.rewards_daily"
    assert entry["schedule"].hour == {1} and entry["schedule"].minute == {17}


@pytest.mark.django_db
def test_the_job_expires_uncollected_rewards_and_old_points_once(world):
    RewardsPolicy.objects.update_or_create(pk=1, defaults={"expiry": "years", "expiry_years": 3})
    lawyer = world.lawyer_contributor
    post(lawyer, timezone.localdate() - timedelta(days=4 * 365), "1", "40")
    post(lawyer, timezone.localdate(), "1", "100")
    reward = Reward.objects.create(
        kind="material",
        title_zh="代金券",
        title_en="Voucher",
        region=world.district_a,
        venue=world.venue_a,
        cost=Decimal("30"),
        stock=1,
        valid_from=date(2020, 1, 1),
    )
    redemption = incentives.redemption_request(user=world.lawyer, contributor=lawyer, reward_id=reward.pk)
    Redemption.objects.filter(pk=redemption.pk).update(pickup_until=timezone.now() - timedelta(hours=1))

    first = rewards_daily.apply().get()
    second = rewards_daily.apply().get()

    # The 30 spent came from the oldest points; refunded, the 40 old points all expire.
    assert first == {"uncollected": 1, "expiry_entries": 1, "expired_points": "40.00"}
    assert second == {"uncollected": 0, "expiry_entries": 0, "expired_points": "0"}
    assert LedgerEntry.objects.filter(kind="expiry").count() == 1
    reward.refresh_from_db()
    assert reward.stock == 1
