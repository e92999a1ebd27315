"""Rewards: what a person can spend, what they can get and why not, requests and their decisions,
hand-over with the pick-up code, refunds, expiry — and earned figures that spending never touches."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from core.models import AuditEntry
from pointbook.firm_record.selectors import firm_record
from pointbook.incentives import selectors
from pointbook.incentives import services as incentives
from pointbook.ledger.selectors import entries_for, points_summary
from pointbook.ledger.services import ledger_verify
from pointbook.models import (
    Complaint,
    LedgerEntry,
    LedgerTotal,
    Redemption,
    Reward,
    RewardQualification,
    RewardsPolicy,
    RewardsWallet,
    Standing,
)
from pointbook.reports.data import report_figures
from pointbook.standings.services import standings_refresh
from tests.factories import ContributorFactory, StaffProfileFactory
from tests.support.ledger import post

D = Decimal
Status = Redemption.Status


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English (Chinese is the default language)."""
    with translation.override("en"):
        yield


def _reward(region, venue=None, **kw):
    values = {
        "kind": "material",
        "title_zh": "法律实务培训名额",
        "title_en": "Training place",
        "region": region,
        "cost": D("50"),
        "stock": 3,
        "venue": venue,
        "valid_from": date(2020, 1, 1),
    }
    values.update(kw)
    if values["kind"] == "policy":
        values.update(stock=None, venue=None, needs_approval=True)
    return Reward.objects.create(**values)


def _ask(person, reward):
    return incentives.redemption_request(user=person.user, contributor=person, reward_id=reward.pk)


def _balance(person):
    return selectors.balance_of(person.pk).available


def _policy(**values):
    policy = RewardsPolicy.current()
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()
    return policy


# --- Earned figures never move ----------------------------------------------------------------------


def _earned_figures(world, year):
    lawyer = world.lawyer_contributor
    snapshot = standings_refresh(year)
    record = firm_record(world.firm_a, year)
    figures = report_figures(world.city, kind="annual", year=year, snapshot=snapshot)
    return {
        "my points": points_summary(lawyer, year=year),
        "my entries": list(entries_for(lawyer).values_list("pk", flat=True)),
        "standings": sorted(
            Standing.objects.filter(snapshot=snapshot).values_list("scope", "contributor_id", "rank", "points", "hours")
        ),
        "firm": [(m.contributor_id, m.hours, m.points, m.stars, m.hours_to_year_end) for m in record.members]
        + [record.hours, record.points],
        "report": (figures.totals, figures.by_period.to_dict(), figures.by_kind.to_dict()),
        "totals": sorted(LedgerTotal.objects.values_list("contributor_id", "year", "service_type", "points", "hours")),
    }


@pytest.mark.django_db
def test_spending_refunds_and_expiry_leave_every_earned_figure_unchanged(world):
    lawyer, other = world.lawyer_contributor, world.other_lawyer_contributor
    today = timezone.localdate()
    year = today.year
    post(lawyer, today.replace(month=1, day=2), "20", "200")
    post(lawyer, date(year - 4, 3, 1), "10", "100")  # expires under a three-year rule
    post(other, today.replace(month=1, day=3), "5", "50")
    before = _earned_figures(world, year)

    reward = _reward(world.district_a, world.venue_a)
    kept = _ask(lawyer, reward)
    cancelled = _ask(lawyer, reward)
    incentives.redemption_cancel(user=world.lawyer, contributor=lawyer, redemption_id=cancelled.pk)
    _policy(expiry="years", expiry_years=3)
    posted, points = incentives.points_expire(today=today)
    assert (posted, points) == (1, D("50.00"))  # the old 100, less the 50 spent first-in first-out

    assert LedgerEntry.objects.spending().count() == 4  # two debits, a refund, an expiry
    assert _earned_figures(world, year) == before
    assert _balance(lawyer) == D("200")  # 300 earned − 50 kept − 50 expired
    assert kept.status == Status.READY
    assert ledger_verify() == []


# --- Balance, expiry first-in first-out --------------------------------------------------------------


@pytest.mark.django_db
def test_spending_uses_the_points_that_expire_soonest_and_expiry_posts_only_what_was_left(world):
    lawyer = world.lawyer_contributor
    today = date(2026, 6, 1)
    _policy(expiry="next_year_end")
    post(lawyer, date(2024, 5, 1), "1", "30")  # valid until 2025-12-31: expired
    post(lawyer, date(2025, 5, 1), "1", "40")  # valid until 2026-12-31
    post(lawyer, date(2026, 2, 1), "1", "50")  # valid until 2027-12-31

    balance = selectors.balance_of(lawyer.pk, today=today)
    assert balance.available == D("90") and balance.due == D("30")
    assert [(lot.valid_until, lot.points) for lot in balance.lots] == [
        (date(2026, 12, 31), D("40")),
        (date(2027, 12, 31), D("50")),
    ]

    assert incentives.points_expire(today=today) == (1, D("30.00"))
    assert incentives.points_expire(today=today) == (0, D("0"))  # a rerun posts nothing
    entry = LedgerEntry.objects.get(kind="expiry")
    assert entry.points == D("-30") and entry.effective_date == today

    # A reward of 60 takes the 40 expiring this year and 20 of next year's.
    RewardsWallet.objects.filter(pk=lawyer.pk).update(spent=D("60"))  # as a debit of 60 would
    balance = selectors.balance_of(lawyer.pk, today=today)
    assert [(lot.valid_until, lot.points) for lot in balance.lots] == [(date(2027, 12, 31), D("30"))]
    assert incentives.points_expire(today=date(2027, 1, 5)) == (0, D("0"))  # nothing of 2025 left to expire


@pytest.mark.django_db
def test_bonus_and_adjustment_points_are_spendable_only_if_the_city_says_so(world):
    lawyer = world.lawyer_contributor
    today = timezone.localdate()
    post(lawyer, today, "1", "10")
    post(lawyer, today, None, "5", kind=LedgerEntry.Kind.BONUS, source=LedgerEntry.Source.RATING)
    post(lawyer, today, None, "7", kind=LedgerEntry.Kind.ADJUSTMENT, source=LedgerEntry.Source.APPEAL)
    post(lawyer, today, None, "-3", kind=LedgerEntry.Kind.PENALTY, source=LedgerEntry.Source.NO_SHOW)
    _policy(bonus_spendable=True, adjustment_spendable=False)
    assert _balance(lawyer) == D("12")
    _policy(bonus_spendable=False, adjustment_spendable=True)
    assert _balance(lawyer) == D("14")
    assert points_summary(lawyer)["lifetime"] == D("19")  # earned counts them all


# --- What a person can get, and why not --------------------------------------------------------------


@pytest.mark.django_db
def test_the_catalogue_says_why_not(world, client_for):
    lawyer = world.lawyer_contributor
    post(lawyer, timezone.localdate(), "120", "60")  # 120 h: one star
    stars = _reward(world.district_a, world.venue_a, title_zh="两星培训", title_en="Two-star training", min_stars=2)
    gone = _reward(world.district_a, world.venue_a, title_zh="已兑完", title_en="Sold out", stock=0)
    dear = _reward(world.district_a, world.venue_a, title_zh="昂贵", title_en="Dear", cost=D("100"))
    once = _reward(
        world.district_a, world.venue_a, title_zh="每年一次", title_en="Once", cost=D("5"), per_person_per_year=1
    )
    lawyers = _reward(
        world.district_a, world.venue_a, title_zh="公证员专享", title_en="Notaries", contributor_kinds=["notary"]
    )
    clean = _reward(
        world.district_a, world.venue_a, title_zh="无投诉", title_en="Clean", cost=D("1"), good_standing=True
    )
    _reward(world.district_b, world.venue_b, title_zh="卫东区专享", title_en="District B only")
    _ask(lawyer, once)
    Complaint.objects.create(contributor=lawyer, region=world.district_a, date=timezone.localdate(), reason="迟到")

    page = client_for("lawyer").get(reverse("my_rewards")).content.decode()  # in Chinese, the default
    with translation.override("zh-hans"):
        for reason in (
            ngettext("needs %(n)d star", "needs %(n)d stars", 2) % {"n": 2},
            gettext("out of stock"),
            gettext("needs %(points)s more points") % {"points": "45"},  # 55 left
            gettext("limit reached this year"),
            gettext("not open to your kind of contributor"),
            gettext("needs good standing: no upheld complaint this year"),
        ):
            assert reason in page, reason
    assert "卫东区专享" not in page  # not of the lawyer's region
    for reward in (stars, gone, dear, once, lawyers, clean):
        with pytest.raises(ValidationError):
            _ask(lawyer, reward)
    assert Redemption.objects.count() == 1


@pytest.mark.django_db
def test_another_regions_reward_cannot_be_requested(world):
    post(world.lawyer_contributor, timezone.localdate(), "1", "100")
    reward_b = _reward(world.district_b, world.venue_b)
    with pytest.raises(ValidationError, match="not available"):
        _ask(world.lawyer_contributor, reward_b)
    assert reward_b.redemptions.count() == 0


# --- Requests, decisions, hand-over, refunds ---------------------------------------------------------


@pytest.mark.django_db
def test_a_request_debits_takes_stock_and_is_audited_and_cancelling_gives_both_back(world):
    lawyer = world.lawyer_contributor
    post(lawyer, timezone.localdate(), "1", "100")
    reward = _reward(world.district_a, world.venue_a)
    redemption = _ask(lawyer, reward)
    reward.refresh_from_db()
    assert (reward.stock, _balance(lawyer), redemption.status) == (2, D("50"), Status.READY)
    assert len(redemption.code) == 8 and redemption.pickup_until > timezone.now()
    assert AuditEntry.objects.filter(action="redemption_request", object_id=str(redemption.pk)).exists()

    incentives.redemption_cancel(user=world.lawyer, contributor=lawyer, redemption_id=redemption.pk)
    reward.refresh_from_db()
    redemption.refresh_from_db()
    assert (reward.stock, _balance(lawyer), redemption.status) == (3, D("100"), Status.CANCELLED)
    with pytest.raises(ValidationError):  # twice: nothing more comes back
        incentives.redemption_cancel(user=world.lawyer, contributor=lawyer, redemption_id=redemption.pk)
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert ledger_verify() == []


@pytest.mark.django_db
def test_someone_else_cannot_cancel_my_request(world):
    post(world.lawyer_contributor, timezone.localdate(), "1", "100")
    redemption = _ask(world.lawyer_contributor, _reward(world.district_a, world.venue_a))
    with pytest.raises(ValidationError):
        incentives.redemption_cancel(
            user=world.other_lawyer, contributor=world.other_lawyer_contributor, redemption_id=redemption.pk
        )
    redemption.refresh_from_db()
    assert redemption.status == Status.READY


@pytest.mark.django_db
def test_staff_hand_over_with_the_code_once_and_wrong_used_or_expired_codes_say_so(world):
    lawyer = world.lawyer_contributor
    post(lawyer, timezone.localdate(), "1", "200")
    reward = _reward(world.district_a, world.venue_a)
    first, late = _ask(lawyer, reward), _ask(lawyer, reward)

    with pytest.raises(ValidationError, match="No reward"):
        incentives.redemption_hand_over(actor=world.staff_a, scope=world.district_a, code="ZZZZ2222")
    with pytest.raises(ValidationError, match="No reward"):  # another district's staff
        incentives.redemption_hand_over(actor=world.staff_b, scope=world.district_b, code=first.code)
    code = f"{first.code[:4].lower()}-{first.code[4:]}"  # typed in lower case with a dash
    done = incentives.redemption_hand_over(actor=world.staff_a, scope=world.district_a, code=code)
    assert (done.status, done.handed_over_by) == (Status.FULFILLED, world.staff_a)
    with pytest.raises(ValidationError, match="Already handed over"):
        incentives.redemption_hand_over(actor=world.staff_a, scope=world.district_a, code=first.code)

    Redemption.objects.filter(pk=late.pk).update(pickup_until=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="expired"):
        incentives.redemption_hand_over(actor=world.staff_a, scope=world.district_a, code=late.code)
    assert incentives.uncollected_expire() == 1
    late.refresh_from_db()
    reward.refresh_from_db()
    assert (late.status, reward.stock, _balance(lawyer)) == (Status.EXPIRED, 2, D("150"))
    assert ledger_verify() == []


@pytest.mark.django_db
def test_nobody_hands_over_approves_or_grants_their_own_reward(world):
    staff_person = ContributorFactory(region=world.district_a)
    StaffProfileFactory(user=staff_person.user, region=world.district_a)
    post(staff_person, timezone.localdate(), "1", "200")
    ready = _ask(staff_person, _reward(world.district_a, world.venue_a))
    pending = _ask(staff_person, _reward(world.district_a, world.venue_a, needs_approval=True))
    with pytest.raises(ValidationError, match="your own"):
        incentives.redemption_hand_over(actor=staff_person.user, scope=world.district_a, code=ready.code)
    with pytest.raises(ValidationError, match="your own"):
        incentives.redemption_decide(
            actor=staff_person.user, scope=world.district_a, redemption_id=pending.pk, approve=True
        )
    assert set(Redemption.objects.values_list("status", flat=True)) == {Status.READY, Status.PENDING}
    incentives.redemption_decide(actor=world.staff_a, scope=world.district_a, redemption_id=pending.pk, approve=True)
    pending.refresh_from_db()
    assert pending.status == Status.READY and pending.decided_by == world.staff_a


@pytest.mark.django_db
def test_policy_support_is_granted_or_refused_with_a_reason_and_refused_points_come_back(world):
    lawyer = world.lawyer_contributor
    post(lawyer, timezone.localdate(), "1", "100")
    priority = _reward(world.district_a, kind="policy", title_zh="优先参与政府购买法律服务", cost=D("0"))
    subsidy = _reward(world.district_a, kind="policy", title_zh="培训费补贴", cost=D("30"))
    a, b = _ask(lawyer, priority), _ask(lawyer, subsidy)
    assert a.status == b.status == Status.PENDING and _balance(lawyer) == D("70")
    with pytest.raises(ValidationError):  # other district's staff
        incentives.redemption_decide(actor=world.staff_b, scope=world.district_b, redemption_id=a.pk, approve=True)
    incentives.redemption_decide(actor=world.staff_a, scope=world.district_a, redemption_id=a.pk, approve=True)
    with pytest.raises(ValidationError, match="Say why"):
        incentives.redemption_decide(actor=world.staff_a, scope=world.district_a, redemption_id=b.pk, approve=False)
    incentives.redemption_decide(
        actor=world.staff_a, scope=world.district_a, redemption_id=b.pk, approve=False, reason="本年度名额已满"
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status, b.reason, _balance(lawyer)) == (
        Status.GRANTED,
        Status.REJECTED,
        "本年度名额已满",
        D("100"),
    )
    assert not LedgerEntry.objects.filter(source="redemption", source_id=a.pk).exists()  # free: no entry
    assert ledger_verify() == []


@pytest.mark.django_db
def test_staff_mark_who_qualifies_for_policy_support_and_they_see_it_on_my_points(world, client_for):
    lawyer, other_a = world.lawyer_contributor, world.applicant_a
    post(lawyer, timezone.localdate(), "320", "100")  # two stars
    post(other_a, timezone.localdate(), "50", "100")
    recommend = _reward(
        world.district_a,
        kind="policy",
        title_zh="推荐参评省级表彰",
        title_en="Recommendation",
        cost=D("0"),
        min_stars=2,
    )
    assert incentives.qualifiers_mark(actor=world.staff_a, scope=world.district_a, reward=recommend) == 1
    assert incentives.qualifiers_mark(actor=world.staff_a, scope=world.district_a, reward=recommend) == 0
    assert list(RewardQualification.objects.values_list("contributor_id", flat=True)) == [lawyer.pk]
    with pytest.raises(ValidationError):
        incentives.qualifiers_mark(actor=world.staff_b, scope=world.district_b, reward=recommend)
    page = client_for("lawyer").get(reverse("my_points")).content.decode()
    assert "推荐参评省级表彰" in page


@pytest.mark.django_db
def test_my_rewards_shows_balance_expiry_and_requests_and_the_ready_request_its_code_and_qr(world, client_for):
    lawyer = world.lawyer_contributor
    _policy(expiry="years", expiry_years=3)
    post(lawyer, timezone.localdate(), "1", "80")
    redemption = _ask(lawyer, _reward(world.district_a, world.venue_a))
    client = client_for("lawyer")
    page = client.get(reverse("my_rewards")).content.decode()
    assert 'id="spendable"><strong>30' in page
    assert "法律实务培训名额" in page
    detail = client.get(reverse("my_redemption", args=[redemption.pk])).content.decode()
    assert redemption.code in detail and "<svg" in detail
