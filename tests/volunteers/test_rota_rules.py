"""The city's rota rules (RotaPolicy): the no-show block, the fatigue caps, and signing up for
several shifts at once."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import ShiftFactory
from volunteers.models import Contributor, Signup
from volunteers.rota import services

H = datetime.timedelta(hours=1)


def _policy(world, **fields):
    return services.rota_policy_update(actor=world.city_staff, **fields)


def _no_show(world, contributor, *, days_ago):
    """A shift `days_ago` days back that `contributor` was confirmed on and missed, marked by staff."""
    shift = ShiftFactory(
        venue=world.venue_a, starts_at=timezone.now().replace(microsecond=0) - datetime.timedelta(days=days_ago)
    )
    signup = Signup.objects.create(shift=shift, contributor=contributor, status=Signup.Status.CONFIRMED, seat=1)
    services.attendance_mark(actor=world.staff_a, scope=world.district_a, signup=signup, attended=False)


def test_reaching_the_no_show_limit_within_the_window_blocks_signing_up(world):
    _policy(world, no_show_limit=2, no_show_window_days=30)
    person = world.lawyer_contributor
    _no_show(world, person, days_ago=3)
    _no_show(world, person, days_ago=20)
    shift = ShiftFactory(venue=world.venue_a)

    with pytest.raises(services.SignupRefused) as refused:
        services.signup_create(contributor=person, shift=shift)
    assert refused.value.code == "blocked"
    assert "2" in refused.value.message and "30" in refused.value.message
    with pytest.raises(services.SignupRefused) as refused:
        services.signup_join_waitlist(contributor=person, shift=shift)
    assert refused.value.code == "blocked"
    assert not shift.signups.exists()


def test_no_shows_older_than_the_window_do_not_count(world):
    _policy(world, no_show_limit=2, no_show_window_days=30)
    person = world.lawyer_contributor
    _no_show(world, person, days_ago=3)
    _no_show(world, person, days_ago=45)

    signup = services.signup_create(contributor=person, shift=ShiftFactory(venue=world.venue_a))
    assert signup.status == Signup.Status.CONFIRMED


def test_a_no_show_limit_of_zero_turns_the_block_off(world):
    person = world.lawyer_contributor
    for days_ago in (2, 4, 6, 8):
        _no_show(world, person, days_ago=days_ago)
    shift = ShiftFactory(venue=world.venue_a)
    with pytest.raises(services.SignupRefused):  # the default limit (3) blocks
        services.signup_create(contributor=person, shift=shift)

    _policy(world, no_show_limit=0)

    assert services.signup_create(contributor=person, shift=shift).status == Signup.Status.CONFIRMED


def _monday_nine():
    """09:00 local on a Monday at least a week ahead (so the whole week is in the future)."""
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=14 - today.weekday())
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time(9)))


def test_the_daily_cap_allows_up_to_the_limit_and_refuses_more(world):
    _policy(world, max_hours_per_day=6)
    person = world.lawyer_contributor
    nine = _monday_nine()
    morning, afternoon, evening = (
        ShiftFactory(venue=world.venue_a, starts_at=nine + offset) for offset in (0 * H, 4 * H, 8 * H)
    )
    services.signup_create(contributor=person, shift=morning)
    services.signup_create(contributor=person, shift=afternoon)  # exactly 6 hours

    with pytest.raises(services.SignupRefused) as refused:
        services.signup_create(contributor=person, shift=evening)

    assert refused.value.code == "fatigue_day" and "6" in refused.value.message
    # The next day is a new day.
    services.signup_create(contributor=person, shift=ShiftFactory(venue=world.venue_a, starts_at=nine + 24 * H))


def test_the_weekly_cap_counts_only_places_held_in_that_week(world):
    _policy(world, max_hours_per_day=10, max_hours_per_week=8)
    person = world.lawyer_contributor
    nine = _monday_nine()
    monday, tuesday, wednesday = (
        ShiftFactory(venue=world.venue_a, starts_at=nine + days * 24 * H) for days in (0, 1, 2)
    )
    services.signup_create(contributor=person, shift=monday)
    tuesday_signup = services.signup_create(contributor=person, shift=tuesday)

    with pytest.raises(services.SignupRefused) as refused:
        services.signup_create(contributor=person, shift=wednesday)  # 9 hours in the week
    assert refused.value.code == "fatigue_week" and "8" in refused.value.message

    # Next Monday starts a new week.
    next_monday = ShiftFactory(venue=world.venue_a, starts_at=nine + 7 * 24 * H)
    assert services.signup_create(contributor=person, shift=next_monday).status == Signup.Status.CONFIRMED
    # A cancelled place no longer counts.
    services.signup_cancel(contributor=person, signup=tuesday_signup)
    assert services.signup_create(contributor=person, shift=wednesday).status == Signup.Status.CONFIRMED


def test_signing_up_for_several_shifts_takes_those_it_can_and_says_why_not_for_the_rest(world):
    person = world.lawyer_contributor
    nine = _monday_nine()
    first, full, lawyers_only, mediators_only = (
        ShiftFactory(venue=world.venue_a, starts_at=nine + days * 24 * H) for days in (0, 1, 2, 3)
    )
    full.capacity = 1
    full.save()
    services.signup_create(contributor=world.other_lawyer_contributor, shift=full)
    lawyers_only.eligible_kinds = [Contributor.Kind.LAWYER]
    lawyers_only.save()
    mediators_only.eligible_kinds = [Contributor.Kind.MEDIATOR]
    mediators_only.save()

    outcomes = services.signups_create_many(contributor=person, shifts=[first, full, lawyers_only, mediators_only])

    assert [shift.pk for shift, _signup, _refusal in outcomes] == [
        first.pk,
        full.pk,
        lawyers_only.pk,
        mediators_only.pk,
    ]
    assert [refusal.code if refusal else None for _shift, _signup, refusal in outcomes] == [
        None,
        "full",
        None,
        "not_qualified",
    ]
    assert [bool(signup) for _shift, signup, _refusal in outcomes] == [True, False, True, False]
    mine = Signup.objects.filter(contributor=person, status=Signup.Status.CONFIRMED)
    assert set(mine.values_list("shift", flat=True)) == {first.pk, lawyers_only.pk}
    assert not full.signups.filter(contributor=person).exists()
