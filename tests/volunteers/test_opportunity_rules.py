"""Rules an opportunity asks for beyond a kind of contributor (e.g. the Chongqing 12348 rota: a
year in practice, no upheld complaint in three years, the firm's consent). Refusals name the rule;
a sign-up that needs consent holds its seat until an administrator of the person's firm decides
(never the person themselves); hand-overs obey the same rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from pointbook.models import Complaint
from tests.factories import ContributorFactory, MembershipFactory, ShiftFactory, UserFactory
from volunteers.models import Signup
from volunteers.rota import services as rota

DAY = datetime.timedelta(days=1)


def _years_ago(years, days=0):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


@pytest.fixture
def strict_shift(world):
    return ShiftFactory(venue=world.venue_a, capacity=2, min_years_in_practice=1, no_complaint_years=3)


def test_a_year_in_practice_is_counted_from_the_licence_date(world, strict_shift):
    person = world.lawyer_contributor
    person.licensed_on = _years_ago(1) + DAY  # one day short
    person.save()
    with pytest.raises(rota.SignupRefused) as refused, translation.override("zh-hans"):
        rota.signup_create(contributor=person, shift=strict_shift)
    assert refused.value.code == "min_years"
    assert "需执业满1年" in refused.value.message

    person.licensed_on = _years_ago(1)
    person.save()
    assert rota.signup_create(contributor=person, shift=strict_shift).status == Signup.Status.CONFIRMED


def test_no_licence_date_on_record_is_refused_and_says_what_to_do(world, strict_shift):
    with pytest.raises(rota.SignupRefused) as refused, translation.override("en"):
        rota.signup_create(contributor=world.lawyer_contributor, shift=strict_shift)
    assert refused.value.code == "min_years"
    assert "licence date is not on record" in refused.value.message


def test_an_upheld_complaint_within_the_years_refuses_and_an_older_one_does_not(world, strict_shift):
    person = world.lawyer_contributor
    person.licensed_on = _years_ago(10)
    person.save()
    complaint = Complaint.objects.create(
        contributor=person, region=world.district_a, date=_years_ago(3) + DAY, reason="未按时到岗"
    )
    with pytest.raises(rota.SignupRefused) as refused, translation.override("zh-hans"):
        rota.signup_create(contributor=person, shift=strict_shift)
    assert refused.value.code == "complaint"
    assert "3年" in refused.value.message and complaint.date.isoformat() in refused.value.message

    complaint.date = _years_ago(3, days=1)
    complaint.save()
    assert rota.signup_create(contributor=person, shift=strict_shift).status == Signup.Status.CONFIRMED


@pytest.fixture
def consent_shift(world):
    return ShiftFactory(venue=world.venue_a, capacity=1, firm_consent=True)


def test_a_sign_up_needing_consent_holds_the_seat_until_the_firm_admin_approves(world, consent_shift):
    signup = rota.signup_create(contributor=world.lawyer_contributor, shift=consent_shift)
    assert signup.status == Signup.Status.PENDING_CONSENT and signup.seat == 1
    assert signup.offer_expires_at == consent_shift.signup_deadline
    # The seat is held: the shift is full for everyone else.
    with pytest.raises(rota.ShiftFull):
        rota.signup_create(contributor=world.other_lawyer_contributor, shift=consent_shift)

    decided = rota.consent_decide(actor=world.firm_admin, signup=signup, approve=True)
    assert decided.status == Signup.Status.CONFIRMED and decided.seat == 1


def test_a_declined_consent_frees_the_seat_for_the_waiting_list(world, consent_shift):
    signup = rota.signup_create(contributor=world.lawyer_contributor, shift=consent_shift)
    other = ContributorFactory()
    MembershipFactory(contributor=other, organisation=world.firm_b)
    waiting = rota.signup_join_waitlist(contributor=other, shift=consent_shift)
    rota.consent_decide(actor=world.firm_admin, signup=signup, approve=False)
    signup.refresh_from_db()
    waiting.refresh_from_db()
    assert signup.status == Signup.Status.CONSENT_DECLINED and signup.seat is None
    assert waiting.status == Signup.Status.OFFERED and waiting.seat == 1


def test_only_the_persons_firm_admin_decides_and_never_on_their_own_sign_up(world, consent_shift):
    signup = rota.signup_create(contributor=world.lawyer_contributor, shift=consent_shift)
    other_firm_admin = UserFactory()
    world.firm_b.admins.add(other_firm_admin)
    with pytest.raises(ValidationError):
        rota.consent_decide(actor=other_firm_admin, signup=signup, approve=True)
    # The lawyer is made an admin of their own firm: still not theirs to decide.
    world.firm_a.admins.add(world.lawyer)
    with pytest.raises(ValidationError) as refused:
        rota.consent_decide(actor=world.lawyer, signup=signup, approve=True)
    assert "own" in refused.value.messages[0] or "自己" in refused.value.messages[0]
    assert Signup.objects.get(pk=signup.pk).status == Signup.Status.PENDING_CONSENT


def test_someone_with_no_firm_is_refused_a_shift_that_needs_consent(world, consent_shift):
    with pytest.raises(rota.SignupRefused) as refused:
        rota.signup_create(contributor=ContributorFactory(), shift=consent_shift)
    assert refused.value.code == "no_firm"


def test_consent_not_given_in_time_releases_the_seat(world, consent_shift):
    signup = rota.signup_create(contributor=world.lawyer_contributor, shift=consent_shift)
    assert rota.consents_expire(now=consent_shift.signup_deadline - DAY) == 0
    assert rota.consents_expire(now=consent_shift.signup_deadline) == 1
    assert rota.consents_expire(now=consent_shift.signup_deadline) == 0
    signup.refresh_from_db()
    assert signup.status == Signup.Status.CONSENT_DECLINED and signup.seat is None


def test_a_hand_over_obeys_the_rules_and_waits_for_the_takers_firm(world):
    shift = ShiftFactory(venue=world.venue_a, capacity=1, min_years_in_practice=1)
    giver = world.lawyer_contributor
    giver.licensed_on = _years_ago(5)
    giver.save()
    held = rota.signup_create(contributor=giver, shift=shift)
    junior = ContributorFactory(licensed_on=timezone.localdate() - 30 * DAY)
    MembershipFactory(contributor=junior, organisation=world.firm_a)
    handover = rota.handover_offer(contributor=giver, signup=held, audience="firm")

    with pytest.raises(rota.SignupRefused) as refused:
        rota.handover_accept(contributor=junior, handover=handover)
    assert refused.value.code == "min_years"

    # Now with the firm's consent required: the senior colleague's seat waits for the firm admin.
    shift.firm_consent = True
    shift.save(update_fields=["firm_consent"])
    senior = ContributorFactory(licensed_on=_years_ago(2))
    MembershipFactory(contributor=senior, organisation=world.firm_a)
    taken = rota.handover_accept(contributor=senior, handover=handover)
    assert taken.status == Signup.Status.PENDING_CONSENT and taken.seat == 1
    assert Signup.objects.get(pk=held.pk).status == Signup.Status.HANDED_OVER
    assert rota.consent_decide(actor=world.firm_admin, signup=taken, approve=True).status == Signup.Status.CONFIRMED


def test_publishing_the_opportunity_copies_its_rules_to_the_shifts_to_come(world):
    from tests.factories import opportunity_create

    opportunity = opportunity_create(venue=world.venue_a)
    shift = ShiftFactory(opportunity=opportunity, venue=world.venue_a)
    page = opportunity.specific
    page.min_years_in_practice, page.no_complaint_years, page.firm_consent = 1, 3, True
    page.save_revision().publish()
    shift.refresh_from_db()
    assert (shift.min_years_in_practice, shift.no_complaint_years, shift.firm_consent) == (1, 3, True)
