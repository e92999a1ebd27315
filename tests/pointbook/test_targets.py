"""Yearly targets per region (as in the Yuxi plan): actuals per quarter from approved records of the subtree, the
expected cumulative share, the behind flag, the staff dashboard and the form that sets a plan."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pointbook.models import Target, TargetPlan
from pointbook.targets import services as targets
from tests.factories import ContributorFactory, RegionFactory
from volunteers.models import AuditEntry, ServiceRecord, ServiceType

YEAR = 2025  # a past year: every quarter has ended, so it is judged at Q4
TODAY = datetime.date(2026, 11, 29)  # Q3 of 2026 has ended, Q4 runs
APPROVED, SUBMITTED, REJECTED = (
    ServiceRecord.Status.APPROVED,
    ServiceRecord.Status.SUBMITTED,
    ServiceRecord.Status.REJECTED,
)
VALUES = {"education_events": 10, "service_cases": 20, "consultations": 100, "villages_adviser": 2}
YUXI = (10, 60, 100, 100)


def _record(region, code, day, *, status=APPROVED, people=0, contributor=None):
    contributor = contributor or ContributorFactory(region=region)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    return ServiceRecord.objects.create(
        contributor=contributor,
        service_type=ServiceType.objects.get(code=code),
        region=region,
        date=day,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=2),
        hours=2,
        status=status,
        people_served=people,
    )


def _plan(region, values=None, shares=YUXI, year=YEAR, actor=None):
    return targets.target_plan_set(region=region, year=year, values=values or VALUES, shares=shares, actor=actor)


def _metric(region_progress, metric):
    return next(m for m in region_progress.metrics if m.metric == metric)


def _actuals(region_progress, metric):
    return [q.actual for q in _metric(region_progress, metric).quarters]


def _region(progress, region):
    return next(r for r in progress.regions if r.region.pk == region.pk)


# --- actuals ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_actuals_are_cumulative_per_quarter_and_count_only_approved_records_of_the_subtree(world):
    a, b = world.district_a, world.district_b
    person = ContributorFactory(region=a)
    # District A: education events in Q1, Q2 and Q4; one submitted and one rejected that do not count.
    for day in (
        datetime.date(YEAR, 2, 1),
        datetime.date(YEAR, 3, 31),
        datetime.date(YEAR, 5, 1),
        datetime.date(YEAR, 12, 31),
    ):
        _record(world.township_a, "legal_education", day, contributor=person)
    _record(a, "legal_education", datetime.date(YEAR, 1, 5), status=SUBMITTED, contributor=person)
    _record(a, "legal_education", datetime.date(YEAR, 1, 6), status=REJECTED, contributor=person)
    # Other years do not count.
    _record(a, "legal_education", datetime.date(YEAR - 1, 12, 31), contributor=person)
    _record(a, "legal_education", datetime.date(YEAR + 1, 1, 1), contributor=person)
    # Cases: several types count, a consultation does not.
    _record(a, "mediation", datetime.date(YEAR, 4, 1), contributor=person)
    _record(world.village_a, "legal_aid", datetime.date(YEAR, 7, 1), contributor=person)
    _record(a, "duty_lawyer", datetime.date(YEAR, 9, 30), contributor=person)
    _record(a, "enterprise_checkup", datetime.date(YEAR, 10, 1), contributor=person)
    # Consultations: people served on consultation, hotline and village-adviser records.
    _record(a, "consultation", datetime.date(YEAR, 1, 10), people=7, contributor=person)
    _record(a, "hotline_12348", datetime.date(YEAR, 8, 10), people=5, contributor=person)
    _record(world.village_a, "village_adviser", datetime.date(YEAR, 11, 10), people=3, contributor=person)
    _record(a, "consultation", datetime.date(YEAR, 2, 10), people=50, status=SUBMITTED, contributor=person)
    # District B: its own records, outside A's subtree.
    _record(b, "legal_education", datetime.date(YEAR, 2, 1))
    _record(world.village_b, "consultation", datetime.date(YEAR, 2, 1), people=30)
    _plan(a)
    _plan(b)

    progress = targets.targets_progress(world.city, YEAR, today=TODAY)
    district_a = _region(progress, a)
    assert _actuals(district_a, "education_events") == [2, 3, 3, 4]
    assert _actuals(district_a, "service_cases") == [0, 1, 3, 4]
    assert _actuals(district_a, "consultations") == [7, 7, 12, 15]
    district_b = _region(progress, b)
    assert _actuals(district_b, "education_events") == [1, 1, 1, 1]
    assert _actuals(district_b, "consultations") == [30, 30, 30, 30]
    # Staff of district A see the same figures for their district.
    assert _actuals(_region(targets.targets_progress(a, YEAR, today=TODAY), a), "education_events") == [2, 3, 3, 4]


@pytest.mark.django_db
def test_the_city_counts_its_districts_and_what_is_placed_at_the_city_itself(world):
    _record(world.district_a, "legal_education", datetime.date(YEAR, 2, 1))
    _record(world.village_b, "legal_education", datetime.date(YEAR, 5, 1))
    _record(world.city, "legal_education", datetime.date(YEAR, 8, 1))
    _plan(world.city)
    city = _region(targets.targets_progress(world.city, YEAR, today=TODAY), world.city)
    assert _actuals(city, "education_events") == [1, 2, 3, 3]


@pytest.mark.django_db
def test_villages_with_an_adviser_counts_distinct_villages_cumulatively(world):
    second_village = RegionFactory(parent=world.township_a)
    # Village A has advisers in Q1 and again in Q3: one village. The second village from Q2 on.
    for day in (datetime.date(YEAR, 1, 10), datetime.date(YEAR, 2, 10), datetime.date(YEAR, 8, 1)):
        _record(world.village_a, "village_adviser", day)
    _record(second_village, "village_adviser", datetime.date(YEAR, 4, 2))
    # Not a village (a township), not approved, or another service at a village: none counts.
    _record(world.township_a, "village_adviser", datetime.date(YEAR, 1, 10))
    village_c = RegionFactory(parent=world.township_a)
    _record(village_c, "village_adviser", datetime.date(YEAR, 1, 10), status=SUBMITTED)
    _record(village_c, "consultation", datetime.date(YEAR, 1, 10), people=4)
    # Village B is in the other district.
    _record(world.village_b, "village_adviser", datetime.date(YEAR, 3, 1))
    _plan(world.district_a)
    _plan(world.city)

    progress = targets.targets_progress(world.city, YEAR, today=TODAY)
    assert _actuals(_region(progress, world.district_a), "villages_adviser") == [1, 2, 2, 2]
    assert _actuals(_region(progress, world.city), "villages_adviser") == [2, 3, 3, 3]


# --- expected and behind --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_expected_is_the_target_times_the_cumulative_share(world):
    _plan(world.district_a, values={**VALUES, "education_events": 700, "consultations": 7}, shares=(10, 60, 100, 100))
    district = _region(targets.targets_progress(world.city, YEAR, today=TODAY), world.district_a)
    events = _metric(district, "education_events")
    assert events.target == 700
    assert [q.expected for q in events.quarters] == [70, 420, 700, 700]
    assert [float(q.expected) for q in _metric(district, "consultations").quarters] == [0.7, 4.2, 7, 7]


@pytest.mark.django_db
def test_a_region_is_behind_when_an_actual_is_below_expected_at_the_last_ended_quarter(world):
    # 2026 on 29 November: Q3 has ended, expected 100 % of the target by then.
    year = 2026
    for month in (1, 4, 7):
        _record(world.district_a, "legal_education", datetime.date(year, month, 2))
    _record(world.district_b, "legal_education", datetime.date(year, 2, 2))
    on_track = {"education_events": 3, "service_cases": 0, "consultations": 0, "villages_adviser": 0}
    _plan(world.district_a, values=on_track, year=year)
    _plan(world.district_b, values={**on_track, "education_events": 2}, year=year)

    progress = targets.targets_progress(world.city, year, today=TODAY)
    assert progress.judged_quarter == 3
    district_a, district_b = _region(progress, world.district_a), _region(progress, world.district_b)
    assert not district_a.behind
    assert district_b.behind and [m.metric for m in district_b.behind_metrics] == ["education_events"]
    judged = _metric(district_b, "education_events").judged
    assert (judged.quarter, judged.actual, judged.expected) == (3, 1, 2)
    assert [r.region for r in progress.behind] == [world.district_b]
    # B was also below the share expected by Q2 (1 < 1.2), but only the judged quarter flags.
    assert [q.behind for q in _metric(district_b, "education_events").quarters] == [False, False, True, False]


@pytest.mark.django_db
def test_nothing_is_judged_while_the_first_quarter_runs(world):
    _plan(world.district_a, year=2026)
    progress = targets.targets_progress(world.city, 2026, today=datetime.date(2026, 2, 1))
    assert progress.judged_quarter is None and progress.behind == []
    assert targets.targets_progress(world.city, 2026, today=datetime.date(2026, 4, 1)).judged_quarter == 1
    assert targets.targets_progress(world.city, 2025, today=datetime.date(2026, 2, 1)).judged_quarter == 4


@pytest.mark.django_db
def test_regions_without_a_plan_are_listed_as_without_targets(world):
    _plan(world.district_a)
    progress = targets.targets_progress(world.city, YEAR, today=TODAY)
    assert [r.region for r in progress.regions] == [world.district_a]
    assert progress.without_plan == [world.city, world.district_b]


# --- setting a plan ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_setting_a_plan_writes_targets_and_an_audit_entry_and_setting_again_updates(world):
    plan = _plan(world.district_a, actor=world.city_staff)
    assert {t.metric: t.value for t in plan.targets.all()} == VALUES
    again = _plan(
        world.district_a, values={**VALUES, "service_cases": 25}, shares=(20, 50, 90, 100), actor=world.city_staff
    )
    assert again.pk == plan.pk and TargetPlan.objects.count() == 1 and Target.objects.count() == 4
    again.refresh_from_db()
    assert (again.q1_share, again.q2_share, again.q3_share, again.q4_share) == (20, 50, 90, 100)
    assert Target.objects.get(plan=again, metric="service_cases").value == 25
    entries = AuditEntry.objects.filter(action="target_plan_set", object_id=str(plan.pk)).order_by("created_at", "id")
    assert [e.actor for e in entries] == [world.city_staff, world.city_staff]
    assert (
        entries[1].data["before"]["values"]["service_cases"] == 20 and entries[1].data["values"]["service_cases"] == 25
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "shares, values",
    [
        ((60, 10, 100, 100), VALUES),  # not cumulative
        ((10, 60, 100, 120), VALUES),  # over 100
        ((10, 60, 100, 100), {**VALUES, "consultations": -1}),
        ((10, 60, 100), VALUES),
    ],
)
def test_bad_input_changes_nothing(world, shares, values):
    plan = _plan(world.district_a)
    with pytest.raises(targets.ValidationError):
        targets.target_plan_set(region=world.district_a, year=YEAR, values=values, shares=shares, actor=None)
    with pytest.raises(targets.ValidationError):
        targets.target_plan_set(region=world.district_b, year=YEAR, values=values, shares=shares, actor=None)
    assert list(TargetPlan.objects.all()) == [plan]
    assert {t.metric: t.value for t in plan.targets.all()} == VALUES
    assert AuditEntry.objects.filter(action="target_plan_set").count() == 1


# --- the pages ---------------------------------------------------------------------------------------------------


def _form(values=None, shares=YUXI):
    data = dict(values or VALUES)
    data.update({f"q{q}_share": share for q, share in enumerate(shares, start=1)})
    return data


def _edit_url(region, year=YEAR):
    return reverse("staff_target_edit", args=[region.pk, year])


@pytest.mark.django_db
def test_staff_set_a_plan_for_a_region_of_their_subtree(world, client_for):
    client = client_for("staff_a")
    assert client.get(_edit_url(world.township_a)).status_code == 200
    response = client.post(_edit_url(world.township_a), _form())
    assert response.status_code == 302 and response["Location"] == f"{reverse('staff_targets')}?year={YEAR}"
    plan = TargetPlan.objects.get(region=world.township_a, year=YEAR)
    assert {t.metric: t.value for t in plan.targets.all()} == VALUES and plan.updated_by == world.staff_a
    # The form shows the saved plan.
    page = client.get(_edit_url(world.township_a)).content.decode()
    assert 'name="consultations" value="100"' in page


@pytest.mark.django_db
def test_staff_of_district_b_can_neither_edit_nor_see_district_a(world, client_for):
    _plan(world.district_a)
    client = client_for("staff_b")
    assert client.get(_edit_url(world.district_a)).status_code == 404
    assert client.post(_edit_url(world.district_a), _form(shares=(0, 0, 0, 0))).status_code == 404
    assert client.get(_edit_url(world.city)).status_code == 404
    assert TargetPlan.objects.get(region=world.district_a).q1_share == 10
    page = client.get(reverse("staff_targets") + f"?year={YEAR}").content.decode()
    assert world.district_a.name not in page and f'data-region="{world.district_a.pk}"' not in page
    # Not staff at all: refused.
    assert client_for("lawyer").get(reverse("staff_targets")).status_code == 403
    assert client_for("lawyer").get(_edit_url(world.district_a)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "shares, message",
    [
        ((60, 10, 100, 100), "cumulative"),
        ((10, 60, 100, 120), "less than or equal to 100"),
    ],
)
def test_bad_shares_show_a_form_error_and_save_nothing(world, client_for, shares, message):
    plan = _plan(world.district_a)
    client = client_for("city_staff")
    client.cookies["pb_language"] = "en"
    for region in (world.district_a, world.district_b):
        response = client.post(_edit_url(region), _form(values={**VALUES, "service_cases": 999}, shares=shares))
        assert response.status_code == 200
        assert message in response.content.decode()
    assert list(TargetPlan.objects.all()) == [plan]
    assert Target.objects.get(plan=plan, metric="service_cases").value == 20


@pytest.mark.django_db
def test_the_dashboard_flags_regions_behind_at_the_top_and_charts_every_quarter(world, client_for):
    _record(world.district_a, "legal_education", datetime.date(YEAR, 3, 1))
    _plan(
        world.district_a,
        values={**VALUES, "education_events": 1, "service_cases": 0, "consultations": 0, "villages_adviser": 0},
    )
    _plan(world.district_b)  # nothing done in B: behind on everything
    client = client_for("city_staff")
    client.cookies["pb_language"] = "en"
    page = client.get(reverse("staff_targets") + f"?year={YEAR}").content.decode()
    warning = re.search(r'<div class="notice warning" id="behind".*?</div>', page, re.S).group(0)
    assert "1 region is behind the expected share at the end of Q4" in warning
    assert world.district_b.name in warning and world.district_a.name not in warning
    assert "Legal-education events 0 of 10 expected" in warning
    # Four quarter bars per measure per region with a plan, each with an expected marker.
    assert page.count('class="tq ') == 2 * 4 * 4
    rows = re.findall(r'<div class="tq [a-z]+" data-quarter="\d">.*?</div>', page, re.S)
    assert len(rows) == 2 * 4 * 4 and all('class="marker"' in row for row in rows)
    assert "No targets set" in page and "no targets set for 2025" in page  # the city has no plan
    assert page.index('id="behind"') < page.index(f'id="region-{world.district_a.pk}"')


@pytest.mark.django_db
def test_the_dashboard_renders_in_english_and_chinese(world, client_for):
    _plan(world.district_a)
    client = client_for("staff_a")
    zh = client.get(reverse("staff_targets") + f"?year={YEAR}")
    assert zh.status_code == 200
    assert '<html lang="zh-hans">' in zh.content.decode() and world.district_a.name in zh.content.decode()
    client.cookies["pb_language"] = "en"
    en = client.get(reverse("staff_targets") + f"?year={YEAR}").content.decode()
    assert '<html lang="en">' in en and "Legal-education events" in en and "Targets 2025" in en
    edit = client.get(_edit_url(world.district_a)).content.decode()
    assert "Expected by end of Q1 (%)" in edit


@pytest.mark.django_db
def test_a_bad_year_is_refused_with_a_message(world, client_for):
    client = client_for("staff_a")
    client.cookies["pb_language"] = "en"
    page = client.get(reverse("staff_targets") + "?year=abc").content.decode()
    assert "is not a year" in page
    assert client.get(reverse("staff_target_edit", args=[world.district_a.pk, 3000])).status_code == 404


# --- queries ------------------------------------------------------------------------------------------------------


def _dashboard_queries(client):
    url = reverse("staff_targets") + f"?year={YEAR}"
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _add_records(world, n):
    people = [ContributorFactory(region=world.district_a) for _ in range(3)]
    codes = ["legal_education", "mediation", "consultation", "village_adviser", "hotline_12348"]
    places = [world.district_a, world.township_a, world.village_a, world.district_b, world.village_b]
    types = {t.code: t for t in ServiceType.objects.filter(code__in=codes)}
    rows = []
    for i in range(n):
        day = datetime.date(YEAR, 1, 1) + datetime.timedelta(days=i % 365)
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        rows.append(
            ServiceRecord(
                contributor=people[i % 3],
                service_type=types[codes[i % 5]],
                region=places[(i // 5) % 5],
                date=day,
                started_at=start,
                ended_at=start + datetime.timedelta(hours=1),
                hours=1,
                status=APPROVED if i % 4 else SUBMITTED,
                people_served=i % 9,
            )
        )
    ServiceRecord.objects.bulk_create(rows)


@pytest.mark.django_db
def test_the_dashboard_runs_the_same_number_of_queries_however_many_records(world, client_for):
    for region in (world.city, world.district_a, world.district_b):
        _plan(region)
    client = client_for("city_staff")
    _add_records(world, 10)
    small = _dashboard_queries(client)
    _add_records(world, 1500)
    for _ in range(3):  # more districts, with plans, and townships without
        _plan(RegionFactory(parent=world.city, level=2))
        RegionFactory(parent=world.district_b)
    big = _dashboard_queries(client)
    assert small == big and small <= 10, (small, big)


# --- demo ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_targets_leave_some_districts_behind_and_some_ahead():
    from django.core.management import call_command

    from demo.targets import demo_targets
    from volunteers.models import Region

    call_command("seed_demo", scale="small")
    this_year = timezone.localdate().year
    assert demo_targets(this_year) == {"target plans": 6}
    assert demo_targets(this_year) == {"target plans": 6}  # again: the same plans, updated
    assert TargetPlan.objects.count() == 6 and Target.objects.count() == 24
    city = Region.get_first_root_node()
    for year in (this_year - 1, this_year):
        progress = targets.targets_progress(city, year)
        assert [r.region.level for r in progress.regions] == [1, 2, 2] and progress.without_plan == []
        if progress.judged_quarter:
            districts = progress.regions[1:]
            assert any(r.behind for r in districts) and not all(r.behind for r in districts), year
        # Plausible: the city hands its districts at least its own target, none of them empty.
        for metric in targets.METRICS:
            values = [_metric(r, metric.value).target for r in progress.regions]
            assert 0 < values[0] <= sum(values[1:])
        assert all(_metric(r, "consultations").target > 0 for r in progress.regions)
