"""The ledger is append-only in the database itself (whoever asks: the ORM, querysets, raw SQL),
a posting asked twice is one entry (even 50 at once), and `ledger_verify` finds what breaks the
ledger's invariants."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.management import execute_from_command_line
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from pointbook.ledger import services
from pointbook.models import LedgerEntry, LedgerTotal
from volunteers.models import ServiceRecord
from volunteers.rota import services as rota_services

RACERS = 50


def _record(world, rota, side="a"):
    staff, scope = (world.staff_a, world.district_a) if side == "a" else (world.staff_b, world.district_b)
    return rota_services.attendance_mark(
        actor=staff, scope=scope, signup=getattr(rota, f"past_signup_{side}"), attended=True
    )


def _post(contributor, *, key="test:1", points="5", kind=LedgerEntry.Kind.BONUS, source_id=1, **extra):
    return services.entry_post(
        contributor=contributor,
        points=Decimal(points),
        kind=kind,
        source=LedgerEntry.Source.RATING,
        source_id=source_id,
        idempotency_key=key,
        breakdown={"text": "好评奖励"},
        effective_date=timezone.localdate(),
        **extra,
    )


def _snapshot(entry):
    row = LedgerEntry.objects.filter(pk=entry.pk).values().first()
    assert row is not None
    return row


# --- append-only ---------------------------------------------------------------------------------


def _refused(attempt):
    """Run `attempt` in its own savepoint; it must fail in the database with the ledger's message."""
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            attempt()


@pytest.mark.django_db
def test_changing_or_deleting_an_entry_is_refused_whoever_asks(world, rota):
    record = _record(world, rota)
    award = services.record_approve(actor=world.staff_a, scope=world.district_a, record=record)
    before = _snapshot(award)
    table = LedgerEntry._meta.db_table

    def orm_save():
        entry = LedgerEntry.objects.get(pk=award.pk)
        entry.points = Decimal("999")
        entry.save()

    def orm_save_fields():
        entry = LedgerEntry.objects.get(pk=award.pk)
        entry.explanation = "改过了"
        entry.save(update_fields=["explanation"])

    def bulk_update():
        entry = LedgerEntry.objects.get(pk=award.pk)
        entry.points = Decimal("1")
        LedgerEntry.objects.bulk_update([entry], ["points"])

    def raw(sql):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, [award.pk] if "%s" in sql else None)

        return run

    attempts = {
        "save": orm_save,
        "save(update_fields)": orm_save_fields,
        "delete": lambda: LedgerEntry.objects.get(pk=award.pk).delete(),
        "queryset.update": lambda: LedgerEntry.objects.filter(pk=award.pk).update(points=Decimal("1")),
        "queryset.update(contributor)": lambda: LedgerEntry.objects.filter(pk=award.pk).update(
            contributor=world.other_lawyer_contributor
        ),
        "queryset.delete": lambda: LedgerEntry.objects.filter(pk=award.pk).delete(),
        "all().delete": lambda: LedgerEntry.objects.all().delete(),
        "bulk_update": bulk_update,
        "raw UPDATE": raw(f"UPDATE {table} SET points = points + 100 WHERE id = %s"),
        "raw UPDATE all": raw(f"UPDATE {table} SET explanation = 'x'"),
        "raw DELETE": raw(f"DELETE FROM {table} WHERE id = %s"),
        "raw DELETE all": raw(f"DELETE FROM {table}"),
    }
    for name, attempt in attempts.items():
        _refused(attempt)
        assert _snapshot(award) == before, name
    assert LedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_truncating_the_ledger_is_refused_on_postgresql(world):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite has no such statement")
    entry = _post(world.lawyer_contributor)
    before = _snapshot(entry)
    with connection.cursor() as cursor:
        # The test's own inserts leave deferred foreign-key checks pending, and PostgreSQL refuses any
        # TRUNCATE with pending trigger events: run them now, so what refuses is the ledger's guard.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Tables with a foreign key to the ledger (appeals) must go in the same TRUNCATE, or PostgreSQL
    # refuses it for that reason before the guard is asked: name them, and try CASCADE as well.
    tables, todo = set(), [LedgerEntry]
    while todo:  # everything that refers to the ledger, directly or through another table
        model = todo.pop()
        if model._meta.db_table not in tables:
            tables.add(model._meta.db_table)
            todo.extend(f.related_model for f in model._meta.related_objects)
    table = LedgerEntry._meta.db_table
    for sql in (f"TRUNCATE {', '.join(sorted(tables))}", f"TRUNCATE {table} CASCADE"):

        def truncate(sql=sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

        _refused(truncate)
        assert _snapshot(entry) == before
    assert LedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_rewriting_an_entry_through_an_upsert_is_refused(world):
    """An upsert that hits an existing key must not rewrite the entry either (ON CONFLICT DO UPDATE)."""
    entry = _post(world.lawyer_contributor, key="upsert:1", points="5")
    before = _snapshot(entry)

    def orm_upsert():
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    contributor=world.lawyer_contributor,
                    points=Decimal("500"),
                    kind="bonus",
                    source="rating",
                    source_id=1,
                    explanation="x",
                    idempotency_key="upsert:1",
                    effective_date=timezone.localdate(),
                )
            ],
            update_conflicts=True,
            unique_fields=["idempotency_key"],
            update_fields=["points", "explanation"],
        )

    _refused(orm_upsert)
    assert _snapshot(entry) == before

    assert LedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_replacing_an_entry_with_sqlite_insert_or_replace_is_refused(world):
    """SQLite's INSERT OR REPLACE deletes the conflicting row without firing DELETE triggers unless
    recursive triggers are on: the same entry id must not come back with other points."""
    if connection.vendor != "sqlite":
        pytest.skip("INSERT OR REPLACE is SQLite's")
    entry = _post(world.lawyer_contributor, key="upsert:1", points="5")
    before = _snapshot(entry)

    def replace():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT OR REPLACE INTO {LedgerEntry._meta.db_table} (id, contributor_id, points, kind, source, "
                "source_id, explanation, breakdown, idempotency_key, effective_date, created_at) "
                "VALUES (%s, %s, 500, 'bonus', 'rating', 1, 'x', '{}', 'upsert:1', %s, %s)",
                [entry.pk, world.lawyer_contributor.pk, timezone.localdate().isoformat(), timezone.now().isoformat()],
            )

    _refused(replace)
    assert _snapshot(entry) == before
    assert LedgerEntry.objects.count() == 1


# --- entry_post ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_posting_the_same_key_twice_returns_the_first_entry(world):
    first = _post(world.lawyer_contributor, key="rating:7", points="5")
    again = _post(world.lawyer_contributor, key="rating:7", points="5.00")
    assert again.pk == first.pk
    assert LedgerEntry.objects.filter(idempotency_key="rating:7").count() == 1
    saved = LedgerEntry.objects.get()
    assert saved.points == Decimal("5.00") and saved.kind == "bonus" and saved.contributor == world.lawyer_contributor
    assert saved.explanation == "好评奖励"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"points": "6"},
        {"points": "-5"},
        {"contributor": "other"},
        {"kind": LedgerEntry.Kind.PENALTY},
        {"source_id": 2},
    ],
)
def test_the_same_key_with_different_content_is_a_conflict_and_writes_nothing(world, change):
    first = _post(world.lawyer_contributor, key="rating:7", points="5")
    before = _snapshot(first)
    contributor = world.other_lawyer_contributor if change.pop("contributor", None) else world.lawyer_contributor
    with pytest.raises(services.IdempotencyConflict):
        _post(contributor, key="rating:7", **change)
    assert LedgerEntry.objects.count() == 1
    assert _snapshot(first) == before


@pytest.mark.django_db
@pytest.mark.parametrize("points", ["0", "0.00", "0.004", "-0.001"])
def test_zero_points_are_never_posted(world, points):
    with pytest.raises(ValueError):
        _post(world.lawyer_contributor, points=points)
    assert not LedgerEntry.objects.exists()


# --- races ---------------------------------------------------------------------------------------


def _race(count, work):
    barrier = threading.Barrier(count)
    outcomes, lock = [], threading.Lock()

    def attempt():
        try:
            barrier.wait()
            result = work().pk
        except Exception as exc:  # noqa: BLE001 — any other outcome is what the test must catch
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
def test_fifty_staff_approving_one_record_at_once_post_one_award(world, rota):
    record = _record(world, rota)
    outcomes = _race(
        RACERS, lambda: services.record_approve(actor=world.staff_a, scope=world.district_a, record=record)
    )
    assert len(outcomes) == RACERS
    assert [o for o in outcomes if isinstance(o, str)] == []
    awards = LedgerEntry.objects.filter(source="service_record", source_id=record.pk)
    assert awards.count() == 1
    award = awards.get()
    assert award.kind == "award" and award.points == Decimal("30.00")  # 3 h × 10 pts/h (hotline)
    assert set(outcomes) == {award.pk}
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.APPROVED
    assert services.ledger_verify() == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_postings_with_one_key_at_once_make_one_entry(world):
    contributor = world.lawyer_contributor
    outcomes = _race(RACERS, lambda: _post(contributor, key="rating:race", points="2.5"))
    assert len(outcomes) == RACERS
    assert [o for o in outcomes if isinstance(o, str)] == []
    entry = LedgerEntry.objects.get(idempotency_key="rating:race")
    assert LedgerEntry.objects.count() == 1 and entry.points == Decimal("2.50")
    assert set(outcomes) == {entry.pk}


# --- ledger_verify -------------------------------------------------------------------------------


def _verify_command(capsys):
    """`manage.py ledger_verify` as run from the shell: (exit code, stdout + stderr)."""
    try:
        execute_from_command_line(["manage.py", "ledger_verify"])
        code = 0
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _clean_ledger(world, rota):
    """Approvals, a withdrawn approval, a re-approval and a bonus: everything as the services post it."""
    record_a, record_b = _record(world, rota, "a"), _record(world, rota, "b")
    award_a = services.record_approve(actor=world.staff_a, scope=world.district_a, record=record_a)
    services.record_unapprove(actor=world.staff_a, scope=world.district_a, record=record_a, reason="签到有误")
    services.record_approve(actor=world.staff_a, scope=world.district_a, record=record_a)
    award_b = services.record_approve(actor=world.city_staff, scope=world.city, record=record_b)
    bonus = _post(world.lawyer_contributor, key="rating:1", points="5")
    services.entry_reverse(actor=world.staff_a, entry=bonus, reason="重复奖励")
    return record_a, award_a, record_b, award_b


@pytest.mark.django_db
def test_ledger_verify_passes_on_a_clean_ledger(world, rota, capsys):
    _clean_ledger(world, rota)
    assert LedgerEntry.objects.filter(kind="reversal").count() == 2
    assert services.ledger_verify() == [] and services.totals_check() == []
    code, output = _verify_command(capsys)
    assert code == 0, output
    assert "Ledger OK" in output


@pytest.mark.django_db
def test_the_database_keeps_each_persons_totals_per_year_and_service_type(world, rota):
    """Every insert adds to the totals, however it is made: the services, a reversal, a raw insert."""
    record_a, award_a, record_b, award_b = _clean_ledger(world, rota)
    with connection.cursor() as cursor:  # around the ORM and the services: the trigger still counts it
        cursor.execute(
            "INSERT INTO pointbook_ledgerentry (contributor_id, points, hours, kind, source, source_id, explanation, "
            "breakdown, idempotency_key, effective_date, created_at) VALUES (%s, 2.5, NULL, 'adjustment', 'appeal', "
            "1, 'raw', '{}', 'raw:1', %s, %s)",
            [world.lawyer_contributor.pk, datetime.date(2024, 5, 1), timezone.now()],
        )
    expected = {}
    for entry in LedgerEntry.objects.all():
        key = (entry.contributor_id, entry.effective_date.year, entry.service_type_id or 0)
        points, hours, n, latest = expected.get(key, (Decimal(0), Decimal(0), 0, entry.created_at))
        expected[key] = (points + entry.points, hours + (entry.hours or 0), n + 1, max(latest, entry.created_at))
    kept = {
        (t.contributor_id, t.year, t.service_type): (t.points, t.hours, t.entries, t.reached_at)
        for t in LedgerTotal.objects.all()
    }
    assert kept == expected
    assert (world.lawyer_contributor.pk, 2024, 0) in kept
    assert services.totals_check() == []


@pytest.mark.django_db
@pytest.mark.parametrize("change", [dict(points=Decimal("1")), dict(entries=99), dict(hours=Decimal("7.25"))])
def test_ledger_verify_names_a_total_that_differs_from_the_entries(world, rota, capsys, change):
    _clean_ledger(world, rota)
    total = LedgerTotal.objects.order_by("id").first()
    LedgerTotal.objects.filter(pk=total.pk).update(**{k: v + getattr(total, k) for k, v in change.items()})
    problems = services.ledger_verify()
    assert problems == [f"ledger totals {total.year}: 1 contributor and service-type totals differ from the ledger"]
    code, output = _verify_command(capsys)
    assert code != 0 and "ledger totals" in output


@pytest.mark.django_db
def test_ledger_verify_names_a_missing_total(world, rota):
    _clean_ledger(world, rota)
    LedgerTotal.objects.filter(pk=LedgerTotal.objects.order_by("id").first().pk).delete()
    assert len(services.totals_check()) == 1


@pytest.mark.django_db
def test_ledger_verify_names_a_reversal_that_does_not_cancel_exactly(world, rota, capsys):
    record_a, award_a, record_b, award_b = _clean_ledger(world, rota)
    # Written around the services (inserts are allowed): cancels 29 of award B's 30 points.
    bad = LedgerEntry.objects.create(
        contributor=award_b.contributor,
        points=-(award_b.points - 1),
        hours=-award_b.hours,
        kind="reversal",
        source=award_b.source,
        source_id=award_b.source_id,
        explanation="手工冲销",
        reverses=award_b,
        idempotency_key="manual:1",
        effective_date=award_b.effective_date,
    )
    problems = services.ledger_verify()
    assert f"reversal {bad.pk}: does not cancel entry {award_b.pk} exactly" in problems
    code, output = _verify_command(capsys)
    assert code not in (0, None)
    assert f"reversal {bad.pk}: does not cancel entry {award_b.pk} exactly" in output


@pytest.mark.django_db
def test_ledger_verify_names_a_reversal_with_wrong_hours_or_person(world, rota):
    record_a, award_a, record_b, award_b = _clean_ledger(world, rota)
    wrong_hours = LedgerEntry.objects.create(
        contributor=award_b.contributor,
        points=-award_b.points,
        hours=None,
        kind="reversal",
        source="service_record",
        source_id=record_b.pk,
        explanation="x",
        reverses=award_b,
        idempotency_key="manual:hours",
        effective_date=award_b.effective_date,
    )
    first_award_a = LedgerEntry.objects.filter(source_id=record_a.pk, kind="award").order_by("id").last()
    other_person = LedgerEntry.objects.create(
        contributor=world.other_lawyer_contributor,
        points=-first_award_a.points,
        hours=-first_award_a.hours,
        kind="reversal",
        source="service_record",
        source_id=record_a.pk,
        explanation="x",
        reverses=first_award_a,
        idempotency_key="manual:person",
        effective_date=first_award_a.effective_date,
    )
    problems = "\n".join(services.ledger_verify())
    assert f"reversal {wrong_hours.pk}: does not cancel entry {award_b.pk} exactly" in problems
    assert f"reversal {other_person.pk}: reverses entry {first_award_a.pk} of another contributor" in problems


@pytest.mark.django_db
def test_ledger_verify_names_an_award_of_a_record_not_approved(world, rota, capsys):
    _clean_ledger(world, rota)
    waiting = ServiceRecord.objects.create(
        contributor=world.lawyer_contributor,
        service_type_id=rota.past_shift_a.service_type_id,
        region=world.district_a,
        date=timezone.localdate(),
        started_at=timezone.now() - datetime.timedelta(hours=2),
        ended_at=timezone.now(),
        hours=Decimal("2.00"),
        status=ServiceRecord.Status.VERIFIED_ATTENDANCE,
    )
    with connection.cursor() as cursor:  # raw SQL INSERT: allowed, and caught by the check
        cursor.execute(
            f"INSERT INTO {LedgerEntry._meta.db_table} (contributor_id, points, hours, kind, source, source_id, "
            "explanation, breakdown, idempotency_key, effective_date, created_at) "
            "VALUES (%s, 20, 2, 'award', 'service_record', %s, 'x', '{}', 'raw:1', %s, %s)",
            [world.lawyer_contributor.pk, waiting.pk, timezone.localdate(), timezone.now()],
        )
    assert f"record {waiting.pk}: not approved but 1 net awards" in services.ledger_verify()
    code, output = _verify_command(capsys)
    assert code not in (0, None)
    assert f"record {waiting.pk}: not approved but 1 net awards" in output


@pytest.mark.django_db
def test_ledger_verify_names_an_approved_record_without_an_award(world, rota, capsys):
    _clean_ledger(world, rota)
    fresh = ServiceRecord.objects.create(
        contributor=world.lawyer_contributor,
        service_type_id=rota.past_shift_a.service_type_id,
        region=world.district_a,
        date=timezone.localdate(),
        started_at=timezone.now() - datetime.timedelta(hours=2),
        ended_at=timezone.now(),
        hours=Decimal("2.00"),
        status=ServiceRecord.Status.VERIFIED_ATTENDANCE,
    )
    ServiceRecord.objects.filter(pk=fresh.pk).update(status=ServiceRecord.Status.APPROVED)
    assert services.ledger_verify() == [f"record {fresh.pk}: approved with 0 net awards"]
    code, output = _verify_command(capsys)
    assert code not in (0, None)
    assert f"record {fresh.pk}: approved with 0 net awards" in output
    assert "1 problem(s)" in output
