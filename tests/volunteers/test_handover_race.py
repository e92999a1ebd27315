"""Many colleagues accept one hand-over at the same moment (threads released by a barrier): exactly
one gets the seat, everyone else is told it is taken, and the shift never has the seat with two
holders or none. Runs on SQLite and PostgreSQL (the shift row lock, the seat constraint)."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import ContributorFactory, MembershipFactory, OrganisationFactory, ShiftFactory
from tests.support.race import at_once
from volunteers.models import Handover, Signup
from volunteers.rota import services as rota

RACERS = 20
ROUNDS = 3


def _race(handover, people):
    def attempt(person):
        try:
            return ("taken", rota.handover_accept(contributor=person, handover=handover).pk)
        except rota.SignupRefused as refusal:
            return ("refused", refusal.code)

    return at_once(attempt, people)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_colleagues_racing_for_one_handed_over_shift_one_gets_it():
    firm = OrganisationFactory()
    giver = ContributorFactory()
    MembershipFactory(contributor=giver, organisation=firm)
    colleagues = ContributorFactory.create_batch(RACERS)
    for person in colleagues:
        MembershipFactory(contributor=person, organisation=firm)
    first_day = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    for round_ in range(ROUNDS):
        shift = ShiftFactory(capacity=2, starts_at=first_day + datetime.timedelta(days=8 * round_))
        other = rota.signup_create(contributor=ContributorFactory(), shift=shift)
        held = rota.signup_create(contributor=giver, shift=shift)
        handover = rota.handover_offer(contributor=giver, signup=held, audience="firm")

        outcomes = _race(handover, colleagues)

        assert len(outcomes) == RACERS
        assert [o for o in outcomes if isinstance(o, str)] == []  # an unexpected error: "error: …"
        winners = [o for o in outcomes if o[0] == "taken"]
        assert len(winners) == 1, outcomes
        assert sorted(o[1] for o in outcomes if o[0] == "refused") == ["taken"] * (RACERS - 1)
        holders = list(shift.signups.filter(status__in=Signup.HOLDS_SEAT).values_list("contributor_id", "seat"))
        winner = Signup.objects.get(pk=winners[0][1])
        assert sorted(holders) == sorted([(other.contributor_id, other.seat), (winner.contributor_id, held.seat)])
        assert Signup.objects.get(pk=held.pk).status == Signup.Status.HANDED_OVER
        handover.refresh_from_db()
        assert handover.status == Handover.Status.ACCEPTED and handover.taken_signup_id == winner.pk


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_giver_withdrawing_while_colleagues_accept_leaves_exactly_one_holder():
    firm = OrganisationFactory()
    giver = ContributorFactory()
    MembershipFactory(contributor=giver, organisation=firm)
    colleagues = ContributorFactory.create_batch(8)
    for person in colleagues:
        MembershipFactory(contributor=person, organisation=firm)
    shift = ShiftFactory(capacity=1)
    held = rota.signup_create(contributor=giver, shift=shift)
    handover = rota.handover_offer(contributor=giver, signup=held, audience="firm")
    barrier = threading.Barrier(len(colleagues) + 1)
    errors = []

    def withdraw():
        try:
            barrier.wait()
            rota.handover_withdraw(contributor=giver, handover=handover)
        except rota.SignupRefused:
            pass
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connection.close()

    def accept(person):
        try:
            barrier.wait()
            rota.handover_accept(contributor=person, handover=handover)
        except rota.SignupRefused:
            pass
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=withdraw)] + [threading.Thread(target=accept, args=(p,)) for p in colleagues]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert shift.signups.filter(status__in=Signup.HOLDS_SEAT, seat=1).count() == 1
    handover.refresh_from_db()
    giver_signup = Signup.objects.get(pk=held.pk)
    if handover.status == Handover.Status.WITHDRAWN:
        assert giver_signup.status == Signup.Status.CONFIRMED
    else:
        assert handover.status == Handover.Status.ACCEPTED
        assert giver_signup.status == Signup.Status.HANDED_OVER
