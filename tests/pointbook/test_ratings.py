"""A good public rating's bonus, as a bureau can trust it: a rating sent from a browser or network
address the contributor has used signed in (noted, hashed, when they sign in and when they show the
link) is recorded but its bonus waits for staff of the region, who confirm (posted once, through the
ledger) or decline it — never for themselves; a stranger's rating earns the bonus at once; and rating
bonuses stop at the yearly cap."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pointbook.conduct import services as conduct
from pointbook.conduct import sightings
from pointbook.ledger import services as points
from pointbook.models import ConductRule, LedgerEntry, PointsRule, PublicRating, Sighting
from tests.factories import PASSWORD, ShiftFactory, StaffProfileFactory
from tests.support.i18n import zh
from volunteers.models import AuditEntry, ServiceRecord, ServiceType, Signup
from volunteers.rota import services as rota_services

STRANGER, LAWYERS_HOME = "203.0.113.9", "198.51.100.20"


@pytest.fixture
def bonus_rule(world):
    """A good rating earns 5 points (the only version of the rule)."""
    ConductRule.objects.filter(event="good_rating").delete()
    return ConductRule.objects.create(
        event="good_rating", effective_from=datetime.date(2020, 1, 1), fixed_points=Decimal("5")
    )


def _approved(world, rota, days_ago=2, *, side="a"):
    """An approved hotline shift of `days_ago` days ago: the lawyer's in district A, or (side "b") the
    other lawyer's in district B."""
    venue, opportunity, person, staff, district = (
        (world.venue_a, rota.opportunity_a, world.lawyer_contributor, world.staff_a, world.district_a)
        if side == "a"
        else (world.venue_b, rota.opportunity_b, world.other_lawyer_contributor, world.staff_b, world.district_b)
    )
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
    shift = ShiftFactory(
        opportunity=opportunity, venue=venue, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2)
    )
    signup = Signup.objects.create(shift=shift, contributor=person, status=Signup.Status.CONFIRMED, seat=1)
    record = rota_services.attendance_mark(actor=staff, scope=district, signup=signup, attended=True)
    if not PointsRule.objects.filter(service_type_id=record.service_type_id).exists():
        PointsRule.objects.create(
            service_type=ServiceType.objects.get(pk=record.service_type_id),
            effective_from=datetime.date(2020, 1, 1),
            points_per_hour=Decimal("10"),
        )
    points.record_approve(actor=staff, scope=district, record=record)
    return ServiceRecord.objects.get(pk=record.pk)


def _lawyer_shows_the_link(world, record, *, address=LAWYERS_HOME):
    """The lawyer, signed in at `address`, asks for the rating link and opens the record page to show
    it. Returns their browser and the link's token."""
    browser = Client(REMOTE_ADDR=address)
    browser.force_login(world.lawyer)
    assert browser.post(reverse("rating_link", args=[record.pk])).status_code == 302
    page = browser.get(reverse("my_record", args=[record.pk]))
    assert 'id="rating-rule"' in page.content.decode()
    return browser, PublicRating.objects.get(record=record).token


def _rate(client, token, score=5):
    response = client.post(reverse("rate", args=[token]), {"score": str(score), "comment": "很耐心"})
    assert response.status_code == 200 and 'id="rate-thanks"' in response.content.decode()
    return PublicRating.objects.get(token=token)


def _bonuses(contributor):
    return LedgerEntry.objects.filter(contributor=contributor, source=LedgerEntry.Source.RATING)


# --- who rated -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_lawyer_rating_their_own_service_signed_out_in_their_own_browser_earns_no_bonus_yet(
    world, rota, bonus_rule
):
    record = _approved(world, rota)
    browser, token = _lawyer_shows_the_link(world, record)
    assert browser.cookies[sightings.DEVICE_COOKIE]["httponly"]

    # Signed out, same browser (its device cookie outlives the session), on the phone's network.
    signed_out = Client(REMOTE_ADDR=STRANGER)
    signed_out.cookies[sightings.DEVICE_COOKIE] = browser.cookies[sightings.DEVICE_COOKIE].value
    rating = _rate(signed_out, token)

    assert (rating.score, rating.bonus, rating.held_because) == (5, "held", "device")
    assert not _bonuses(world.lawyer_contributor).exists()
    assert AuditEntry.objects.filter(action="rating_bonus_hold", object_id=str(rating.pk)).exists()
    page = browser.get(reverse("my_record", args=[record.pk])).content.decode()
    assert 'id="rating-bonus-held"' in page


@pytest.mark.django_db
def test_a_rating_from_the_network_address_the_lawyer_showed_the_link_from_waits_too(world, rota, bonus_rule):
    record = _approved(world, rota)
    _browser, token = _lawyer_shows_the_link(world, record)

    # Another browser (private mode, a second phone) on the lawyer's network.
    rating = _rate(Client(REMOTE_ADDR=LAWYERS_HOME), token)

    assert (rating.bonus, rating.held_because) == ("held", "address")
    assert not _bonuses(world.lawyer_contributor).exists()


@pytest.mark.django_db
def test_a_stranger_on_another_network_earns_the_lawyer_the_bonus_at_once(world, rota, bonus_rule):
    record = _approved(world, rota)
    _lawyer_shows_the_link(world, record)

    rating = _rate(Client(REMOTE_ADDR=STRANGER), token=PublicRating.objects.get(record=record).token)

    assert (rating.bonus, rating.held_because) == ("posted", "")
    bonus = _bonuses(world.lawyer_contributor).get()
    assert (bonus.kind, bonus.points, bonus.source_id, bonus.idempotency_key) == (
        "bonus",
        Decimal("5.00"),
        rating.pk,
        f"rating:{rating.pk}",
    )
    assert AuditEntry.objects.filter(action="rating_bonus_post", object_id=str(rating.pk)).exists()
    assert points.ledger_verify() == []


@pytest.mark.django_db
def test_signing_in_notes_the_browser_and_address_hashed(world, rota, bonus_rule):
    browser = Client(REMOTE_ADDR=LAWYERS_HOME)
    response = browser.post(reverse("account_login"), {"login": "lawyer@example.cn", "password": PASSWORD})
    assert response.status_code == 302
    token = browser.cookies[sightings.DEVICE_COOKIE].value

    seen = Sighting.objects.filter(user=world.lawyer)
    assert sorted(seen.values_list("kind", flat=True)) == ["address", "device"]
    stored = " ".join(seen.values_list("digest", flat=True))
    assert LAWYERS_HOME not in stored and token not in stored  # hashes only

    # Signing out keeps the browser's mark: a rating from it, signed out, waits.
    record = _approved(world, rota)
    link = conduct.rating_link(contributor=world.lawyer_contributor, record=record)
    browser.post(reverse("account_logout"))
    assert browser.cookies[sightings.DEVICE_COOKIE].value == token
    browser.defaults["REMOTE_ADDR"] = STRANGER
    assert _rate(browser, link.token).held_because == "device"


@pytest.mark.django_db
def test_an_address_used_long_ago_no_longer_holds_a_bonus(world, rota, bonus_rule, settings):
    record = _approved(world, rota)
    _lawyer_shows_the_link(world, record)
    Sighting.objects.update(last_seen_at=timezone.now() - datetime.timedelta(days=settings.PB_RATING_SIGHTING_DAYS + 1))

    rating = _rate(Client(REMOTE_ADDR=LAWYERS_HOME), PublicRating.objects.get(record=record).token)

    assert rating.bonus == "posted"


@pytest.mark.django_db
def test_the_rating_page_tells_the_person_rating_that_ratings_are_checked(world, rota, bonus_rule):
    record = _approved(world, rota)
    link = conduct.rating_link(contributor=world.lawyer_contributor, record=record)
    client = Client(REMOTE_ADDR=STRANGER)
    client.cookies["pb_language"] = "en"
    page = client.get(reverse("rate", args=[link.token])).content.decode()
    assert 'id="rate-checked"' in page and "looked at by bureau staff before it earns them a bonus" in page


# --- the yearly cap --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_past_the_yearly_cap_a_good_rating_earns_no_more_bonus(world, rota, bonus_rule, settings):
    settings.PB_RATING_BONUSES_PER_YEAR = 2
    ratings = []
    for days_ago in (2, 3, 4):
        link = conduct.rating_link(contributor=world.lawyer_contributor, record=_approved(world, rota, days_ago))
        ratings.append(conduct.rating_submit(token=link.token, score=5))

    assert [r.bonus for r in ratings] == ["posted", "posted", "capped"]
    assert _bonuses(world.lawyer_contributor).count() == 2
    # A held one confirmed past the cap is decided, without a bonus.
    held = _held_rating(world, rota, days_ago=5)
    assert conduct.rating_bonus_confirm(actor=world.staff_a, scope=world.district_a, rating=held) is None
    held.refresh_from_db()
    assert held.bonus == "capped" and held.bonus_decided_by == world.staff_a
    assert _bonuses(world.lawyer_contributor).count() == 2
    # The cap is the lawyer's: the other lawyer still earns theirs.
    other = conduct.rating_link(contributor=world.other_lawyer_contributor, record=_approved(world, rota, side="b"))
    assert conduct.rating_submit(token=other.token, score=5).bonus == "posted"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_good_ratings_sent_at_once_stay_within_the_cap(world, rota, bonus_rule, settings):
    settings.PB_RATING_BONUSES_PER_YEAR = 2
    tokens = [
        conduct.rating_link(contributor=world.lawyer_contributor, record=_approved(world, rota, days_ago)).token
        for days_ago in range(2, 8)
    ]
    barrier = threading.Barrier(len(tokens))
    outcomes, lock = [], threading.Lock()

    def rate(token):
        try:
            barrier.wait()
            outcome = conduct.rating_submit(token=token, score=5).bonus
        except Exception as exc:  # noqa: BLE001 — any other outcome is what the test must catch
            outcome = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=rate, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes) == ["capped"] * 4 + ["posted"] * 2
    assert _bonuses(world.lawyer_contributor).count() == 2


# --- the staff queue -------------------------------------------------------------------------------------


def _held_rating(world, rota, days_ago=2, *, side="a"):
    record = _approved(world, rota, days_ago, side=side)
    person = record.contributor
    mark = ("address", sightings._digest("address", LAWYERS_HOME))
    sightings.sighting_note(user=person.user, seen={mark})
    link = conduct.rating_link(contributor=person, record=record)
    rating = conduct.rating_submit(token=link.token, score=5, seen={mark})
    assert rating.bonus == "held"
    return rating


@pytest.mark.django_db
def test_staff_confirm_a_held_bonus_and_it_is_posted_exactly_once(world, rota, bonus_rule, client_for):
    held = _held_rating(world, rota)
    staff = client_for("staff_a")
    queue = staff.get(reverse("staff_ratings")).content.decode()
    assert f'id="held-{held.pk}"' in queue and world.lawyer_contributor.legal_name in queue

    url = reverse("staff_rating_decide", args=[held.pk])
    assert staff.post(url, {"decision": "confirm"})["Location"] == reverse("staff_ratings")
    assert staff.post(url, {"decision": "confirm"})["Location"] == reverse("staff_ratings")

    held.refresh_from_db()
    assert (held.bonus, held.bonus_decided_by) == ("confirmed", world.staff_a)
    bonus = _bonuses(world.lawyer_contributor).get()
    assert (bonus.points, bonus.actor, bonus.idempotency_key) == (Decimal("5.00"), world.staff_a, f"rating:{held.pk}")
    assert bonus.effective_date == timezone.localdate(held.rated_at)
    assert AuditEntry.objects.filter(action="rating_bonus_confirm", actor=world.staff_a).count() == 1
    assert f'id="held-{held.pk}"' not in staff.get(reverse("staff_ratings")).content.decode()
    assert points.ledger_verify() == []


@pytest.mark.django_db
def test_staff_decline_a_held_bonus_and_the_rating_stays_without_one(world, rota, bonus_rule, client_for):
    held = _held_rating(world, rota)
    response = client_for("city_staff").post(reverse("staff_rating_decide", args=[held.pk]), {"decision": "decline"})
    assert response.status_code == 302

    held.refresh_from_db()
    assert (held.score, held.bonus, held.bonus_decided_by) == (5, "declined", world.city_staff)
    assert not _bonuses(world.lawyer_contributor).exists()
    # Decided: confirming it now is refused.
    client_for("staff_a").post(reverse("staff_rating_decide", args=[held.pk]), {"decision": "confirm"})
    held.refresh_from_db()
    assert held.bonus == "declined" and not _bonuses(world.lawyer_contributor).exists()


@pytest.mark.django_db
def test_staff_of_another_region_neither_see_nor_decide_a_held_bonus(world, rota, bonus_rule, client_for):
    held = _held_rating(world, rota)
    staff_b = client_for("staff_b")
    assert f'id="held-{held.pk}"' not in staff_b.get(reverse("staff_ratings")).content.decode()

    response = staff_b.post(reverse("staff_rating_decide", args=[held.pk]), {"decision": "confirm"})

    assert response.status_code == 404
    held.refresh_from_db()
    assert held.bonus == "held" and not _bonuses(world.lawyer_contributor).exists()


@pytest.mark.django_db
def test_nobody_confirms_a_rating_bonus_for_themself(world, rota, bonus_rule, client_for):
    # The lawyer is also bureau staff of district A.
    StaffProfileFactory(user=world.lawyer, region=world.district_a)
    held = _held_rating(world, rota)
    lawyer = client_for("lawyer")

    response = lawyer.post(reverse("staff_rating_decide", args=[held.pk]), {"decision": "confirm"}, follow=True)

    held.refresh_from_db()
    assert held.bonus == "held" and not _bonuses(world.lawyer_contributor).exists()
    refusal = zh("You cannot decide on your own work: another member of staff has to make this decision.")
    assert "自己" in refusal and refusal in response.content.decode()
    assert not AuditEntry.objects.filter(action="rating_bonus_confirm").exists()
