"""The ledger under random sequences of everything that moves points: staff approve, reject and
withdraw approvals, add a points rule version and re-score, the people served rate a record,
attendance is marked no-show (or corrected) and the conduct sweep prices it, appeals are resolved
with an adjustment (above the city's threshold: proposed by one member of staff, posted when a
second approves) or by approving a rejected record, and a contributor who is also staff tries to
decide on their own work (always refused, nothing changes). After every step:

- `ledger_verify()` finds nothing wrong;
- each person's balance as their points page shows it (`selectors.points_summary`) is the sum of
  their entries, for the lifetime and for each year;
- no person holds more on a day, in a service type, than the daily cap of the rule in force that day;
- right after a re-score, planning it again finds nothing left to change, and the re-score said how
  many entries it posted;
- no entry's contributor is the person who posted it (nobody decides on their own work).

The world is small on purpose: two lawyers with several shifts on the same two days, so the daily
caps bite and every re-score, withdrawal and re-approval moves points between records of one day.
Each example runs inside a savepoint that is rolled back at its end (the ledger refuses DELETE, so
rolling back is the only way to start the next example from the same world)."""

import datetime
import os
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from pointbook.conduct import appeals
from pointbook.conduct import services as conduct
from pointbook.ledger import rescore, selectors, services
from pointbook.ledger.rules import rule_in_force
from pointbook.models import Appeal, ConductRule, LedgerEntry, PointsRule, PublicRating
from tests.factories import ShiftFactory
from volunteers.models import ServiceRecord, ServiceType, Signup
from volunteers.rota import services as rota_services

H = datetime.timedelta(hours=1)
EARNED = services.EARNED_SOURCES

# Rule versions a re-score may add: few values, so that a record's points can go back and forth.
# Tenths of a point too (a rate of 10.3, a cap of 39.2, bonuses of a tenth of the service's points):
# SQLite sums decimals as floats, and the ledger must still come out exact to the cent there.
RATES = [Decimal("8"), Decimal("10"), Decimal("10.3"), Decimal("12")]
DAY_CAPS = [None, Decimal("30"), Decimal("39.2"), Decimal("40"), Decimal("60")]
YEAR_CAPS = [None, Decimal("100"), Decimal("150")]
NIGHT = [Decimal("1"), Decimal("1.5")]
# Days from the first service day on which a new version takes effect (+1 is the second day only).
VERSION_OFFSETS = [-20, -5, -1, 0, 1]
# Above 100 either way (the default threshold) an adjustment needs a second member of staff.
ADJUSTMENTS = [Decimal("-150"), Decimal("-15"), Decimal("-2.5"), Decimal("0.1"), Decimal("3"), Decimal("100.01")]

# PB_LEDGER_EXAMPLES=500 explores further (minutes); the default keeps the file well under a minute.
MACHINE_SETTINGS = settings(
    max_examples=int(os.environ.get("PB_LEDGER_EXAMPLES", "25")),
    stateful_step_count=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _build(world):
    """Shifts on two days for the lawyer and the other lawyer, most marked attended (records waiting
    for a decision), two left unmarked; a rule version with a daily cap from before those days, and
    penalty and bonus rules. Made once per test; each example starts from it."""
    first_day = timezone.localdate() - datetime.timedelta(days=3)
    second_day = first_day + datetime.timedelta(days=1)
    hotline = ServiceType.objects.get(code="hotline_12348")
    legal_aid = ServiceType.objects.get(code="legal_aid")
    lawyer, other = world.lawyer_contributor, world.other_lawyer_contributor
    plan = [  # (person, venue, type, start, hours, marked attended)
        (lawyer, world.venue_a, hotline, _at(first_day, 8), 3, True),
        (lawyer, world.venue_a, hotline, _at(first_day, 11), 3, True),
        (lawyer, world.venue_a, hotline, _at(first_day, 14), 3, True),
        (lawyer, world.venue_a, hotline, _at(first_day, 21), 2, True),  # night
        (lawyer, world.venue_a, hotline, _at(second_day, 9), 3, True),
        (lawyer, world.venue_a, hotline, _at(second_day, 14), 3, False),
        (other, world.venue_b, hotline, _at(first_day, 8), 3, True),
        (other, world.venue_b, hotline, _at(first_day, 12), 3, True),
        (other, world.venue_b, legal_aid, _at(first_day, 16), 3, True),
        (other, world.venue_b, legal_aid, _at(second_day, 10), 3, True),
        (other, world.venue_b, hotline, _at(second_day, 15), 2, False),
    ]
    signups = []
    for person, venue, service_type, start, hours, attended in plan:
        shift = ShiftFactory(venue=venue, service_type=service_type, starts_at=start, ends_at=start + hours * H)
        signup = Signup.objects.create(shift=shift, contributor=person, status=Signup.Status.CONFIRMED, seat=1)
        if attended:
            rota_services.attendance_mark(actor=world.city_staff, scope=world.city, signup=signup, attended=True)
        signups.append(signup)
    since = first_day - datetime.timedelta(days=30)
    PointsRule.objects.create(
        service_type=hotline,
        effective_from=since,
        points_per_hour=Decimal("10"),
        daily_cap=Decimal("40"),
        note="state machine",
    )
    PointsRule.objects.create(
        service_type=legal_aid,
        effective_from=since,
        points_per_hour=Decimal("12"),
        daily_cap=Decimal("50"),
        note="state machine",
    )
    ConductRule.objects.create(event=ConductRule.Event.NO_SHOW, effective_from=since, times_points=Decimal("-2"))
    ConductRule.objects.create(
        event=ConductRule.Event.GOOD_RATING,
        effective_from=since,
        fixed_points=Decimal("5"),
        times_points=Decimal("0.1"),
    )
    return {
        "first_day": first_day,
        "signups": [s.pk for s in signups],
        "people": [lawyer.pk, other.pk],
        "types": [hotline.pk, legal_aid.pk],
    }


def _total(entries):
    """The entries' points added up here, exactly: the test does not trust the database's SUM (on
    SQLite a float sum) for what it checks the application's sums against."""
    return sum(entries.values_list("points", flat=True), Decimal(0))


def _pick(candidates, index):
    candidates = list(candidates)
    return candidates[index % len(candidates)] if candidates else None


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, world, built):
        super().__init__()
        self.world, self.built = world, built
        self.staff, self.scope = world.city_staff, world.city
        self.first_day = built["first_day"]
        self.people = built["people"]
        self.rescored = None  # (service type ids, from date) of a re-score in the last step
        # Everything an example does is undone at its end (see teardown).
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- staff decisions -----------------------------------------------------------------------------

    def _records(self, *statuses):
        return ServiceRecord.objects.filter(contributor_id__in=self.people, status__in=statuses).order_by("pk")

    @rule(i=st.integers(0, 50))
    def approve(self, i):
        record = _pick(self._records(*ServiceRecord.WAITING), i)
        if record is None:
            return
        entry = services.record_approve(actor=self.staff, scope=self.scope, record=record)
        record.refresh_from_db()
        assert record.status == ServiceRecord.Status.APPROVED
        assert record.capped_out == (entry is None)

    @rule(i=st.integers(0, 50))
    def reject(self, i):
        record = _pick(self._records(*ServiceRecord.WAITING), i)
        if record is None:
            return
        services.record_reject(actor=self.staff, scope=self.scope, record=record, reason="记录不实")

    @rule(i=st.integers(0, 50))
    def unapprove(self, i):
        record = _pick(self._records(ServiceRecord.Status.APPROVED), i)
        if record is None:
            return
        services.record_unapprove(actor=self.staff, scope=self.scope, record=record, reason="重复登记")
        assert _total(LedgerEntry.objects.filter(source__in=EARNED, source_id=record.pk)) == 0

    # --- a new rule version, then re-scoring -----------------------------------------------------------

    @rule(
        type_index=st.integers(0, 1),
        offset=st.sampled_from(VERSION_OFFSETS),
        rate=st.sampled_from(RATES),
        day_cap=st.sampled_from(DAY_CAPS),
        year_cap=st.sampled_from(YEAR_CAPS),
        night=st.sampled_from(NIGHT),
    )
    def new_rule_and_rescore(self, type_index, offset, rate, day_cap, year_cap, night):
        service_type_id = self.built["types"][type_index]
        effective_from = self.first_day + datetime.timedelta(days=offset)
        # A version already starting that day: only re-score again (confirming twice).
        if not PointsRule.objects.filter(service_type_id=service_type_id, effective_from=effective_from).exists():
            PointsRule.objects.create(
                service_type_id=service_type_id,
                effective_from=effective_from,
                points_per_hour=rate,
                daily_cap=day_cap,
                yearly_cap=year_cap,
                night_holiday_multiplier=night,
                created_by=self.staff,
            )
        from_date = min(effective_from, self.first_day)
        for type_id in self.built["types"]:
            before = LedgerEntry.objects.count()
            posted = rescore.rescore_apply(actor=self.staff, service_type_id=type_id, from_date=from_date)
            assert LedgerEntry.objects.count() - before == posted, "re-scoring counted entries it did not post"
        self.rescored = (self.built["types"], from_date)

    # --- ratings, no-shows, appeals ------------------------------------------------------------------

    @rule(i=st.integers(0, 50), score=st.integers(1, 5))
    def rate(self, i, score):
        unrated = self._records(ServiceRecord.Status.APPROVED).exclude(rating__score__isnull=False)
        record = _pick(unrated, i)
        if record is None:
            return
        link = conduct.rating_link(contributor=record.contributor, record=record)
        conduct.rating_submit(token=link.token, score=score)
        assert PublicRating.objects.get(record=record).score == score

    @rule(i=st.integers(0, 50), attended=st.booleans())
    def mark_attendance_and_sweep(self, i, attended):
        """A no-show (or a correction back to attended) on a past shift, then the penalty sweep."""
        decided = ServiceRecord.objects.filter(
            status__in=[ServiceRecord.Status.APPROVED, ServiceRecord.Status.REJECTED]
        ).values("signup_id")
        signup = _pick(Signup.objects.filter(pk__in=self.built["signups"]).exclude(pk__in=decided).order_by("pk"), i)
        if signup is None:
            return
        rota_services.attendance_mark(actor=self.staff, scope=self.scope, signup=signup, attended=attended)
        conduct.conduct_sweep()
        standing = LedgerEntry.objects.filter(
            source=LedgerEntry.Source.NO_SHOW,
            source_id=signup.pk,
            kind=LedgerEntry.Kind.PENALTY,
            reversed_by__isnull=True,
        )
        assert standing.count() == (0 if attended else 1)

    @rule(i=st.integers(0, 200), points=st.sampled_from(ADJUSTMENTS))
    def appeal_an_entry_adjusted(self, i, points):
        entry = _pick(
            LedgerEntry.objects.filter(contributor_id__in=self.people)
            .exclude(kind=LedgerEntry.Kind.REVERSAL)
            .order_by("pk"),
            i,
        )
        if entry is None:
            return
        appeal = appeals.appeal_open(
            user=entry.contributor.user, contributor=entry.contributor, entry=entry, body="积分算错了"
        )
        resolved = self._adjust(appeal, points)
        assert resolved.status == Appeal.Status.ADJUSTED and resolved.resolution.points == points

    def _adjust(self, appeal, points):
        before = LedgerEntry.objects.count()
        resolved = appeals.appeal_adjust(
            actor=self.staff, scope=self.scope, appeal=appeal, points=points, reason="调整"
        )
        if abs(points) <= 100:
            return resolved
        # Proposed only: nothing posts until someone else approves; the proposer cannot.
        assert resolved.status == Appeal.Status.OPEN and LedgerEntry.objects.count() == before
        with pytest.raises(ValidationError):
            appeals.appeal_adjust_approve(actor=self.staff, scope=self.scope, appeal=appeal)
        # The district's staff are the second pair of eyes.
        world = self.world
        second, scope = (
            (world.staff_a, world.district_a)
            if world.district_a.contains(appeal.region)
            else (world.staff_b, world.district_b)
        )
        return appeals.appeal_adjust_approve(actor=second, scope=scope, appeal=appeal)

    @rule(i=st.integers(0, 50), action=st.sampled_from(["approve", "reject", "unapprove", "adjust"]))
    def someone_decides_on_their_own_work(self, i, action):
        """The lawyer acts with the city's scope (as if they were staff too): every decision on their
        own work is refused and changes nothing."""
        lawyer, user = self.world.lawyer_contributor, self.world.lawyer_contributor.user
        status = ServiceRecord.Status.APPROVED if action == "unapprove" else ServiceRecord.Status.VERIFIED_ATTENDANCE
        record = _pick(ServiceRecord.objects.filter(contributor=lawyer, status=status).order_by("pk"), i)
        entry = LedgerEntry.objects.filter(contributor=lawyer).exclude(appeals__status="open").order_by("pk").first()
        if record is None or (action == "adjust" and entry is None):
            return
        savepoint = transaction.savepoint()  # the appeal opened for the attempt goes again
        try:
            appeal = (
                appeals.appeal_open(user=user, contributor=lawyer, entry=entry, body="加分")
                if action == "adjust"
                else None
            )
            before = (LedgerEntry.objects.count(), list(ServiceRecord.objects.order_by("pk").values_list("status")))
            with pytest.raises(ValidationError, match="自己|own work"):
                if action == "approve":
                    services.record_approve(actor=user, scope=self.scope, record=record)
                elif action == "reject":
                    services.record_reject(actor=user, scope=self.scope, record=record, reason="自己驳回")
                elif action == "unapprove":
                    services.record_unapprove(actor=user, scope=self.scope, record=record, reason="自己撤回")
                else:
                    appeals.appeal_adjust(actor=user, scope=self.scope, appeal=appeal, points=5, reason="自己调整")
            assert (
                LedgerEntry.objects.count(),
                list(ServiceRecord.objects.order_by("pk").values_list("status")),
            ) == before
        finally:
            transaction.savepoint_rollback(savepoint)

    @rule(i=st.integers(0, 50), points=st.sampled_from(ADJUSTMENTS), approve=st.booleans())
    def appeal_a_rejection(self, i, points, approve):
        record = _pick(self._records(ServiceRecord.Status.REJECTED), i)
        if record is None:
            return
        appeal = appeals.appeal_open(
            user=record.contributor.user, contributor=record.contributor, record=record, body="我确实提供了服务"
        )
        if approve:
            appeals.appeal_approve_record(actor=self.staff, scope=self.scope, appeal=appeal, reason="核实无误")
            record.refresh_from_db()
            assert record.status == ServiceRecord.Status.APPROVED
        else:
            self._adjust(appeal, points)

    # --- what must hold after every step -------------------------------------------------------------

    @invariant()
    def ledger_verifies(self):
        assert services.ledger_verify() == []

    @invariant()
    def balances_are_the_sum_of_entries(self):
        for person in (self.world.lawyer_contributor, self.world.other_lawyer_contributor):
            by_year = defaultdict(Decimal)
            for day, points in LedgerEntry.objects.filter(contributor=person).values_list("effective_date", "points"):
                by_year[day.year] += points
            summary = selectors.points_summary(person)
            assert summary["lifetime"] == sum(by_year.values(), Decimal(0))
            assert summary["year_points"] == by_year.pop(summary["year"], Decimal(0))
            for year, points in by_year.items():  # the service days fall in last year in early January
                assert selectors.points_summary(person, year=year)["year_points"] == points

    @invariant()
    def no_day_holds_more_than_its_cap(self):
        totals = defaultdict(Decimal)
        for *key, points in LedgerEntry.objects.filter(contributor_id__in=self.people, source__in=EARNED).values_list(
            "contributor_id", "service_type_id", "effective_date", "points"
        ):
            totals[tuple(key)] += points
        for (person, service_type_id, day), total in totals.items():
            rule = rule_in_force(service_type_id, day)
            assert total >= 0, (person, day, total)
            if rule.daily_cap is not None:
                assert total <= rule.daily_cap, (person, day, total, rule.daily_cap)

    @invariant()
    def nobody_posted_an_entry_for_themselves(self):
        assert not LedgerEntry.objects.filter(actor_id=F("contributor__user_id")).exists()

    @invariant()
    def a_rescore_leaves_nothing_to_rescore(self):
        if self.rescored is None:
            return
        service_type_ids, from_date = self.rescored
        self.rescored = None
        for service_type_id in service_type_ids:
            left = list(rescore.rescore_plan(service_type_id=service_type_id, from_date=from_date))
            assert left == [], [(c.record_id, c.current, c.target) for c in left]


@pytest.mark.django_db
def test_the_ledger_holds_under_random_decisions_rescoring_ratings_no_shows_and_appeals(world):
    built = _build(world)
    assert services.ledger_verify() == []
    run_state_machine_as_test(lambda: LedgerMachine(world, built), settings=MACHINE_SETTINGS)
    # Every example was rolled back: the world is as it was built.
    assert not LedgerEntry.objects.exists()
    assert not ServiceRecord.objects.filter(status=ServiceRecord.Status.APPROVED).exists()


# --- SQLite sums decimals as floats: every sum shown or compared is exact to the cent -----------------


@pytest.mark.django_db
def test_ledger_verify_finds_nothing_wrong_with_tenths_of_points(world):
    """On SQLite the ledger's total sums to -0.400000000000006 here, the per-person totals to -0.4:
    the totals check must compare them to the cent (it once compared them exactly)."""
    built = _build(world)
    day = built["first_day"]
    for person, points in ((world.lawyer_contributor, "12.30"), (world.other_lawyer_contributor, "-72.70")):
        record = (
            ServiceRecord.objects.filter(contributor=person, date=day, status__in=ServiceRecord.WAITING)
            .order_by("started_at")
            .first()
        )
        award = services.record_approve(actor=world.city_staff, scope=world.city, record=record)
        assert award.points == Decimal("30.00")
        appeal = appeals.appeal_open(user=person.user, contributor=person, entry=award, body="积分算错了")
        appeals.appeal_adjust(
            actor=world.city_staff, scope=world.city, appeal=appeal, points=points, reason="核实后调整"
        )

    assert selectors.points_summary(world.lawyer_contributor)["lifetime"] == Decimal("42.30")
    assert selectors.points_summary(world.other_lawyer_contributor)["lifetime"] == Decimal("-42.70")
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_rescoring_by_tenths_of_points_leaves_nothing_to_rescore(world):
    """Two records on one day under a day cap of 40 (30 + 10); the cap lowered to 39.20, then 30.10:
    the second record holds 9.20, then 0.10, and a re-score right after finds nothing to do."""
    built = _build(world)
    day, hotline = built["first_day"], built["types"][0]
    first, second = ServiceRecord.objects.filter(
        contributor=world.lawyer_contributor, service_type_id=hotline, date=day
    ).order_by("started_at")[:2]
    for record in (first, second):
        services.record_approve(actor=world.city_staff, scope=world.city, record=record)
    for n, (cap, held) in enumerate((("39.20", "9.20"), ("30.10", "0.10"))):
        PointsRule.objects.create(
            service_type_id=hotline,
            effective_from=day - datetime.timedelta(days=9 - n),
            points_per_hour=Decimal("10"),
            daily_cap=Decimal(cap),
        )
        assert rescore.rescore_apply(actor=world.city_staff, service_type_id=hotline, from_date=day) == 1
        assert list(rescore.rescore_plan(service_type_id=hotline, from_date=day)) == [], f"cap {cap}"
        assert rescore.rescore_apply(actor=world.city_staff, service_type_id=hotline, from_date=day) == 0
        [mine] = [r for r in selectors.records_of(world.lawyer_contributor) if r.pk == second.pk]
        assert mine.points == Decimal(held)
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_the_balance_is_exact_to_the_cent(world):
    built = _build(world)
    person = world.lawyer_contributor
    record = ServiceRecord.objects.filter(contributor=person, date=built["first_day"]).order_by("started_at").first()
    award = services.record_approve(actor=world.city_staff, scope=world.city, record=record)
    appeal = appeals.appeal_open(user=person.user, contributor=person, entry=award, body="积分算错了")
    appeals.appeal_adjust(actor=world.city_staff, scope=world.city, appeal=appeal, points="-29.70", reason="核实后调整")

    assert selectors.points_summary(person)["lifetime"] == Decimal("0.30")
