"""The ledger's many-entries write path: `entries_post` checks, explains and de-duplicates as
`entry_post` does, and approving records in bulk posts exactly what approving them one by one posts.

The property test draws rule versions (rates, multipliers, daily and yearly caps), a public holiday,
records of two people in two service types over two days (and one day no rule covers), records
approved before (their points count against the caps), records approved and withdrawn before (their
next award has a new key), an order and a batch size; then approves the waiting records one by one
with `record_approve`, rolls back, approves them with `records_approve_bulk`, and compares the two
ledgers and the records' decisions field by field. Run it on SQLite and on PostgreSQL (DATABASE_URL).
"""

import contextlib
import datetime
import os
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointbook.ledger import bulk, services
from pointbook.ledger.bulk import records_approve_bulk
from pointbook.ledger.services import IdempotencyConflict, Posting, entries_post, entry_post
from pointbook.models import LedgerEntry, PointsRule, PublicHoliday
from tests.factories import VenueFactory
from volunteers.models import AuditEntry, ServiceRecord, ServiceType

# PB_BULK_EXAMPLES=500 explores further (minutes); the default keeps the file well under a minute.
EXAMPLES = settings(
    max_examples=int(os.environ.get("PB_BULK_EXAMPLES", "30")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

RATES = [Decimal("8"), Decimal("10"), Decimal("10.3")]
DAY_CAPS = [None, Decimal("20"), Decimal("35.5"), Decimal("60")]
YEAR_CAPS = [None, Decimal("45"), Decimal("100")]
MULTIPLIERS = [Decimal("1"), Decimal("1.5"), Decimal("1.25")]
HOURS = [Decimal("1"), Decimal("2.5"), Decimal("3"), Decimal("4")]
START_HOURS = [8, 13, 21]  # 21:00 is night
NO_RULE_DAY = datetime.date(2019, 6, 3)  # before every rule version: refused both ways


@contextlib.contextmanager
def _rolled_back():
    """Whatever happens inside is undone (the ledger refuses DELETE; rolling back is the way back)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _rule_versions():
    version = st.fixed_dictionaries(
        {
            "offset": st.sampled_from([-30, 0, 1]),  # from before both days, the first, the second
            "points_per_hour": st.sampled_from(RATES),
            "daily_cap": st.sampled_from(DAY_CAPS),
            "yearly_cap": st.sampled_from(YEAR_CAPS),
            "rural_multiplier": st.sampled_from(MULTIPLIERS),
            "special_group_multiplier": st.sampled_from(MULTIPLIERS),
            "night_holiday_multiplier": st.sampled_from(MULTIPLIERS),
        }
    )
    return st.lists(version, max_size=2, unique_by=lambda v: v["offset"])


_record = st.fixed_dictionaries(
    {
        "person": st.integers(0, 1),
        "type": st.integers(0, 1),
        "day": st.sampled_from([0, 0, 1, 1, 2]),  # 2: the day no rule covers
        "start": st.sampled_from(START_HOURS),
        "hours": st.sampled_from(HOURS),
        "rural": st.booleans(),
        "special": st.booleans(),
        "withdrawn_before": st.booleans(),  # approved and withdrawn once: its next award is the 2nd
    }
)


@st.composite
def _cases(draw):
    waiting = draw(st.lists(_record, min_size=1, max_size=10))
    return {
        "versions": [draw(_rule_versions()), draw(_rule_versions())],
        "holiday_on_second_day": draw(st.booleans()),
        "approved_before": draw(st.lists(_record, max_size=4)),
        "waiting": waiting,
        "order": draw(st.permutations(range(len(waiting)))),
        "batch_size": draw(st.integers(1, len(waiting))),
    }


def _places(world):
    first_day = timezone.localdate() - datetime.timedelta(days=40)
    return {
        "days": [first_day, first_day + datetime.timedelta(days=1), NO_RULE_DAY],
        "people": [world.lawyer_contributor, world.other_lawyer_contributor],
        "types": [ServiceType.objects.get(code="hotline_12348"), ServiceType.objects.get(code="legal_aid")],
        "venues": {False: world.venue_a, True: VenueFactory(region=world.district_a, is_rural=True)},
    }


def _make(places, spec):
    day = places["days"][spec["day"]]
    person = places["people"][spec["person"]]
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(spec["start"])))
    return ServiceRecord.objects.create(
        contributor=person,
        service_type=places["types"][spec["type"]],
        venue=places["venues"][spec["rural"]],
        region=person.region,
        date=day,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=float(spec["hours"])),
        hours=spec["hours"],
        special_groups=["elderly"] if spec["special"] else [],
        status=ServiceRecord.Status.SUBMITTED,
    )


def _approve(world, record):
    """Approve `record` if a rule covers its day; True when it is approved (with points or capped out)."""
    try:
        services.record_approve(actor=world.city_staff, scope=world.city, record=record)
    except ValidationError:  # no rule in force that day
        return False
    return True


def _outcome(first_new_entry, record_ids, refused):
    """What a person would check: every new entry (all but its id and time), and each record's decision."""
    entries = sorted(
        LedgerEntry.objects.filter(pk__gte=first_new_entry).values_list(
            "idempotency_key",
            "contributor_id",
            "kind",
            "source",
            "source_id",
            "points",
            "hours",
            "explanation",
            "breakdown",
            "effective_date",
            "rule_id",
            "service_type_id",
            "conduct_rule_id",
            "reverses_id",
            "actor_id",
        ),
        key=lambda row: row[0],
    )
    records = list(
        ServiceRecord.objects.filter(pk__in=record_ids)
        .order_by("pk")
        .values_list("pk", "status", "capped_out", "decided_by_id", "decision_reason")
    )
    return {"entries": entries, "records": records, "refused": sorted(refused)}


def _next_entry_id():
    return (LedgerEntry.objects.aggregate(m=Max("id"))["m"] or 0) + 1


@pytest.mark.django_db
def test_approving_in_bulk_posts_what_approving_one_by_one_posts(world):
    places = _places(world)
    staff = world.city_staff

    @EXAMPLES
    @given(case=_cases())
    def check(case):
        with _rolled_back():
            for type_index, versions in enumerate(case["versions"]):
                for v in versions:
                    PointsRule.objects.create(
                        service_type=places["types"][type_index],
                        effective_from=places["days"][0] + datetime.timedelta(days=v["offset"]),
                        **{name: value for name, value in v.items() if name != "offset"},
                    )
            if case["holiday_on_second_day"]:
                PublicHoliday.objects.create(date=places["days"][1], name="测试假日")
            for spec in case["approved_before"]:
                _approve(world, _make(places, spec))
            waiting = [_make(places, spec) for spec in case["waiting"]]
            for record, spec in zip(waiting, case["waiting"], strict=True):
                if spec["withdrawn_before"] and _approve(world, record):
                    services.record_unapprove(actor=staff, scope=world.city, record=record, reason="重新审核")
            ordered = [waiting[i].pk for i in case["order"]]

            with _rolled_back():
                first = _next_entry_id()
                refused = []
                for pk in ordered:
                    record = ServiceRecord.objects.get(pk=pk)
                    try:
                        services.record_approve(actor=staff, scope=world.city, record=record)
                    except ValidationError:
                        refused.append(pk)
                one_by_one = _outcome(first, ordered, refused)
                assert services.ledger_verify() == []

            with _rolled_back():
                first = _next_entry_id()
                loaded = ServiceRecord.objects.select_related("venue").in_bulk(ordered)
                posted, capped, no_rule = records_approve_bulk(
                    actor=staff, records=[loaded[pk] for pk in ordered], batch_size=case["batch_size"]
                )
                in_bulk = _outcome(first, ordered, [r.pk for r in no_rule])
                assert services.ledger_verify() == []

        assert in_bulk == one_by_one
        assert posted == len(in_bulk["entries"])
        assert capped == sum(1 for _pk, status, capped_out, *_ in in_bulk["records"] if capped_out)

    check()


# --- entries_post: the same checks and idempotency as entry_post --------------------------------


def _posting(contributor, *, key, points="5", source_id=1, kind=LedgerEntry.Kind.BONUS):
    return Posting(
        contributor_id=contributor.pk,
        points=Decimal(points),
        kind=kind,
        source=LedgerEntry.Source.RATING,
        source_id=source_id,
        idempotency_key=key,
        breakdown={"text": "好评奖励"},
        effective_date=timezone.localdate(),
    )


def _entry_post(contributor, *, key, points="5", source_id=1):
    return entry_post(
        contributor=contributor,
        points=Decimal(points),
        kind=LedgerEntry.Kind.BONUS,
        source=LedgerEntry.Source.RATING,
        source_id=source_id,
        idempotency_key=key,
        breakdown={"text": "好评奖励"},
        effective_date=timezone.localdate(),
    )


@pytest.mark.django_db
def test_entries_post_writes_what_entry_post_writes(world):
    person = world.lawyer_contributor
    single = _entry_post(person, key="rating:single", points="2.5")
    [pk] = entries_post([_posting(person, key="rating:many", points="2.5")], actor=world.city_staff)
    many = LedgerEntry.objects.get(pk=pk)
    fields = ("contributor_id", "points", "hours", "kind", "source", "explanation", "breakdown", "effective_date")
    assert [getattr(many, f) for f in fields] == [getattr(single, f) for f in fields]
    assert many.points == Decimal("2.50") and many.explanation == "好评奖励"
    assert many.actor == world.city_staff
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_a_replayed_key_returns_the_entry_posted_before_whichever_path_posted_it(world):
    person = world.lawyer_contributor
    first = _entry_post(person, key="rating:1")
    ids = entries_post([_posting(person, key="rating:1"), _posting(person, key="rating:2", source_id=2)])
    assert ids[0] == first.pk
    again = entries_post([_posting(person, key="rating:2", source_id=2), _posting(person, key="rating:2", source_id=2)])
    assert again == [ids[1], ids[1]]
    assert _entry_post(person, key="rating:2", source_id=2).pk == ids[1]
    assert LedgerEntry.objects.count() == 2


@pytest.mark.django_db
def test_a_key_posted_with_other_content_is_a_conflict_and_nothing_is_posted(world):
    person = world.lawyer_contributor
    _entry_post(person, key="rating:1", points="5")
    with pytest.raises(IdempotencyConflict, match="rating:1"):
        entries_post([_posting(person, key="rating:new"), _posting(person, key="rating:1", points="6")])
    with pytest.raises(IdempotencyConflict, match="rating:twice"):
        entries_post([_posting(person, key="rating:twice"), _posting(person, key="rating:twice", source_id=9)])
    with pytest.raises(IdempotencyConflict):  # and the single path sees the same conflict
        _entry_post(person, key="rating:1", points="6")
    assert list(LedgerEntry.objects.values_list("idempotency_key", flat=True)) == ["rating:1"]


@pytest.mark.django_db
def test_entries_post_refuses_zero_points_as_entry_post_does(world):
    person = world.lawyer_contributor
    with pytest.raises(ValueError, match="zero points"):
        entries_post([_posting(person, key="rating:1"), _posting(person, key="rating:0", points="0.001")])
    with pytest.raises(ValueError, match="zero points"):
        _entry_post(person, key="rating:0", points="0.001")
    assert not LedgerEntry.objects.exists()


RACERS = 8


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_writers_posting_the_same_keys_at_once_make_one_entry_per_key(world):
    """Eight writers post the same 40 entries at once: the first inserts them, the others meet its
    keys (on PostgreSQL, as a unique violation once it commits) and get its entries back."""
    person = world.lawyer_contributor
    postings = [_posting(person, key=f"rating:race:{n}", source_id=n) for n in range(40)]
    barrier = threading.Barrier(RACERS)
    outcomes, lock = [], threading.Lock()

    def attempt():
        try:
            barrier.wait()
            result = tuple(entries_post(postings))
        except Exception as exc:  # noqa: BLE001 — any other outcome is what the test must catch
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [o for o in outcomes if isinstance(o, str)] == []
    assert LedgerEntry.objects.count() == 40
    by_key = dict(LedgerEntry.objects.values_list("idempotency_key", "pk"))
    assert set(outcomes) == {tuple(by_key[p.idempotency_key] for p in postings)}
    assert services.ledger_verify() == []


# --- each batch with its audit row ---------------------------------------------------------------


def _waiting_records(world, count):
    """`count` waiting 1-hour hotline records on one day, the two lawyers' in turn (no cap reached)."""
    places = _places(world)
    spec = {"type": 0, "day": 0, "start": 8, "hours": HOURS[0], "rural": False, "special": False}
    return [_make(places, {**spec, "person": n % 2}) for n in range(count)]


@pytest.mark.django_db
def test_each_batch_is_approved_with_one_audit_row_naming_its_records_and_entries(world):
    records = _waiting_records(world, 3)
    assert records_approve_bulk(actor=world.city_staff, records=records, batch_size=2) == (3, 0, [])
    rows = list(AuditEntry.objects.filter(action="records_approve_bulk").order_by("id"))
    entries = list(LedgerEntry.objects.order_by("id").values_list("pk", flat=True))
    assert [(r.actor, r.object_id) for r in rows] == [
        (world.city_staff, str(records[0].pk)),
        (world.city_staff, str(records[2].pk)),
    ]
    assert [(r.data["records"], r.data["first"], r.data["last"]) for r in rows] == [
        (2, records[0].pk, records[1].pk),
        (1, records[2].pk, records[2].pk),
    ]
    assert [(r.data["first_entry"], r.data["last_entry"]) for r in rows] == [
        (entries[0], entries[1]),
        (entries[2], entries[2]),
    ]


@pytest.mark.django_db
def test_a_batch_whose_audit_row_fails_approves_nothing_of_that_batch(world, monkeypatch):
    records = _waiting_records(world, 3)
    real = bulk.audit

    def audit(**kwargs):
        row = real(**kwargs)
        if kwargs["first"] == records[2].pk:  # the second batch
            raise RuntimeError("audit refused")
        return row

    monkeypatch.setattr(bulk, "audit", audit)
    with pytest.raises(RuntimeError):
        records_approve_bulk(actor=world.city_staff, records=records, batch_size=2)
    statuses = dict(ServiceRecord.objects.filter(pk__in=[r.pk for r in records]).values_list("pk", "status"))
    assert statuses == {records[0].pk: "approved", records[1].pk: "approved", records[2].pk: "submitted"}
    assert sorted(LedgerEntry.objects.values_list("source_id", flat=True)) == [records[0].pk, records[1].pk]


@pytest.mark.django_db
def test_bulk_approval_skips_the_approvers_own_records_and_says_so(world):
    """The lawyer acts as staff: the other lawyer's record is approved, the lawyer's own is refused
    and returned as such, and nothing of it is posted."""
    places = _places(world)
    spec = {"day": 0, "type": 0, "rural": False, "start": 9, "hours": Decimal("2"), "special": False}
    own = _make(places, {**spec, "person": 0})
    other = _make(places, {**spec, "person": 1})
    posted, capped, refused = records_approve_bulk(
        actor=world.lawyer, records=ServiceRecord.objects.filter(pk__in=[own.pk, other.pk]).select_related("venue")
    )
    assert (posted, capped, [r.pk for r in refused]) == (1, 0, [own.pk])
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.status, other.status) == (ServiceRecord.Status.SUBMITTED, ServiceRecord.Status.APPROVED)
    assert not LedgerEntry.objects.filter(contributor=world.lawyer_contributor).exists()
    assert LedgerEntry.objects.get(contributor=world.other_lawyer_contributor).actor == world.lawyer
