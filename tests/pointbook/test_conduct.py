"""Penalties and bonuses: the sweep prices no-shows and late cancellations once (and takes a
penalty back when a no-show is corrected), an upheld complaint costs points and is kept, and the
public rating link (random, expiring, usable once) brings a bonus or puts the record in front of
staff. After each scenario the ledger's invariants hold."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone, translation

from pointbook.conduct import services as conduct
from pointbook.ledger import rules, services
from pointbook.models import Complaint, ConductRule, LedgerEntry, PointsRule, PublicRating
from tests.factories import ShiftFactory
from volunteers.models import ServiceRecord, ServiceType, Signup
from volunteers.rota import services as rota_services

MORNING = datetime.time(9, 0)
# Sweeps at once, over this many no-shows: enough that one sweep overtakes another.
SWEEPERS, SWEPT = 4, 12


def _conduct_rule(event, *, fixed="0", times="0"):
    """The only version of `event`'s rule (the defaults the migrations add are replaced)."""
    ConductRule.objects.filter(event=event).delete()
    return ConductRule.objects.create(
        event=event, effective_from=datetime.date(2020, 1, 1), fixed_points=Decimal(fixed), times_points=Decimal(times)
    )


def _hotline_at_ten_points(world):
    """Hotline at 10 pts/h with no multiplier but the rural one (not used: venue A is a centre)."""
    PointsRule.objects.create(
        service_type=ServiceType.objects.get(code="hotline_12348"),
        effective_from=timezone.localdate() - datetime.timedelta(days=30),
        points_per_hour=Decimal("10"),
    )


def _past_signup(world, rota, *, days_ago=2, hours=3, contributor=None):
    """A confirmed sign-up on a `hours`-hour hotline shift at venue A, `days_ago` days ago at 09:00."""
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    starts_at = timezone.make_aware(datetime.datetime.combine(day, MORNING))
    shift = ShiftFactory(
        opportunity=rota.opportunity_a,
        venue=world.venue_a,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
    )
    return Signup.objects.create(
        shift=shift, contributor=contributor or world.lawyer_contributor, status=Signup.Status.CONFIRMED, seat=1
    )


def _mark(world, signup, attended):
    return rota_services.attendance_mark(actor=world.staff_a, scope=world.district_a, signup=signup, attended=attended)


def _approved_record(world, rota, **kw):
    record = _mark(world, _past_signup(world, rota, **kw), True)
    services.record_approve(actor=world.staff_a, scope=world.district_a, record=record)
    record.refresh_from_db()
    return record


def _entries(source, source_id=None):
    entries = LedgerEntry.objects.filter(source=source).order_by("id")
    return entries.filter(source_id=source_id) if source_id is not None else entries


# --- no-shows and late cancellations -------------------------------------------------------------


@pytest.mark.django_db
def test_a_no_show_costs_twice_the_shifts_points_once_and_a_correction_takes_it_back(world, rota):
    _hotline_at_ten_points(world)
    rule = _conduct_rule("no_show", times="-2")
    signup = _past_signup(world, rota)
    assert _mark(world, signup, False) is None
    assert conduct.conduct_sweep() == (1, 0)

    penalty = _entries("no_show", signup.pk).get()
    assert (penalty.kind, penalty.contributor, penalty.conduct_rule) == ("penalty", world.lawyer_contributor, rule)
    assert penalty.points == Decimal("-60.00")  # −2 × (3 h × 10 pts/h)
    assert penalty.effective_date == timezone.localdate(signup.shift.starts_at)
    with translation.override("en"):
        english = rules.explain(penalty.kind, penalty.breakdown)
    assert english.startswith("No-show") and "-2" in english and "30" in english and english.endswith("= -60")
    assert services.ledger_verify() == []

    # Sweeping again (the beat runs every ten minutes) posts nothing more.
    assert conduct.conduct_sweep() == (0, 0)
    assert conduct.conduct_sweep() == (0, 0)
    assert LedgerEntry.objects.count() == 1

    # Attendance corrected: the next sweep reverses the penalty, once.
    record = _mark(world, signup, True)
    assert record.status == ServiceRecord.Status.VERIFIED_ATTENDANCE
    assert conduct.conduct_sweep() == (0, 1)
    assert conduct.conduct_sweep() == (0, 0)
    entries = list(_entries("no_show", signup.pk))
    assert [e.kind for e in entries] == ["penalty", "reversal"] and entries[1].reverses == penalty
    assert sum(e.points for e in entries) == 0
    assert sum(e.points for e in LedgerEntry.objects.filter(contributor=world.lawyer_contributor)) == 0
    assert services.ledger_verify() == []

    # Approving the corrected record pays it as usual.
    assert services.record_approve(actor=world.staff_a, scope=world.district_a, record=record).points == Decimal("30")
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_a_no_show_marked_again_after_a_correction_is_penalised_again(world, rota):
    _hotline_at_ten_points(world)
    _conduct_rule("no_show", times="-2")
    signup = _past_signup(world, rota)
    _mark(world, signup, False)
    conduct.conduct_sweep()
    _mark(world, signup, True)
    conduct.conduct_sweep()
    _mark(world, signup, False)  # the record is withdrawn again
    assert conduct.conduct_sweep() == (1, 0)
    assert [e.kind for e in _entries("no_show", signup.pk)] == ["penalty", "reversal", "penalty"]
    assert sum(e.points for e in _entries("no_show", signup.pk)) == Decimal("-60.00")
    assert services.ledger_verify() == []


def _race(count, work):
    barrier = threading.Barrier(count)
    outcomes, lock = [], threading.Lock()

    def attempt():
        try:
            barrier.wait()
            result = work()
        except Exception as exc:  # noqa: BLE001 — any error is what the test must catch
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sweeps_running_at_once_post_one_penalty_each(world, rota):
    _hotline_at_ten_points(world)
    _conduct_rule("no_show", times="-2")
    signups = [_past_signup(world, rota, days_ago=d) for d in range(2, 2 + SWEPT)]
    for signup in signups:
        _mark(world, signup, False)

    outcomes = _race(SWEEPERS, conduct.conduct_sweep)
    assert len(outcomes) == SWEEPERS and [o for o in outcomes if isinstance(o, str)] == []
    duplicated = {s.pk: n for s in signups if (n := _entries("no_show", s.pk).count()) != 1}
    assert duplicated == {}, f"penalties per no-show: {duplicated}"
    assert LedgerEntry.objects.count() == SWEPT
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_a_late_cancellation_costs_the_late_cancel_penalty(world, rota):
    _hotline_at_ten_points(world)
    rule = _conduct_rule("late_cancel", fixed="-5", times="-0.5")
    _conduct_rule("no_show", times="-2")
    shift = rota.shift_a  # next week, 3 hours, lawyer confirmed; cancel deadline a day before
    on_time = _past_signup(world, rota)  # unrelated: attended, no penalty
    _mark(world, on_time, True)

    late = rota_services.signup_cancel(
        contributor=world.lawyer_contributor, signup=rota.signup_a, now=shift.starts_at - datetime.timedelta(hours=2)
    )
    assert late.status == Signup.Status.LATE_CANCELLED
    # other_lawyer gives up their place in time: no penalty.
    early = rota_services.signup_cancel(
        contributor=world.other_lawyer_contributor,
        signup=rota.signup_b,
        now=rota.shift_b.starts_at - datetime.timedelta(days=3),
    )
    assert early.status == Signup.Status.CANCELLED

    assert conduct.conduct_sweep() == (1, 0)
    penalty = LedgerEntry.objects.get()
    assert (penalty.source, penalty.source_id, penalty.kind, penalty.conduct_rule) == (
        "late_cancel",
        late.pk,
        "penalty",
        rule,
    )
    assert penalty.contributor == world.lawyer_contributor
    assert penalty.points == Decimal("-20.00")  # −5 − 0.5 × (3 h × 10 pts/h)
    assert conduct.conduct_sweep() == (0, 0)
    assert LedgerEntry.objects.count() == 1 and services.ledger_verify() == []


@pytest.mark.django_db
def test_without_a_rule_in_force_nothing_is_posted(world, rota):
    _hotline_at_ten_points(world)
    ConductRule.objects.all().delete()
    _mark(world, _past_signup(world, rota), False)
    rota_services.signup_cancel(
        contributor=world.lawyer_contributor,
        signup=rota.signup_a,
        now=rota.shift_a.starts_at - datetime.timedelta(hours=2),
    )
    assert conduct.conduct_sweep() == (0, 0)
    assert not LedgerEntry.objects.exists()

    # A rule from a later date does not reach back either.
    ConductRule.objects.create(
        event="no_show", effective_from=timezone.localdate() + datetime.timedelta(days=30), times_points=Decimal("-2")
    )
    assert conduct.conduct_sweep() == (0, 0)
    assert not LedgerEntry.objects.exists() and services.ledger_verify() == []


# --- complaints ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_upheld_complaint_posts_the_penalty_and_is_kept(world, rota, client_for):
    _hotline_at_ten_points(world)
    rule = _conduct_rule("complaint", fixed="-20", times="-1")
    record = _approved_record(world, rota)
    award = LedgerEntry.objects.get()

    # Staff of the other district cannot, and a complaint needs words.
    assert (
        client_for("staff_b").post(f"/staff/records/{record.pk}/complaint/", {"reason": "态度恶劣"}).status_code == 404
    )
    client = client_for("staff_a")
    client.post(f"/staff/records/{record.pk}/complaint/", {"reason": "  "})
    assert not Complaint.objects.exists() and LedgerEntry.objects.count() == 1

    response = client.post(
        f"/staff/records/{record.pk}/complaint/", {"reason": "当事人投诉：咨询中态度恶劣，经核实属实"}
    )
    assert response.status_code == 302 and response["Location"] == f"/staff/records/{record.pk}/"
    complaint = Complaint.objects.get()
    assert (complaint.contributor, complaint.record, complaint.region) == (
        world.lawyer_contributor,
        record,
        world.district_a,
    )
    assert complaint.reason == "当事人投诉：咨询中态度恶劣，经核实属实" and complaint.upheld_by == world.staff_a
    penalty = LedgerEntry.objects.get(source="complaint")
    assert (penalty.kind, penalty.source_id, penalty.conduct_rule, penalty.actor) == (
        "penalty",
        complaint.pk,
        rule,
        world.staff_a,
    )
    assert penalty.points == Decimal("-50.00")  # −20 − 1 × 30
    with translation.override("en"):
        english = rules.explain(penalty.kind, penalty.breakdown)
    assert english.startswith("Upheld complaint") and record.date.isoformat() in english
    assert "30" in english and "-20" in english and english.endswith("= -50")

    # The record keeps its award; the complaint shows on its page.
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.APPROVED
    assert list(LedgerEntry.objects.filter(source="service_record")) == [award]
    page = client.get(f"/staff/records/{record.pk}/")
    assert "当事人投诉：咨询中态度恶劣，经核实属实" in page.content.decode()
    assert services.ledger_verify() == []


# --- public ratings ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rating_links_are_only_for_the_owners_approved_records_and_are_random(world, rota):
    _hotline_at_ten_points(world)
    first = _approved_record(world, rota, days_ago=2)
    second = _approved_record(world, rota, days_ago=3)
    waiting = _mark(world, _past_signup(world, rota, days_ago=4), True)

    for contributor, record in ((world.lawyer_contributor, waiting), (world.other_lawyer_contributor, first)):
        with pytest.raises(ValidationError):
            conduct.rating_link(contributor=contributor, record=record)
    assert not PublicRating.objects.exists()

    one = conduct.rating_link(contributor=world.lawyer_contributor, record=first)
    two = conduct.rating_link(contributor=world.lawyer_contributor, record=second)
    assert len(one.token) >= 32 and len(two.token) >= 32 and one.token != two.token
    assert one.token.replace("-", "").replace("_", "").isalnum()
    assert conduct.rating_link(contributor=world.lawyer_contributor, record=first).token == one.token  # same link

    # Expired and unrated: showing it again gives a new token, and the old one stops working.
    later = one.expires_at + datetime.timedelta(minutes=1)
    renewed = conduct.rating_link(contributor=world.lawyer_contributor, record=first, now=later)
    assert renewed.pk == one.pk and renewed.token != one.token and renewed.expires_at > later
    with pytest.raises(ValidationError):
        conduct.rating_submit(token=one.token, score=5, now=later)


@pytest.mark.django_db
def test_a_good_rating_posts_the_bonus_once_and_an_expired_link_is_refused(world, rota):
    _hotline_at_ten_points(world)
    rule = _conduct_rule("good_rating", fixed="5", times="0.1")
    record = _approved_record(world, rota)
    rating = conduct.rating_link(contributor=world.lawyer_contributor, record=record)

    # Expired: refused, nothing recorded.
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        conduct.rating_submit(token=rating.token, score=5, now=rating.expires_at + datetime.timedelta(seconds=1))
    assert " ".join(refused.value.messages) == "This rating link has expired or does not exist."
    with pytest.raises(ValidationError):
        conduct.rating_submit(token=rating.token, score=6)
    rating.refresh_from_db()
    assert rating.score is None and not LedgerEntry.objects.filter(source="rating").exists()

    conduct.rating_submit(token=rating.token, score=5, comment="解答耐心")
    rating.refresh_from_db()
    assert rating.score == 5 and rating.comment == "解答耐心" and rating.rated_at is not None
    bonus = LedgerEntry.objects.get(source="rating")
    assert (bonus.kind, bonus.source_id, bonus.contributor, bonus.conduct_rule) == (
        "bonus",
        rating.pk,
        world.lawyer_contributor,
        rule,
    )
    assert bonus.points == Decimal("8.00")  # 5 + 0.1 × the record's 30

    # Once only.
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        conduct.rating_submit(token=rating.token, score=1)
    assert " ".join(refused.value.messages) == "This service has already been rated. Thank you."
    rating.refresh_from_db()
    record.refresh_from_db()
    assert rating.score == 5 and not record.flagged
    assert LedgerEntry.objects.filter(source="rating").count() == 1
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_a_poor_rating_flags_the_record_for_staff(world, rota, client_for):
    _hotline_at_ten_points(world)
    _conduct_rule("good_rating", fixed="5")
    poor = _approved_record(world, rota, days_ago=2)
    middling = _approved_record(world, rota, days_ago=3)
    conduct.rating_submit(token=conduct.rating_link(contributor=world.lawyer_contributor, record=poor).token, score=2)
    conduct.rating_submit(
        token=conduct.rating_link(contributor=world.lawyer_contributor, record=middling).token, score=3
    )
    poor.refresh_from_db()
    middling.refresh_from_db()
    assert poor.flagged and poor.flag_reason == "rating:2"
    assert not middling.flagged
    assert not LedgerEntry.objects.filter(source="rating").exists()  # neither earns the bonus

    queue = client_for("staff_a").get("/staff/records/").content.decode()
    assert 'id="flagged"' in queue
    flagged = queue.split('id="flagged"', 1)[1]
    assert f'href="/staff/records/{poor.pk}/"' in flagged and f"/staff/records/{middling.pk}/" not in flagged
    assert 'id="flagged"' not in client_for("staff_b").get("/staff/records/").content.decode()
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_the_public_rating_page_needs_no_account(world, rota, client_for):
    _hotline_at_ten_points(world)
    _conduct_rule("good_rating", fixed="5")
    record = _approved_record(world, rota)

    # The contributor shows the link from their record page.
    owner = client_for("lawyer")
    assert owner.post(f"/my/records/{record.pk}/rating-link/").status_code == 302
    rating = PublicRating.objects.get(record=record)
    assert f"/rate/{rating.token}/" in owner.get(f"/my/records/{record.pk}/").content.decode()
    assert client_for("other_lawyer").post(f"/my/records/{record.pk}/rating-link/").status_code == 404

    # The person served, on their own phone and network (not the lawyer's: see test_ratings.py).
    public = Client(REMOTE_ADDR="203.0.113.9")
    page = public.get(f"/rate/{rating.token}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="rate-form"' in body and world.lawyer_contributor.legal_name in body
    response = public.post(f"/rate/{rating.token}/", {"score": "4", "comment": "很专业"})
    assert response.status_code == 200 and 'id="rate-thanks"' in response.content.decode()
    rating.refresh_from_db()
    assert rating.score == 4 and rating.comment == "很专业"
    assert LedgerEntry.objects.get(source="rating").points == Decimal("5.00")

    again = public.post(f"/rate/{rating.token}/", {"score": "1"})
    assert again.status_code == 200 and 'id="rate-done"' in again.content.decode()
    rating.refresh_from_db()
    assert rating.score == 4 and LedgerEntry.objects.filter(source="rating").count() == 1

    assert public.get("/rate/no-such-token-0123456789abcdefghij/").status_code == 404
    other = _approved_record(world, rota, days_ago=5)
    expired = conduct.rating_link(contributor=world.lawyer_contributor, record=other)
    PublicRating.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert public.get(f"/rate/{expired.token}/").status_code == 404
    assert public.post(f"/rate/{expired.token}/", {"score": "5"}).status_code == 404
    assert LedgerEntry.objects.filter(source="rating").count() == 1
    assert services.ledger_verify() == []
