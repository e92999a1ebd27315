"""Never overdrawn, never oversold: requests released together by a barrier. One person's 50 requests
for a reward they can afford once, and 50 people's requests for the last 3 items, end with exact
balances and stock; everyone else is told why, nobody sees an error (the wallet row lock and the
conditional stock update on PostgreSQL, IMMEDIATE transactions on SQLite)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pointbook.incentives import selectors
from pointbook.incentives import services as incentives
from pointbook.ledger.services import ledger_verify
from pointbook.models import LedgerEntry, Redemption, Reward, RewardsWallet
from tests.factories import ContributorFactory, RegionFactory, VenueFactory
from tests.support.ledger import post
from tests.support.race import at_once

RACERS = 50


def _race(reward, people):
    def attempt(person):
        try:
            return incentives.redemption_request(user=person.user, contributor=person, reward_id=reward.pk).pk
        except ValidationError:
            return "refused"

    return at_once(attempt, people)


def _reward(stock, cost):
    region = RegionFactory()
    return Reward.objects.create(
        kind="material",
        title_zh="培训名额",
        title_en="Training place",
        region=region,
        venue=VenueFactory(region=region),
        cost=Decimal(cost),
        stock=stock,
        valid_from=date(2020, 1, 1),
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_requests_spending_one_persons_last_points_debit_exactly_once():
    reward = _reward(stock=100, cost="60")
    person = ContributorFactory(region=reward.region)
    post(person, timezone.localdate(), "10", "100")  # enough for one, not two

    outcomes = _race(reward, [person] * RACERS)

    assert len(outcomes) == RACERS
    assert [o for o in outcomes if isinstance(o, str) and o.startswith("error")] == []
    assert outcomes.count("refused") == RACERS - 1
    assert selectors.balance_of(person.pk).available == Decimal("40")
    assert RewardsWallet.objects.get(pk=person.pk).spent == Decimal("60")
    assert LedgerEntry.objects.filter(kind="spend").count() == 1
    reward.refresh_from_db()
    assert reward.stock == 99
    assert ledger_verify() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_people_requesting_the_last_three_items_get_exactly_three():
    reward = _reward(stock=3, cost="10")
    people = ContributorFactory.create_batch(RACERS, region=reward.region)
    for person in people:
        post(person, timezone.localdate(), "1", "30")

    outcomes = _race(reward, people)

    assert len(outcomes) == RACERS
    assert [o for o in outcomes if isinstance(o, str) and o.startswith("error")] == []
    assert outcomes.count("refused") == RACERS - 3
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Redemption.objects.filter(reward=reward).count() == 3
    winners = set(Redemption.objects.values_list("contributor_id", flat=True))
    for person in people:
        expected = Decimal("20") if person.pk in winners else Decimal("30")
        assert selectors.balance_of(person.pk).available == expected
    assert ledger_verify() == []
