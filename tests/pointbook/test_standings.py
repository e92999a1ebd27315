"""Standings: computed from the ledger into a snapshot, equal to a plain recomputation, checked by
`ledger_verify`, swapped in whole, safe to run twice at once; the pages that show them."""

import datetime
import itertools
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointbook.ledger.services import ledger_verify
from pointbook.models import LedgerEntry, Standing, StandingsSnapshot
from pointbook.standings import services as standings
from pointbook.standings.services import boards, leaderboard, ranks_of, standings_check, standings_refresh
from tests.factories import ContributorFactory, MembershipFactory, OrganisationFactory
from volunteers.models import Contributor, Membership, ServiceType

YEAR = timezone.localdate().year
_keys = itertools.count()


def entry(person, points, *, day=None, hours=None, service_type=None, at=None):
    """A ledger entry as the services leave it (the ledger only accepts inserts)."""
    return LedgerEntry.objects.create(
        contributor=person,
        points=Decimal(points),
        hours=None if hours is None else Decimal(hours),
        kind=LedgerEntry.Kind.ADJUSTMENT,
        source=LedgerEntry.Source.APPEAL,
        source_id=next(_keys),
        idempotency_key=f"test:{next(_keys)}",
        effective_date=day or datetime.date(YEAR, 3, 1),
        explanation="test",
        service_type=service_type,
        created_at=at or timezone.now(),
    )


def board(year, scope, key=""):
    """[(contributor or organisation id, rank on the board, points)] of one whole board, as stored."""
    return [(r.contributor_id or r.organisation_id, r.rank, r.points) for r in standings.board(year, scope, key)]


def expected_board(totals):
    """Ranked the plain way: points desc, hours desc, reached first, id."""
    order = sorted(totals.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[1][2], kv[0]))
    return [
        (pk, rank, points.quantize(Decimal("0.01")))
        for rank, (pk, (points, hours, reached)) in enumerate(order, start=1)
    ]


# --- Equal to a straightforward recomputation, on random ledgers -----------------------------------

ENTRY = st.tuples(
    st.integers(0, 4),  # which person
    st.decimals(-50, 120, places=2).filter(lambda d: d != 0),  # points
    st.sampled_from([None, Decimal("1.50"), Decimal("3")]),  # hours
    st.integers(-40, 400),  # day of the year (outside it too)
    st.integers(0, 2),  # service type: none, first, second
    st.integers(0, 5),  # seconds after the start: ties happen
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(ENTRY, min_size=1, max_size=25))
def test_standings_equal_a_plain_recomputation_from_the_ledger(world, entries):
    types = [None, *ServiceType.objects.order_by("id")[:2]]
    start = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        people = [
            world.lawyer_contributor,
            world.other_lawyer_contributor,
            world.applicant_a,
            world.applicant_b,
            ContributorFactory(region=world.village_b, kind=Contributor.Kind.MEDIATOR),
        ]
        # Person 0 moves from firm A to firm B on 1 July: their points count for each firm by those days.
        Membership.objects.filter(pk=world.lawyer_membership.pk).update(
            status=Membership.Status.ENDED, started_on=datetime.date(YEAR - 1, 1, 1), ended_on=datetime.date(YEAR, 7, 1)
        )
        MembershipFactory(contributor=people[0], organisation=world.firm_b, started_on=datetime.date(YEAR, 7, 1))
        made = []
        for who, points, hours, day, type_index, seconds in entries:
            on = datetime.date(YEAR, 1, 1) + datetime.timedelta(days=day)
            made.append(
                entry(
                    people[who],
                    points,
                    hours=hours,
                    day=on,
                    service_type=types[type_index],
                    at=start + datetime.timedelta(seconds=seconds),
                )
            )
        standings_refresh(YEAR)

        counted = [e for e in made if e.effective_date.year == YEAR]
        overall, by_type, firms = {}, {}, {}
        for e in counted:
            for totals, key in (
                (overall, e.contributor_id),
                (by_type.setdefault(e.service_type_id, {}), e.contributor_id),
            ):
                if totals is by_type.get(None):
                    continue
                p, h, r = totals.get(key, (Decimal(0), Decimal(0), e.created_at))
                totals[key] = (p + e.points, h + (e.hours or 0), max(r, e.created_at))
            firm = None
            if e.contributor_id == people[0].pk:
                firm = world.firm_a.pk if e.effective_date < datetime.date(YEAR, 7, 1) else world.firm_b.pk
            elif e.contributor_id == people[1].pk:
                firm = world.firm_b.pk
            if firm:
                p, h, r = firms.get(firm, (Decimal(0), Decimal(0), e.created_at))
                firms[firm] = (p + e.points, h + (e.hours or 0), max(r, e.created_at))

        assert board(YEAR, "overall") == expected_board(overall)
        for service_type in types[1:]:
            assert board(YEAR, "service_type", str(service_type.pk)) == expected_board(by_type.get(service_type.pk, {}))
        assert board(YEAR, "organisation") == expected_board(firms)
        district_a = {k: v for k, v in overall.items() if k in (people[0].pk, people[2].pk)}
        assert board(YEAR, "district", str(world.district_a.pk)) == expected_board(district_a)
        for kind in {person.kind for person in people}:
            of_kind = {k: v for k, v in overall.items() if k in {p.pk for p in people if p.kind == kind}}
            assert board(YEAR, "kind", kind) == expected_board(of_kind)
        # Every board a visitor can pick, and every rank a contributor sees, with its size.
        picked = {(scope, key) for scope, key, _label in boards(YEAR)}
        assert {(s_, k) for s_, k in picked if s_ in ("overall", "kind", "service_type", "organisation")} == (
            ({("overall", "")} if overall else set())
            | {("kind", p.kind) for p in people if p.pk in overall}
            | {("service_type", str(t)) for t, totals in by_type.items() if t is not None and totals}
            | ({("organisation", "")} if firms else set())
        )
        for person in people:
            seen = {(r["scope"], r["scope_key"]): (r["rank"], r["out_of"]) for r in ranks_of(person, YEAR)}
            for (scope, key), (rank, out_of) in seen.items():
                on_board = board(YEAR, scope, key)
                assert (person.pk, rank) in [(pk, r) for pk, r, _points in on_board] and out_of == len(on_board)
        assert standings_check() == []
        transaction.set_rollback(True)


# --- Checked against the ledger ------------------------------------------------------------------------


@pytest.mark.django_db
def test_ledger_verify_finds_a_standing_that_does_not_match_the_ledger(world):
    entry(world.lawyer_contributor, 30, hours=3)
    entry(world.other_lawyer_contributor, 20, hours=2)
    standings_refresh(YEAR)
    assert ledger_verify() == []

    Standing.objects.filter(scope="overall", contributor=world.lawyer_contributor).update(points=Decimal("31"))
    assert any("overall" in problem for problem in ledger_verify())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper, found",
    [
        ("organisation", "(organisation): 1 totals differ"),
        ("type row", "(service type): 1 top rows differ"),
        ("type rank", "(service_type): 1 totals differ"),
    ],
)
def test_ledger_verify_finds_a_tampered_service_type_or_organisation_total(world, tamper, found):
    service_type = ServiceType.objects.order_by("id").first()
    key = str(service_type.pk)
    entry(world.lawyer_contributor, 30, hours=3, service_type=service_type)
    entry(world.other_lawyer_contributor, 20, hours=2, service_type=service_type)
    standings_refresh(YEAR)
    assert standings_check() == []
    if tamper == "organisation":
        row = Standing.objects.filter(scope="organisation").order_by("rank").first()
        Standing.objects.filter(pk=row.pk).update(points=row.points + 1)
    elif tamper == "type row":
        row = Standing.objects.get(scope="service_type", scope_key=key, rank=1)
        Standing.objects.filter(pk=row.pk).update(points=row.points + 1)
    else:
        row = Standing.objects.get(scope="overall", contributor=world.lawyer_contributor)
        row.types[key][1] += 1
        row.save()
    assert any(found in problem for problem in standings_check()), standings_check()


@pytest.mark.django_db
def test_below_the_stored_top_of_a_service_type_the_rank_comes_from_the_overall_row(world, monkeypatch):
    """Only the top of a service type's board is stored as rows; further down, a contributor still sees
    their own row, and a longer list reads everyone's."""
    monkeypatch.setattr(standings, "TYPE_ROWS", 1)
    service_type = ServiceType.objects.order_by("id").first()
    key = str(service_type.pk)
    entry(world.other_lawyer_contributor, 50, hours=5, service_type=service_type)
    entry(world.lawyer_contributor, 30, hours=3, service_type=service_type)
    entry(world.applicant_a, 10, hours=1, service_type=service_type)
    standings_refresh(YEAR)
    assert standings_check() == []
    assert Standing.objects.filter(scope="service_type").count() == 1
    rows, own = leaderboard(YEAR, "service_type", key, viewer=world.lawyer_contributor, size=1)
    assert [r.contributor_id for r in rows] == [world.other_lawyer_contributor.pk]
    assert (own.contributor_id, own.rank, own.points, own.hours, own.mine) == (
        world.lawyer_contributor.pk,
        2,
        Decimal("30.00"),
        Decimal("3.00"),
        True,
    )
    rows, own = leaderboard(YEAR, "service_type", key, viewer=world.lawyer_contributor, size=5)
    assert [(r.contributor_id, r.rank, r.points) for r in rows] == [
        (world.other_lawyer_contributor.pk, 1, Decimal("50.00")),
        (world.lawyer_contributor.pk, 2, Decimal("30.00")),
        (world.applicant_a.pk, 3, Decimal("10.00")),
    ] and own is None
    ranks = {(r["scope"], r["rank"], r["out_of"]) for r in ranks_of(world.lawyer_contributor, YEAR)}
    assert ("service_type", 2, 3) in ranks


@pytest.mark.django_db
def test_ledger_verify_finds_a_district_or_kind_rank_out_of_order(world):
    entry(world.lawyer_contributor, 30, hours=3)
    entry(world.applicant_a, 20, hours=2)  # the lawyer's district too
    standings_refresh(YEAR)
    assert standings_check() == []
    row = Standing.objects.filter(scope="overall", contributor=world.applicant_a)
    district_rank, kind_rank = row.values_list("district_rank", "kind_rank").get()
    assert district_rank == 2
    row.update(district_rank=1)
    assert any("district, kind and service type" in problem for problem in standings_check())
    row.update(district_rank=district_rank, kind_rank=kind_rank + 3)
    assert any("district, kind and service type" in problem for problem in standings_check())
    row.update(kind_rank=kind_rank)
    assert standings_check() == []
    snapshot = StandingsSnapshot.objects.get(is_current=True)
    snapshot.sizes["overall"][""] += 1
    snapshot.save()
    assert any("sizes" in problem for problem in standings_check())


@pytest.mark.django_db
def test_entries_posted_after_the_refresh_are_not_a_mismatch_until_the_next(world):
    entry(world.lawyer_contributor, 30)
    standings_refresh(YEAR)
    entry(world.lawyer_contributor, 5)
    assert standings_check() == []
    assert board(YEAR, "overall")[0][2] == Decimal("30.00")
    standings_refresh(YEAR)
    assert board(YEAR, "overall")[0][2] == Decimal("35.00")


# --- Ties, rebuilt whole ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ties_break_by_hours_then_who_reached_the_total_first(world):
    early = timezone.now() - datetime.timedelta(days=2)
    late = timezone.now() - datetime.timedelta(days=1)
    a, b, c = world.lawyer_contributor, world.other_lawyer_contributor, world.applicant_a
    entry(a, 50, hours=5, at=late)
    entry(b, 50, hours=5, at=early)  # same points and hours, reached first
    entry(c, 50, hours=6, at=late)  # same points, more hours
    standings_refresh(YEAR)
    assert [pk for pk, _rank, _points in board(YEAR, "overall")] == [c.pk, b.pk, a.pk]


@pytest.mark.django_db
def test_a_refresh_replaces_the_snapshot_whole_and_leaves_one(world):
    entry(world.lawyer_contributor, 10)
    first = standings_refresh(YEAR)
    entry(world.other_lawyer_contributor, 20)
    second = standings_refresh(YEAR)
    assert second.pk != first.pk
    assert list(StandingsSnapshot.objects.filter(year=YEAR).values_list("pk", "is_current")) == [(second.pk, True)]
    assert not Standing.objects.filter(snapshot_id=first.pk).exists()
    # Nothing new in the ledger: still replaced (memberships and districts may have changed), one left.
    third = standings_refresh(YEAR)
    assert third.pk != second.pk and board(YEAR, "overall") == [
        (world.other_lawyer_contributor.pk, 1, Decimal("20.00")),
        (world.lawyer_contributor.pk, 2, Decimal("10.00")),
    ]
    assert list(StandingsSnapshot.objects.filter(year=YEAR).values_list("pk", flat=True)) == [third.pk]


@pytest.mark.django_db
def test_a_move_of_firm_shows_at_the_next_refresh_without_a_new_entry(world):
    """Staff correct when a lawyer moved firm; no entry is posted; "Recompute now" still moves their
    points between the firms."""
    entry(world.lawyer_contributor, 40, day=datetime.date(YEAR, 3, 1))
    entry(world.lawyer_contributor, 25, day=datetime.date(YEAR, 9, 1))
    standings_refresh(YEAR)
    assert dict((pk, points) for pk, _rank, points in board(YEAR, "organisation")) == {
        world.firm_a.pk: Decimal("65.00")
    }
    Membership.objects.filter(pk=world.lawyer_membership.pk).update(
        status=Membership.Status.ENDED, started_on=datetime.date(YEAR - 1, 1, 1), ended_on=datetime.date(YEAR, 7, 1)
    )
    MembershipFactory(
        contributor=world.lawyer_contributor, organisation=world.firm_b, started_on=datetime.date(YEAR, 7, 1)
    )
    standings_refresh(YEAR)
    assert dict((pk, points) for pk, _rank, points in board(YEAR, "organisation")) == {
        world.firm_a.pk: Decimal("40.00"),
        world.firm_b.pk: Decimal("25.00"),
    }
    assert standings_check() == []


@pytest.mark.django_db
def test_a_slower_refresh_that_counted_less_steps_aside(world, monkeypatch):
    """Two refreshes at once: the one that started earlier and finishes later must not replace the
    newer board with an older one."""
    import pointbook.standings.services as module

    entry(world.lawyer_contributor, 10)
    swap_in = module._swap_in
    held = {}

    def hold(snapshot, **kwargs):
        held["old"] = snapshot  # the first run stops just before its swap
        return snapshot

    monkeypatch.setattr(module, "_swap_in", hold)
    standings_refresh(YEAR)
    monkeypatch.setattr(module, "_swap_in", swap_in)
    entry(world.lawyer_contributor, 5)
    newer = standings_refresh(YEAR)
    assert swap_in(held["old"]).pk == newer.pk
    assert board(YEAR, "overall")[0][2] == Decimal("15.00")
    assert list(StandingsSnapshot.objects.filter(year=YEAR).values_list("pk", flat=True)) == [newer.pk]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_refreshes_at_the_same_time_leave_one_correct_board(world):
    for n in range(30):
        entry(world.lawyer_contributor if n % 2 else world.other_lawyer_contributor, 7, hours=1)
    errors = []

    def run():
        try:
            standings_refresh(YEAR)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert StandingsSnapshot.objects.filter(year=YEAR, is_current=True).count() == 1
    assert [points for _pk, _rank, points in board(YEAR, "overall")] == [Decimal("105.00"), Decimal("105.00")]
    assert standings_check() == []


# --- The job and the command --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_nightly_job_and_the_command_build_the_same_board(world, eager_celery):
    from tasks.recognition import refresh_standings

    entry(world.lawyer_contributor, 12, hours=2)
    refresh_standings.delay(YEAR)
    by_job = board(YEAR, "overall")
    call_command("rank_contributors", "--year", str(YEAR), stdout=open("/dev/null", "w"))
    assert board(YEAR, "overall") == by_job == [(world.lawyer_contributor.pk, 1, Decimal("12.00"))]


# --- What people see ---------------------------------------------------------------------------------------------


@pytest.fixture
def ranked(world):
    """Three people ranked: other lawyer first, lawyer second, applicant A (opted out of names) third."""
    entry(world.other_lawyer_contributor, 90, hours=9)
    entry(world.lawyer_contributor, 60, hours=6)
    world.applicant_a.public_listing = False
    world.applicant_a.save()
    entry(world.applicant_a, 30, hours=3)
    standings_refresh(YEAR)
    return world


@pytest.mark.django_db
def test_my_points_shows_my_rank_in_each_board_i_am_on(ranked, client_for):
    page = client_for("lawyer").get(reverse("my_points"))
    ranks = {(r["scope"], r["rank"], r["out_of"]) for r in page.context["ranks"]}
    assert ("overall", 2, 3) in ranks
    assert ("district", 1, 2) in ranks  # district A: lawyer ahead of applicant A
    assert ("kind", 2, 3) in ranks
    html = page.content.decode()
    assert "第 2 名，共 3 人" in html or "No. 2 of 3" in html


@pytest.mark.django_db
def test_the_leaderboard_highlights_my_row_and_masks_who_opted_out(ranked, client_for):
    html = client_for("lawyer").get(reverse("leaderboards")).content.decode()
    assert 'class="mine"' in html and "李明" in html and "王芳" in html
    assert "赵强" not in html and "赵**" in html


@pytest.mark.django_db
def test_someone_who_opted_out_still_sees_their_own_name(ranked, client_for):
    rows, own = leaderboard(YEAR, "overall", viewer=ranked.applicant_a)
    mine = [row for row in rows if row.mine]
    assert [row.name for row in mine] == ["赵强"]


@pytest.mark.django_db
def test_my_row_is_shown_below_the_top_when_i_am_further_down(ranked):
    rows, own = leaderboard(YEAR, "overall", viewer=ranked.applicant_a, size=1)
    assert [row.contributor_id for row in rows] == [ranked.other_lawyer_contributor.pk]
    assert own.rank == 3 and own.mine


@pytest.mark.django_db
def test_leaderboards_need_a_login(ranked, client_for):
    response = client_for("anonymous").get(reverse("leaderboards"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_bad_board_or_year_in_the_address_shows_the_overall_board(ranked, client_for):
    response = client_for("lawyer").get(reverse("leaderboards"), {"board": "district|99999", "year": "abc"})
    assert response.status_code == 200 and response.context["scope"] == "overall"


@pytest.mark.django_db
def test_only_staff_can_start_a_refresh(ranked, client_for, eager_celery, django_capture_on_commit_callbacks):
    assert client_for("lawyer").post(reverse("standings_refresh")).status_code == 403
    entry(ranked.lawyer_contributor, 100)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("staff_a").post(reverse("standings_refresh"))
    assert response.status_code == 302
    assert board(YEAR, "overall")[0][0] == ranked.lawyer_contributor.pk


@pytest.mark.django_db
def test_ranks_of_reads_a_fixed_number_of_queries(ranked, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        ranks_of(ranked.lawyer_contributor, YEAR)


@pytest.mark.django_db
def test_the_leaderboard_page_reads_the_same_number_of_queries_at_two_sizes(ranked, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("lawyer")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("leaderboards")).status_code == 200
        return len(queries)

    small = count()
    firm = OrganisationFactory(region=ranked.district_a)
    for n in range(40):
        person = ContributorFactory(region=ranked.township_a if n % 2 else ranked.village_b)
        MembershipFactory(contributor=person, organisation=firm)
        entry(person, 10 + n, hours=1)
    standings_refresh(YEAR)
    assert count() == small


@pytest.mark.django_db
def test_an_organisations_members_count_those_without_points_too(world):
    """Points per member divides by everyone who belonged that year, as the firm record counts."""
    entry(world.lawyer_contributor, 90, hours=9)
    MembershipFactory(contributor=ContributorFactory(region=world.district_a), organisation=world.firm_a)
    standings_refresh(YEAR)
    row = Standing.objects.get(scope="organisation", organisation=world.firm_a)
    assert (row.points, row.members, row.average) == (Decimal("90.00"), 2, Decimal("45.00"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_entry_posted_while_the_refresh_reads_counts_next_time_for_person_and_firm(world, monkeypatch):
    """The refresh reads the totals, the memberships and the entries of those who moved firm as of one
    moment: an entry committed by someone else in the middle of it is counted by the next refresh, for
    the person and their firm alike, never for one of them only (`standings_check` would see it)."""
    import pointbook.standings.services as module

    Membership.objects.filter(pk=world.lawyer_membership.pk).update(
        status=Membership.Status.ENDED, started_on=datetime.date(YEAR - 1, 1, 1), ended_on=datetime.date(YEAR, 7, 1)
    )
    MembershipFactory(
        contributor=world.lawyer_contributor, organisation=world.firm_b, started_on=datetime.date(YEAR, 7, 1)
    )
    entry(world.lawyer_contributor, 40, hours=4, day=datetime.date(YEAR, 3, 1))
    entry(world.lawyer_contributor, 25, hours=2, day=datetime.date(YEAR, 9, 1))
    posted = threading.Event()

    def post_elsewhere():
        try:
            entry(world.lawyer_contributor, 7, hours=1, day=datetime.date(YEAR, 9, 2))
            posted.set()
        finally:
            connections.close_all()

    totals = module._totals
    writer = threading.Thread(target=post_elsewhere)

    def totals_while_someone_posts(year):
        writer.start()
        # PostgreSQL commits it now; SQLite's writer waits for the refresh's transaction to end.
        posted.wait(timeout=1)
        return totals(year)

    monkeypatch.setattr(module, "_totals", totals_while_someone_posts)
    standings_refresh(YEAR)
    writer.join()
    assert standings_check() == []
    assert board(YEAR, "overall") == [(world.lawyer_contributor.pk, 1, Decimal("65.00"))]
    assert dict((pk, points) for pk, _rank, points in board(YEAR, "organisation")) == {
        world.firm_a.pk: Decimal("40.00"),
        world.firm_b.pk: Decimal("25.00"),
    }

    monkeypatch.setattr(module, "_totals", totals)
    standings_refresh(YEAR)
    assert board(YEAR, "overall") == [(world.lawyer_contributor.pk, 1, Decimal("72.00"))]
    assert dict((pk, points) for pk, _rank, points in board(YEAR, "organisation")) == {
        world.firm_a.pk: Decimal("40.00"),
        world.firm_b.pk: Decimal("32.00"),
    }
    assert standings_check() == [] and ledger_verify() == []


@pytest.mark.django_db
def test_equal_points_summed_over_service_types_still_tie_break_by_hours(world):
    """0.10 + 0.20 in binary floats is 0.30000000000000004: totals are compared to the cent, so the
    person with more verified hours comes first."""
    first, second = ServiceType.objects.order_by("id")[:2]
    entry(world.lawyer_contributor, "0.10", hours=1, service_type=first)
    entry(world.lawyer_contributor, "0.20", hours=1, service_type=second)
    entry(world.other_lawyer_contributor, "0.30", hours=3, service_type=first)
    standings_refresh(YEAR)
    assert board(YEAR, "overall") == [
        (world.other_lawyer_contributor.pk, 1, Decimal("0.30")),
        (world.lawyer_contributor.pk, 2, Decimal("0.30")),
    ]


def _two_on_one_service_type_board_of_one_stored_row(world, monkeypatch):
    """Two people on one service type's board, of which only the top row is stored as a row."""
    monkeypatch.setattr(standings, "TYPE_ROWS", 1)
    service_type = ServiceType.objects.order_by("id").first()
    entry(world.lawyer_contributor, 30, hours=3, service_type=service_type)
    entry(world.other_lawyer_contributor, 50, hours=5, service_type=service_type)
    standings_refresh(YEAR)
    return service_type


@pytest.mark.django_db
def test_service_type_values_lists_everyone_on_each_service_type_board(world, monkeypatch):
    service_type = _two_on_one_service_type_board_of_one_stored_row(world, monkeypatch)
    overall = Standing.objects.filter(snapshot__is_current=True, scope="overall").values("contributor_id", "types")
    assert [
        (v["contributor_id"], v["scope_key"], v["rank"], v["points"]) for v in standings.service_type_values(overall)
    ] == [
        (world.other_lawyer_contributor.pk, str(service_type.pk), 1, Decimal("50.00")),
        (world.lawyer_contributor.pk, str(service_type.pk), 2, Decimal("30.00")),
    ]


@pytest.mark.django_db
def test_the_standings_export_lists_everyone_on_a_service_type_board(world, monkeypatch):
    from spreadsheets.exports.services import StandingExport

    service_type = _two_on_one_service_type_board_of_one_stored_row(world, monkeypatch)
    by_type = [row for row in StandingExport().rows(world.city, YEAR) if row[0] == str(service_type)]
    assert [(row[1], row[2]) for row in by_type] == [(1, "王芳"), (2, "李明")]


# --- "As of": every ranking says when it was counted ---------------------------------------------------------


def test_as_of_is_the_minute_in_the_active_time_zone_with_its_offset():
    from pointbook.standings.as_of import as_of_text

    when = datetime.datetime(2025, 3, 1, 13, 15, 40, tzinfo=datetime.UTC)
    with timezone.override("Asia/Shanghai"):
        assert as_of_text(when) == "2025-03-01 21:15 (UTC+8)"
    with timezone.override("Asia/Kolkata"):
        assert as_of_text(when) == "2025-03-01 18:45 (UTC+5:30)"
    with timezone.override("America/New_York"):
        assert as_of_text(when) == "2025-03-01 08:15 (UTC-5)"
    assert as_of_text(None) == ""


@pytest.mark.django_db
def test_a_snapshot_is_stamped_before_it_reads_so_everything_posted_before_its_as_of_is_counted(world):
    posted = entry(world.lawyer_contributor, 10, hours=1)
    snapshot = standings_refresh(YEAR)
    assert posted.created_at <= snapshot.computed_at <= timezone.now()
    assert snapshot.watermark >= posted.pk


@pytest.mark.django_db
@pytest.mark.parametrize("language, words", [("zh-hans", "截至"), ("en", "As of")])
def test_the_standings_my_points_and_the_firm_record_say_as_of_in_the_viewers_language(
    ranked, client_for, language, words
):
    from pointbook.standings.as_of import as_of_text

    snapshot = StandingsSnapshot.objects.get(year=YEAR, is_current=True)
    as_of = as_of_text(snapshot.computed_at)
    assert as_of.endswith("(UTC+8)")  # the city's clock (TIME_ZONE)
    lawyer = client_for("lawyer")
    lawyer.cookies["pb_language"] = language
    html = lawyer.get(reverse("leaderboards")).content.decode()
    assert f"{words} {as_of}" in html
    my_points = lawyer.get(reverse("my_points")).content.decode()
    assert 'id="ranks-as-of"' in my_points and as_of in my_points
    admin = client_for("firm_admin")
    admin.cookies["pb_language"] = language
    record = admin.get(reverse("firm_record", args=[ranked.firm_a.pk])).content.decode()
    assert 'id="rank-as-of"' in record and as_of in record
