"""Service records of earlier years import as approved records and ledger entries through the bulk
posting service; yearly targets import as plans. All or nothing, and a second import changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from pointbook.ledger.services import ledger_verify
from pointbook.models import LedgerEntry, Target, TargetPlan
from tests.factories import ContributorFactory
from volunteers.models import ServiceRecord, ServiceType

HEADERS = "来源编号,执业证号或电子邮箱,服务类型,区划代码,服务场所,日期,时长（小时）,服务人数,服务的特殊群体,服务内容"
LAST_YEAR = timezone.localdate().year - 1


def csv_file(text, name="history.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def history(*rows):
    return "\n".join([HEADERS, *rows]) + "\n"


def upload(client, kind, text):
    return client.post(reverse("staff_imports"), {"kind": kind, "file": csv_file(text)})


def confirm(client, response):
    context = response.context
    return client.post(
        reverse("staff_import_confirm"),
        {"token": context["token"], "kind": context["kind"].code, "name": context["name"]},
    )


@pytest.fixture
def rows(world):
    ContributorFactory(kind="volunteer", region=world.township_a, user__email="vol@example.cn")  # OLD-3, by email
    lawyer = world.lawyer_contributor
    hotline = ServiceType.objects.get(code="hotline_12348")
    return [
        f"OLD-1,{lawyer.licence_number},hotline_12348,{world.district_a.code},{world.venue_a.name},{LAST_YEAR}-03-08,3,5,,热线值班",
        f"OLD-2,{lawyer.licence_number},{hotline.name_zh},{world.district_a.code},,{LAST_YEAR}/3/9,2.5,,老年人、妇女,",
        f"OLD-3,VOL@example.cn,hotline_12348,{world.township_a.code},,{LAST_YEAR}年6月1日,4,,,",
    ]


def test_history_becomes_approved_records_and_ledger_entries(world, client_for, rows):
    client = client_for("staff_a")
    entries = LedgerEntry.objects.count()
    response = upload(client, "history", history(*rows))
    plan = response.context["plan"]
    assert plan.ok, plan.problems
    assert plan.new == 3
    assert LedgerEntry.objects.count() == entries and not ServiceRecord.objects.filter(import_ref__isnull=False)

    confirm(client, response)
    records = {r.import_ref: r for r in ServiceRecord.objects.filter(import_ref__startswith="OLD-")}
    assert set(records) == {"OLD-1", "OLD-2", "OLD-3"}
    first = records["OLD-1"]
    assert (first.status, first.contributor, first.venue, first.hours, first.people_served) == (
        ServiceRecord.Status.APPROVED,
        world.lawyer_contributor,
        world.venue_a,
        Decimal("3.00"),
        5,
    )
    assert first.date == datetime.date(LAST_YEAR, 3, 8)
    assert records["OLD-2"].special_groups == ["elderly", "women"]
    entry = LedgerEntry.objects.get(source=LedgerEntry.Source.SERVICE_RECORD, source_id=first.pk)
    assert entry.points == Decimal("30.00")  # 3 h × 10 points an hour on the hotline
    assert entry.effective_date == first.date and entry.idempotency_key == f"record:{first.pk}:award:1"
    assert LedgerEntry.objects.count() == entries + 3
    assert ledger_verify() == []

    # Again: every row found by its source id, nothing posted twice.
    plan = upload(client, "history", history(*rows)).context["plan"]
    assert (plan.new, plan.changed, plan.unchanged, plan.problem_count) == (0, 0, 3, 0)
    assert LedgerEntry.objects.count() == entries + 3


def test_a_source_id_imported_with_other_content_is_refused(world, client_for, rows):
    client = client_for("staff_a")
    confirm(client, upload(client, "history", history(*rows)))
    changed = rows[0].replace(",3,5,", ",4,5,")
    plan = upload(client, "history", history(changed)).context["plan"]
    assert [(p.row, p.column) for p in plan.problems] == [(2, "来源编号")]


def test_one_bad_row_writes_nothing(world, client_for, rows):
    client = client_for("staff_a")
    bad = rows + [
        f"OLD-4,{world.lawyer_contributor.licence_number},hotline_12348,{world.district_a.code},,"
        f"{timezone.localdate().year}-01-02,2,,,"
    ]
    entries, records = LedgerEntry.objects.count(), ServiceRecord.objects.count()
    response = upload(client, "history", history(*bad))
    plan = response.context["plan"]
    assert [(p.row, p.column) for p in plan.problems] == [(5, "日期")]
    assert response.context["token"] is None
    assert (LedgerEntry.objects.count(), ServiceRecord.objects.count()) == (entries, records)


@pytest.mark.parametrize(
    "row,column",
    [
        ("OLD-9,{licence},hotline_12348,{code},,2019-05-05,2,,,", "服务类型"),  # before any points rule
        ("OLD-9,{licence},no_such_type,{code},,{year}-05-05,2,,,", "服务类型"),
        ("OLD-9,{licence},hotline_12348,{code},没有的场所,{year}-05-05,2,,,", "服务场所"),
        ("OLD-9,{licence},hotline_12348,{code},,{year}-05-05,2.1,,,", "时长（小时）"),
        ("OLD-9,nobody@example.cn,hotline_12348,{code},,{year}-05-05,2,,,", "执业证号或电子邮箱"),
        ("record:999999,{licence},hotline_12348,{code},,{year}-05-05,2,,,", "来源编号"),
    ],
)
def test_bad_rows_are_named_by_column(world, client_for, row, column):
    text = history(
        row.format(licence=world.lawyer_contributor.licence_number, code=world.district_a.code, year=LAST_YEAR)
    )
    plan = upload(client_for("staff_a"), "history", text).context["plan"]
    assert [p.column for p in plan.problems] == [column], plan.problems


def test_a_day_has_24_hours_across_rows(world, client_for):
    licence = world.lawyer_contributor.licence_number
    rows = [f"D-{n},{licence},hotline_12348,{world.district_a.code},,{LAST_YEAR}-07-07,10,,," for n in range(3)]
    plan = upload(client_for("staff_a"), "history", history(*rows)).context["plan"]
    assert plan.problem_count == 3 and {p.column for p in plan.problems} == {"时长（小时）"}


def test_staff_import_history_only_for_people_in_their_area(world, client_for, rows):
    plan = upload(client_for("staff_b"), "history", history(rows[0])).context["plan"]
    assert not plan.ok
    assert not ServiceRecord.objects.filter(import_ref="OLD-1").exists()


def test_a_site_record_exported_and_imported_again_is_unchanged(world, client_for):
    lawyer = world.lawyer_contributor
    record = ServiceRecord.objects.create(
        contributor=lawyer,
        service_type=ServiceType.objects.get(code="hotline_12348"),
        region=world.district_a,
        date=timezone.localdate(),
        started_at=timezone.now() - datetime.timedelta(hours=2),
        ended_at=timezone.now(),
        hours=Decimal("2.00"),
        status=ServiceRecord.Status.SUBMITTED,
    )
    row = (
        f"record:{record.pk},{lawyer.licence_number},hotline_12348,{world.district_a.code},,"
        f"{record.date.isoformat()},2,,,"
    )
    plan = upload(client_for("staff_a"), "history", history(row)).context["plan"]
    assert (plan.unchanged, plan.problem_count) == (1, 0)


def test_targets_import_and_reimport(world, client_for):
    from spreadsheets.resources.points import TargetResource

    client = client_for("staff_a")
    headers = ",".join(column.header() for column in TargetResource().columns())
    text = (
        f"{headers}\n{world.district_a.code},{LAST_YEAR + 1},12,300,1000,5,10,60,100,100\n"
        f"{world.township_a.code},{LAST_YEAR + 1},4,100,300,2,,,,\n"
    )
    response = upload(client, "targets", text)
    assert response.context["plan"].new == 2, response.context["plan"].problems
    confirm(client, response)
    plan = TargetPlan.objects.get(region=world.district_a, year=LAST_YEAR + 1)
    assert {t.metric: t.value for t in plan.targets.all()} == {
        "education_events": 12,
        "service_cases": 300,
        "consultations": 1000,
        "villages_adviser": 5,
    }
    assert Target.objects.filter(plan__region=world.township_a).count() == 4
    assert upload(client, "targets", text).context["plan"].unchanged == 2
    # Shares must be cumulative; another district's region is not staff A's.
    bad = (
        f"{headers}\n{world.district_a.code},{LAST_YEAR + 1},12,300,1000,5,60,10,100,100\n"
        f"{world.district_b.code},{LAST_YEAR + 1},1,1,1,1,,,,\n"
    )
    plan = upload(client, "targets", bad).context["plan"]
    assert [p.row for p in plan.problems] == [2, 3]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_special_groups_round_trip_whatever_their_labels_hold(language):
    from django.utils import translation

    from spreadsheets.resources.points import HistoryResource
    from volunteers.models import SpecialGroup

    widget = HistoryResource().fields["special_groups"].widget
    every = [code for code, _label in SpecialGroup.choices]
    with translation.override(language):
        assert widget.clean(widget.render(every)) == every
        assert widget.clean(widget.render(["military"])) == ["military"]
    assert widget.clean("Migrant workers, 老年人 / minors") == ["migrant_workers", "elderly", "minors"]
    with pytest.raises(Exception, match="宇航员|astronaut"):
        widget.clean("老年人、宇航员")
