"""Staff import rosters, organisations, regions and venues from spreadsheets: a preview that writes
nothing, then all rows or none, matched by natural keys so a second import changes nothing."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from spreadsheets.imports.services import import_preview
from spreadsheets.upload import SheetError
from volunteers.models import AuditEntry, Contributor, ImportJob, Membership, Organisation, Region, User, Venue

HEADERS_ZH = "姓名,类别,执业证号,所属机构执业证号,手机,电子邮箱,区划代码"
HEADERS_EN = "Name,Kind,Licence number,Organisation licence number,Mobile phone,Email,Region code"


def csv_file(text, name="roster.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def roster_rows(world, count=3, start=0):
    return [
        f"钱律师{n},律师,1420{start + n:013d},{world.firm_a.licence_number},139{start + n:08d},"
        f"qian{start + n}@example.cn,{world.district_a.code}"
        for n in range(count)
    ]


def roster(world, rows, headers=HEADERS_ZH):
    return "\n".join([headers, *rows]) + "\n"


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def upload(client, kind, file):
    return client.post(reverse("staff_imports"), {"kind": kind, "file": file})


def confirm(client, response):
    form = response.context["token"], response.context["kind"].code, response.context["name"]
    return client.post(reverse("staff_import_confirm"), {"token": form[0], "kind": form[1], "name": form[2]})


def test_roster_preview_writes_nothing_then_confirm_imports_everyone(world, client_for):
    client = client_for("staff_a")
    people, jobs, audits = Contributor.objects.count(), ImportJob.objects.count(), AuditEntry.objects.count()
    response = upload(client, "contributors", csv_file(roster(world, roster_rows(world))))
    assert response.status_code == 200
    plan = response.context["plan"]
    assert (plan.rows, plan.new, plan.changed, plan.unchanged, plan.problem_count) == (3, 3, 0, 0, 0), plan.problems
    # The preview has no side effects at all: no rows, no audit, no job, no email.
    assert Contributor.objects.count() == people
    assert ImportJob.objects.count() == jobs
    assert AuditEntry.objects.count() == audits
    assert not mail.outbox
    assert not User.objects.filter(email="qian0@example.cn").exists()

    response = confirm(client, response)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("staff_import", args=[job.pk])
    assert (job.status, job.rows, job.created, job.changed) == ("done", 3, 3, 0)
    person = Contributor.objects.get(licence_number="14200000000000001")
    assert person.legal_name == "钱律师1" and person.kind == "lawyer" and person.region == world.district_a
    assert person.user.email == "qian1@example.cn" and not person.user.has_usable_password()
    assert person.user.emailaddress_set.get().primary
    membership = Membership.objects.get(contributor=person)
    assert (membership.organisation, membership.status) == (world.firm_a, Membership.Status.ACTIVE)
    page = client.get(reverse("staff_import", args=[job.pk])).content.decode()
    assert "roster.csv" in page

    # The same file again: every row is found and nothing changes.
    response = upload(client, "contributors", csv_file(roster(world, roster_rows(world))))
    plan = response.context["plan"]
    assert (plan.new, plan.changed, plan.unchanged) == (0, 0, 3)
    assert response.context["token"] is None
    assert Contributor.objects.filter(licence_number__startswith="1420000000000000").count() == 3


def test_gbk_csv_with_full_width_licence_digits_is_read_and_normalised(world, client_for):
    client = client_for("staff_a")
    row = f"周律师,律师,１４２０ ００００ ０００００ ７７７７,{world.firm_a.licence_number},13912345678,zhou@example.cn,{world.district_a.code}"
    response = upload(client, "contributors", csv_file(roster(world, [row]), encoding="gbk"))
    assert response.context["plan"].ok, response.context["plan"].problems
    confirm(client, response)
    assert Contributor.objects.get(legal_name="周律师").licence_number == "14200000000007777"


def test_english_headers_are_accepted(world, client_for):
    client = client_for("staff_a")
    response = upload(client, "contributors", csv_file(roster(world, roster_rows(world, 1), HEADERS_EN)))
    assert response.context["plan"].new == 1


def test_one_bad_row_among_500_writes_nothing_and_names_the_row_and_column(world, client_for, english):
    client = client_for("staff_a")
    client.cookies["pb_language"] = "en"
    rows = roster_rows(world, 500)
    rows[321] = rows[321].replace(",139", ",12345")  # not a mobile number, on file row 323
    before = Contributor.objects.count()
    response = upload(client, "contributors", csv_file(roster(world, rows)))
    plan = response.context["plan"]
    assert not plan.ok and plan.problem_count == 1
    problem = plan.problems[0]
    assert (problem.row, problem.column) == (323, "Mobile phone")
    assert "11-digit" in problem.message and "12345" in problem.message  # the cell as written is quoted
    page = response.content.decode()
    assert "Nothing was imported" in page and "323" in page
    assert response.context["token"] is None  # nothing to confirm
    assert Contributor.objects.count() == before


def test_problems_are_in_chinese_by_default(world, client_for):
    client = client_for("staff_a")
    rows = roster_rows(world, 2)
    rows[1] = rows[1].replace("律师,", "宇航员,", 1)
    response = upload(client, "contributors", csv_file(roster(world, rows)))
    problem = response.context["plan"].problems[0]
    assert problem.row == 3 and problem.column == "类型"
    assert "律师" in problem.message  # lists the kinds, in Chinese


def test_every_problem_of_a_row_is_shown_not_only_the_first(world, client_for, english):
    client = client_for("staff_a")
    client.cookies["pb_language"] = "en"
    rows = roster_rows(world, 2)
    # Row 3: a bad mobile number, a firm that does not exist, and a region code that does not exist.
    rows[1] = rows[1].replace(",139", ",12345").replace(world.firm_a.licence_number, "99999999999999999")
    rows[1] = rows[1].replace(world.district_a.code, "999999")
    before = Contributor.objects.count()

    plan = upload(client, "contributors", csv_file(roster(world, rows))).context["plan"]

    assert sorted((p.row, p.column) for p in plan.problems) == [
        (3, "Mobile phone"),
        (3, "Organisation licence number"),
        (3, "Region code"),
    ]
    assert Contributor.objects.count() == before


def test_duplicates_within_the_file_are_refused(world, client_for):
    client = client_for("staff_a")
    rows = roster_rows(world, 2)
    rows.append(rows[0].replace("qian0@", "other@"))
    response = upload(client, "contributors", csv_file(roster(world, rows)))
    plan = response.context["plan"]
    assert [(p.row, p.column) for p in plan.problems] == [(4, "执业证号")]


def test_missing_column_is_reported_before_any_row(world, client_for, english):
    client = client_for("staff_a")
    client.cookies["pb_language"] = "en"
    text = "Name,Kind,Licence number,Mobile phone,Region code\n钱律师,律师,14200000000000001,13900000001,410402\n"
    plan = upload(client, "contributors", csv_file(text)).context["plan"]
    assert [(p.row, p.column) for p in plan.problems] == [(1, "Email")]
    assert "missing" in plan.problems[0].message


def test_staff_cannot_import_into_or_change_another_district(world, client_for):
    client = client_for("staff_b")
    response = upload(client, "contributors", csv_file(roster(world, roster_rows(world, 1))))
    messages = [p.message for p in response.context["plan"].problems]
    assert any(world.district_a.code in m for m in messages)
    # Someone of district A, found by licence number, is not staff B's to change.
    lawyer = world.lawyer_contributor
    row = f"改名,律师,{lawyer.licence_number},,13900000000,{lawyer.user.email},{world.district_b.code}"
    response = upload(client, "contributors", csv_file(roster(world, [row])))
    assert not response.context["plan"].ok
    lawyer.refresh_from_db()
    assert lawyer.legal_name == "李明"


def test_roster_update_changes_name_and_moves_firm_and_clears_verification(world, client_for):
    from django.utils import timezone

    lawyer = world.lawyer_contributor
    Contributor.objects.filter(pk=lawyer.pk).update(verified_at=timezone.now())
    firm_a2 = Organisation.objects.create(
        name="河南第二律师事务所", kind="law_firm", region=world.district_a, licence_number="31410000000000099"
    )
    row = f"李明明,律师,{lawyer.licence_number},{firm_a2.licence_number},{lawyer.phone},{lawyer.user.email},{world.district_a.code}"
    client = client_for("staff_a")
    response = upload(client, "contributors", csv_file(roster(world, [row])))
    assert response.context["plan"].changed == 1
    sample = response.context["plan"].samples[0]
    assert (sample.row, sample.changes) == (2, ["姓名", "所属机构执业许可证号"])
    assert "所属机构执业许可证号" in response.content.decode()
    confirm(client, response)
    lawyer.refresh_from_db()
    assert lawyer.legal_name == "李明明" and lawyer.verified_at is None
    memberships = {m.organisation_id: m.status for m in Membership.objects.filter(contributor=lawyer)}
    assert memberships == {world.firm_a.pk: Membership.Status.ENDED, firm_a2.pk: Membership.Status.ACTIVE}


def test_an_email_of_another_account_is_refused(world, client_for):
    row = f"新人,律师,14200000000099999,,13900000009,{world.other_lawyer.email},{world.district_a.code}"
    response = upload(client_for("city_staff"), "contributors", csv_file(roster(world, [row])))
    plan = response.context["plan"]
    assert not plan.ok and plan.problems[0].column == "电子邮箱"


def test_organisations_import_and_update(world, client_for):
    client = client_for("staff_a")
    text = (
        "名称,类别,执业许可证号,区划代码,地址,电话,信誉良好\n"
        f"河南新华律师事务所（新名）,律师事务所,{world.firm_a.licence_number},{world.district_a.code},,,否\n"
        f"新华公证处,公证处,41000000000000001,{world.district_a.code},新华路1号,0375-1234567,是\n"
    )
    response = upload(client, "organisations", csv_file(text))
    plan = response.context["plan"]
    assert plan.ok, plan.problems
    assert (plan.new, plan.changed) == (1, 1)
    confirm(client, response)
    world.firm_a.refresh_from_db()
    assert world.firm_a.name == "河南新华律师事务所（新名）" and not world.firm_a.good_standing
    assert Organisation.objects.get(licence_number="41000000000000001").kind == "notary_office"


def test_regions_import_children_in_file_order_and_refuses_moves(world, client_for):
    client = client_for("staff_a")
    text = (
        "区划代码,名称,上级区划代码\n"
        f"410402002,新华街道,{world.district_a.code}\n"
        "410402002001,新华社区,410402002\n"
        f"{world.township_a.code},{world.township_a.name},{world.district_b.code}\n"
    )
    plan = upload(client, "regions", csv_file(text)).context["plan"]
    assert [(p.row, p.column) for p in plan.problems] == [(4, "上级区划代码")]
    text = "\n".join(text.splitlines()[:3]) + "\n"
    response = upload(client, "regions", csv_file(text))
    assert response.context["plan"].new == 2
    confirm(client, response)
    village = Region.objects.get(code="410402002001")
    assert village.get_parent().code == "410402002" and village.level == Region.Level.VILLAGE
    assert world.district_a.contains(village)
    assert upload(client, "regions", csv_file(text)).context["plan"].unchanged == 2


def test_venues_import(world, client_for):
    client = client_for("staff_a")
    text = (
        "名称,类别,区划代码,地址,农村或偏远,在用\n"
        f"光明社区法律服务室,村（社区）法律服务室,{world.village_a.code},,是,是\n"
    )
    response = upload(client, "venues", csv_file(text))
    assert response.context["plan"].ok, response.context["plan"].problems
    confirm(client, response)
    venue = Venue.objects.get(name="光明社区法律服务室")
    assert venue.region == world.village_a and venue.is_rural and venue.kind == "village_room"


def test_large_file_is_imported_by_a_job_with_progress_and_an_email(
    world, client_for, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.PB_IMPORT_INLINE_ROWS = 2
    client = client_for("staff_a")
    response = upload(client, "contributors", csv_file(roster(world, roster_rows(world, 5))))
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, response)
    job = ImportJob.objects.get()
    assert (job.status, job.created) == ("done", 5)
    assert client.get(reverse("staff_job", args=[job.pk])).json() == {
        "status": "done",
        "progress": 100,
        "done": True,
        "attempts": 1,
        "retrying": False,
    }
    assert [m.to for m in mail.outbox] == [[world.staff_a.email]]
    assert "roster.csv" in mail.outbox[0].subject


def test_import_job_pages_are_only_for_staff_in_scope(world, client_for):
    client = client_for("staff_a")
    confirm(client, upload(client, "contributors", csv_file(roster(world, roster_rows(world, 1)))))
    job = ImportJob.objects.get()
    assert client_for("staff_b").get(reverse("staff_import", args=[job.pk])).status_code == 404
    assert client_for("city_staff").get(reverse("staff_import", args=[job.pk])).status_code == 200
    assert client_for("lawyer").get(reverse("staff_imports")).status_code == 403


def test_a_forged_or_expired_token_imports_nothing(world, client_for):
    response = client_for("staff_a").post(
        reverse("staff_import_confirm"), {"token": "../../etc/passwd", "kind": "contributors", "name": "x.csv"}
    )
    assert response.status_code == 200
    assert "expired" in response.content.decode() or "过期" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_data_changed_since_the_preview_is_checked_again(world, client_for):
    client = client_for("staff_a")
    response = upload(client, "contributors", csv_file(roster(world, roster_rows(world, 1))))
    world.firm_a.licence_number = "99999999999999999"
    world.firm_a.save()
    response = confirm(client, response)
    assert response.status_code == 200 and response.context["changed_since"]
    assert not ImportJob.objects.exists() and not Contributor.objects.filter(legal_name="钱律师0").exists()


@pytest.mark.parametrize("language,header", [("zh-hans", "执业证号"), ("en", "Practice licence number")])
def test_templates_have_the_columns_in_each_language(world, client_for, language, header):
    client = client_for("staff_a")
    response = client.get(reverse("staff_import_template", args=["contributors", language, "xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert any(h.startswith(header.rstrip("*")) for h in headers), headers
    # The empty template uploaded as it is: headers, no rows, a clear refusal.
    with pytest.raises(SheetError, match="t.xlsx"):
        import_preview(
            kind="contributors", upload=SimpleUploadedFile("t.xlsx", response.content), scope=world.district_a
        )
    csv_response = client.get(reverse("staff_import_template", args=["history", language, "csv"]))
    assert csv_response.content.startswith(b"\xef\xbb\xbf")
    assert client.get(reverse("staff_import_template", args=["nothing", language, "csv"])).status_code == 404


def test_previewed_files_never_confirmed_are_cleared_after_a_day(world, client_for):
    import datetime

    from django.utils import timezone

    from spreadsheets.imports.services import PENDING, pending_clear
    from volunteers.models import evidence_storage

    response = upload(client_for("staff_a"), "contributors", csv_file(roster(world, roster_rows(world, 1))))
    token = response.context["token"]
    storage = evidence_storage()
    assert storage.exists(PENDING + token)
    assert pending_clear(now=timezone.now()) == 0
    assert pending_clear(now=timezone.now() + datetime.timedelta(days=2)) >= 1
    assert not storage.exists(PENDING + token)


def test_a_file_with_problems_is_not_kept(world, client_for):
    from spreadsheets.imports.services import PENDING
    from volunteers.models import evidence_storage

    rows = roster_rows(world, 1)
    rows[0] = rows[0].replace(",139", ",1")
    storage = evidence_storage()
    before = storage.listdir(PENDING)[1] if storage.exists(PENDING) else []
    response = upload(client_for("staff_a"), "contributors", csv_file(roster(world, rows)))
    assert response.context["token"] is None
    assert (storage.listdir(PENDING)[1] if storage.exists(PENDING) else []) == before


FILES = __import__("pathlib").Path(__file__).parent / "files"


@pytest.mark.parametrize(
    "name",
    [
        "binary.csv",
        "blank_headers.csv",
        "bomb_entities.xlsx",
        "empty.csv",
        "header_only.csv",
        "old.xls",
        "renamed_png.xlsx",
        "renamed_zip.csv",
        "truncated.xlsx",
        "zip_bomb.xlsx",
    ],
)
def test_bad_files_get_a_message_on_the_form_and_change_nothing(world, client_for, name, settings):
    settings.PB_IMPORT_MAX_UNZIPPED_MB = 5  # the zip bomb unpacks to more than this
    client = client_for("staff_a")
    audits = AuditEntry.objects.count()
    response = upload(client, "contributors", SimpleUploadedFile(name, (FILES / name).read_bytes()))
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors and name.split(".")[0] in " ".join(errors) or "文件" in " ".join(errors)
    assert "plan" not in response.context
    assert AuditEntry.objects.count() == audits and not ImportJob.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "roster_utf8.csv",
        "roster_utf8_bom.csv",
        "roster_gbk.csv",
        "roster.xlsx",
        "roster_libreoffice.xlsx",
        "roster_wrong_dimension.xlsx",
    ],
)
def test_every_encoding_and_writer_reaches_the_same_preview(world, client_for, name):
    plan = upload(
        client_for("city_staff"), "contributors", SimpleUploadedFile(name, (FILES / name).read_bytes())
    ).context["plan"]
    assert plan.rows > 0
    first = upload(
        client_for("city_staff"),
        "contributors",
        SimpleUploadedFile("roster_utf8.csv", (FILES / "roster_utf8.csv").read_bytes()),
    ).context["plan"]
    assert [(p.row, p.column, p.message) for p in plan.problems] == [
        (p.row, p.column, p.message) for p in first.problems
    ]
    assert (plan.new, plan.changed, plan.unchanged) == (first.new, first.changed, first.unchanged)


def test_confirming_the_same_preview_twice_imports_once(world, client_for):
    client = client_for("staff_a")
    response = upload(client, "contributors", csv_file(roster(world, roster_rows(world, 2))))
    assert confirm(client, response).status_code == 302
    again = confirm(client, response)
    assert again.status_code == 200 and "already" in again.content.decode() or "已导入" in again.content.decode()
    assert ImportJob.objects.count() == 1
    assert Contributor.objects.filter(legal_name__startswith="钱律师").count() == 2
