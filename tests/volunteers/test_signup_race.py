"""50 people released together by a barrier race for the last places of a shift: the database
(the shift row lock on PostgreSQL, IMMEDIATE transactions on SQLite, the seat constraint on both)
lets exactly as many in as there are places, and everyone else is told the shift is full."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import ContributorFactory, ShiftFactory
from tests.support.race import at_once
from volunteers.models import Signup
from volunteers.rota import services as rota

RACERS = 50
ROUNDS = 4


def _race(shift, people):
    def attempt(person):
        try:
            return rota.signup_create(contributor=person, shift=shift).pk
        except rota.ShiftFull:
            return "full"

    return at_once(attempt, people, timeout=120)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("free", [1, 3])
def test_racing_for_the_last_places_fills_exactly_those(free):
    people = ContributorFactory.create_batch(RACERS)
    early = ContributorFactory.create_batch(2)
    first_day = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    for round_ in range(ROUNDS):
        shift = ShiftFactory(capacity=free + 2, starts_at=first_day + datetime.timedelta(days=8 * round_))
        for person in early:
            rota.signup_create(contributor=person, shift=shift)

        outcomes = _race(shift, people)

        assert len(outcomes) == RACERS
        errors = [o for o in outcomes if isinstance(o, str) and o.startswith("error")]
        assert errors == []
        assert outcomes.count("full") == RACERS - free
        confirmed = shift.signups.filter(status=Signup.Status.CONFIRMED)
        assert confirmed.count() == free + 2
        assert sorted(confirmed.values_list("seat", flat=True)) == list(range(1, free + 3))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_frantic_double_click_makes_one_signup():
    person = ContributorFactory()
    shift = ShiftFactory(capacity=5)
    outcomes = _race(shift, [person] * 10)
    assert len(set(outcomes)) == 1 and isinstance(outcomes[0], int)
    assert shift.signups.count() == 1
