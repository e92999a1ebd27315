"""Points rules when a record is approved: the rural, special-group and night-or-holiday
multipliers combine, the yearly cap counts all of a person's records of the type that year, and a
record approved once the cap is reached earns nothing (and says so) while the ledger stays sound.
Explanations carry the numbers in English and Chinese."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from pointbook.ledger import rules, services
from pointbook.models import LedgerEntry, PointsRule, PublicHoliday
from tests.factories import VenueFactory
from volunteers.models import ServiceRecord, ServiceType

YEAR = timezone.localdate().year - 1  # a whole past year: every date below is in the past


def _rule(code, **fields):
    defaults = {"effective_from": datetime.date(YEAR - 1, 1, 1), "points_per_hour": Decimal("10")}
    return PointsRule.objects.create(service_type=ServiceType.objects.get(code=code), **(defaults | fields))


def _working_day(day):
    PublicHoliday.objects.filter(date=day).delete()
    return day


def _record(
    world, day, *, start=datetime.time(9, 0), hours=2, code="consultation", venue=None, groups=(), contributor=None
):
    """Logged work waiting for staff (made directly: the rules are what is tested here)."""
    started_at = timezone.make_aware(datetime.datetime.combine(day, start))
    return ServiceRecord.objects.create(
        contributor=contributor or world.lawyer_contributor,
        service_type=ServiceType.objects.get(code=code),
        venue=venue,
        region=venue.region if venue else world.district_a,
        date=day,
        started_at=started_at,
        ended_at=started_at + datetime.timedelta(hours=hours),
        hours=Decimal(hours),
        status=ServiceRecord.Status.SUBMITTED,
        special_groups=list(groups),
        people_served=5,
        description="法律咨询",
    )


def _approve(world, record):
    return services.record_approve(actor=world.city_staff, scope=world.city, record=record)


def _explained(entry):
    with translation.override("en"):
        english = rules.explain(entry.kind, entry.breakdown)
    with translation.override("zh-hans"):
        chinese = rules.explain(entry.kind, entry.breakdown)
    assert entry.explanation == chinese  # stored in the default language
    return english, chinese


@pytest.fixture
def rural(world):
    return VenueFactory(name="光明村法律服务室", kind="village_room", region=world.village_a, is_rural=True)


@pytest.mark.django_db
def test_rural_special_group_and_night_multipliers_combine(world, rural):
    _rule(
        "consultation",
        rural_multiplier=Decimal("1.5"),
        special_group_multiplier=Decimal("1.2"),
        night_holiday_multiplier=Decimal("2"),
    )
    day = _working_day(datetime.date(YEAR, 3, 10))

    entry = _approve(
        world, _record(world, day, start=datetime.time(21, 0), venue=rural, groups=["elderly", "disabled"])
    )
    assert entry.points == Decimal("72.00")  # 2 h × 10 × 1.5 × 1.2 × 2
    assert entry.breakdown["factors"] == [
        {"name": "rural", "times": "1.50"},
        {"name": "special_group", "times": "1.20"},
        {"name": "night_holiday", "times": "2.00"},
    ]
    english, chinese = _explained(entry)
    assert english == "2 h × 10 pts/h × 1.5 rural venue × 1.2 special group served × 2 night or public holiday = 72"
    for number in ("2", "10", "1.5", "1.2", "72"):
        assert number in chinese
    assert "pts/h" not in chinese, "the award explanation has no Chinese translation"

    # Each factor alone, and none.
    cases = [
        ({"venue": rural}, Decimal("30.00"), ["rural"]),
        ({"groups": ["minors"]}, Decimal("24.00"), ["special_group"]),
        ({"start": datetime.time(20, 0)}, Decimal("40.00"), ["night_holiday"]),
        ({"start": datetime.time(5, 45)}, Decimal("40.00"), ["night_holiday"]),
        ({"start": datetime.time(19, 45)}, Decimal("20.00"), []),
        ({"start": datetime.time(6, 0)}, Decimal("20.00"), []),
        ({}, Decimal("20.00"), []),
    ]
    for offset, (kwargs, points, factors) in enumerate(cases, start=1):
        record = _record(world, _working_day(day + datetime.timedelta(days=offset)), **kwargs)
        entry = _approve(world, record)
        assert entry.points == points, kwargs
        assert [f["name"] for f in entry.breakdown["factors"]] == factors, kwargs
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_a_public_holiday_counts_as_night_all_day(world, rural):
    _rule("consultation", rural_multiplier=Decimal("1.5"), night_holiday_multiplier=Decimal("1.25"))
    holiday, _ = PublicHoliday.objects.get_or_create(date=datetime.date(YEAR, 2, 17), defaults={"name": "春节"})
    morning = _approve(world, _record(world, holiday.date, start=datetime.time(10, 0), hours=4, venue=rural))
    assert morning.points == Decimal("75.00")  # 4 h × 10 × 1.5 × 1.25
    assert [f["name"] for f in morning.breakdown["factors"]] == ["rural", "night_holiday"]
    english, chinese = _explained(morning)
    assert english == "4 h × 10 pts/h × 1.5 rural venue × 1.25 night or public holiday = 75"
    for number in ("4", "10", "1.5", "1.25", "75"):
        assert number in chinese

    next_day = _approve(
        world,
        _record(
            world,
            _working_day(holiday.date + datetime.timedelta(days=1)),
            start=datetime.time(10, 0),
            hours=4,
            venue=rural,
        ),
    )
    assert next_day.points == Decimal("60.00") and len(next_day.breakdown["factors"]) == 1
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_the_yearly_cap_counts_all_records_of_the_year_and_then_approves_with_no_points(world):
    _rule("mediation", yearly_cap=Decimal("100"))
    _rule("consultation")
    days = [datetime.date(YEAR, 4, d) for d in (1, 2, 3, 4)]
    first, second, third, fourth = [_record(world, d, hours=4, code="mediation") for d in days]

    assert _approve(world, first).points == Decimal("40.00")
    assert _approve(world, second).points == Decimal("40.00")
    capped = _approve(world, third)
    assert capped.points == Decimal("20.00")  # 100 a year, 80 already earned
    assert Decimal(capped.breakdown["cap"]) == 100 and capped.breakdown["cap_kind"] == "year"
    assert Decimal(capped.breakdown["asked"]) == 40 and Decimal(capped.breakdown["earned_before"]) == 80
    english, chinese = _explained(capped)
    assert english == "4 h × 10 pts/h (capped at 100 a year, 80 already earned) = 20"
    for number in ("4", "10", "100", "80", "20"):
        assert number in chinese

    # The cap is reached: approved, with no points and no entry, and the ledger is still sound.
    assert _approve(world, fourth) is None
    fourth.refresh_from_db()
    assert fourth.status == ServiceRecord.Status.APPROVED and fourth.capped_out
    assert not LedgerEntry.objects.filter(source="service_record", source_id=fourth.pk).exists()
    assert services.ledger_verify() == []
    assert _approve(world, fourth) is None  # approving again changes nothing
    assert LedgerEntry.objects.count() == 3

    # The cap is per type, per year, per person.
    other_type = _approve(world, _record(world, days[0], hours=4, code="consultation"))
    last_year = _approve(world, _record(world, datetime.date(YEAR - 1, 12, 31), hours=4, code="mediation"))
    someone_else = _approve(
        world, _record(world, days[0], hours=4, code="mediation", contributor=world.other_lawyer_contributor)
    )
    assert other_type.points == last_year.points == someone_else.points == Decimal("40.00")
    assert services.ledger_verify() == []

    # Withdrawing approvals frees room under the cap; the capped-out record earns it when approved again.
    assert services.record_unapprove(actor=world.staff_a, scope=world.district_a, record=fourth, reason="复核") is None
    fourth.refresh_from_db()
    assert fourth.status == ServiceRecord.Status.SUBMITTED and not fourth.capped_out
    assert services.ledger_verify() == []
    services.record_unapprove(actor=world.staff_a, scope=world.district_a, record=first, reason="重复登记")
    again = _approve(world, fourth)
    assert again.points == Decimal("40.00")  # 100 − (40 + 20) held by the others
    fourth.refresh_from_db()
    assert not fourth.capped_out
    year_total = sum(
        e.points
        for e in LedgerEntry.objects.filter(
            contributor=world.lawyer_contributor, service_type__code="mediation", effective_date__year=YEAR
        )
    )
    assert year_total == Decimal("100.00")
    assert services.ledger_verify() == []
