"""Hours certificates (志愿服务记录证明): asked for by a contributor, issued at once or after a staff
sign-off as the region's settings say, figures frozen at issue, identity masked, verifiable by QR code
and revocable with a reason. Bad periods and duplicates are refused with a message, saving nothing."""

import datetime
import io
import itertools
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from pointbook.commendations.certificates import certificate_revoke
from pointbook.hours_certificates import selectors, services
from pointbook.ledger.services import entry_post
from pointbook.models import Certificate, HoursCertificate, HoursCertificateConfig, LedgerEntry
from tests.factories import ContributorFactory
from volunteers.models import AuditEntry, Contributor, ServiceType
from volunteers.people.identity import contributor_identity_set, id_number_clean, id_number_masked

# A valid resident ID number (the check digit is right).
ID_NUMBER = "11010519491231002X"
_keys = itertools.count(1)


def _png(width=200, height=200, fmt="PNG"):
    buffer = io.BytesIO()
    Image.new("RGBA" if fmt == "PNG" else "RGB", (width, height), (200, 16, 32, 255)[: 4 if fmt == "PNG" else 3]).save(
        buffer, format=fmt
    )
    return buffer.getvalue()


def earn(person, day, hours, code="hotline_12348", *, source=LedgerEntry.Source.SERVICE_RECORD, points=None):
    """An earned entry of `hours` on `day`, posted through the one write path."""
    service_type = ServiceType.objects.get(code=code)
    n = next(_keys)
    return entry_post(
        contributor=person,
        points=Decimal(points if points is not None else hours * 10),
        kind=LedgerEntry.Kind.AWARD,
        source=source,
        source_id=n,
        idempotency_key=f"test-hours-{n}",
        breakdown={},
        effective_date=day,
        hours=Decimal(hours),
        service_type_id=service_type.pk,
    )


def last_year():
    year = timezone.localdate().year - 1
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def configure(region, actor, *, auto_issue=False, **changes):
    values = {
        "bureau_name": f"{region.name}司法局",
        "person_in_charge": "张建国",
        "handling_officer": "刘敏",
        "contact": "0375-12348",
        "auto_issue": auto_issue,
        "seal": SimpleUploadedFile("seal.png", _png(), content_type="image/png"),
    }
    return services.settings_save(region=region, actor=actor, **{**values, **changes})


@pytest.fixture
def hours(world):
    """The lawyer (district A) with an ID on file and last year's hours: 3 h hotline, 2 h and 1.5 h duty
    lawyer, a penalty (no hours) and an entry the year before; the city signs requests off by hand."""
    start, end = last_year()
    lawyer = world.lawyer_contributor
    contributor_identity_set(contributor=lawyer, actor=world.lawyer, id_type="resident_id", id_number=ID_NUMBER)
    earn(lawyer, start + datetime.timedelta(days=10), 3)
    earn(lawyer, start + datetime.timedelta(days=40), 2, "duty_lawyer")
    earn(lawyer, end, Decimal("1.5"), "duty_lawyer")
    earn(lawyer, start - datetime.timedelta(days=1), 7)
    entry_post(
        contributor=lawyer,
        points=Decimal(-5),
        kind=LedgerEntry.Kind.PENALTY,
        source=LedgerEntry.Source.NO_SHOW,
        source_id=1,
        idempotency_key="test-hours-penalty",
        breakdown={},
        effective_date=start + datetime.timedelta(days=50),
    )
    configure(world.city, world.city_staff)
    return world


# --- identity -----------------------------------------------------------------------------------------------


def test_an_id_number_is_masked_but_for_its_first_and_last_four():
    assert id_number_masked(ID_NUMBER) == "1101**********002X"
    assert id_number_masked("E1234567") == "******67"
    assert id_number_masked("") == ""


@pytest.mark.parametrize(
    "id_type, raw, field",
    [
        ("resident_id", "110105194912310021", "id_number"),  # wrong check digit
        ("resident_id", "1101051949", "id_number"),
        ("passport", "E12", "id_number"),
        ("nothing", "E1234567", "id_type"),
    ],
)
def test_a_wrong_id_number_is_refused_with_a_message(id_type, raw, field):
    with pytest.raises(ValidationError) as caught:
        id_number_clean(id_type, raw)
    assert field in caught.value.message_dict


def test_an_id_number_typed_with_spaces_and_a_lower_case_x_is_kept_clean():
    assert id_number_clean("resident_id", " 110105 19491231 002x ") == ID_NUMBER
    assert id_number_clean("passport", "ｅ１２３４５６７８") == "E12345678"


# --- requesting and issuing -----------------------------------------------------------------------------------


def test_a_request_waits_for_staff_who_issue_it_with_the_figures_of_that_moment(hours):
    start, end = last_year()
    lawyer = hours.lawyer_contributor
    request = services.hours_request(contributor=lawyer, actor=hours.lawyer, starts_on=start, ends_on=end)
    assert request.status == HoursCertificate.Status.PENDING and request.certificate is None

    hours.staff_a.last_name, hours.staff_a.first_name = "周", "婷"
    hours.staff_a.save()
    issued = services.hours_issue(request_id=request.pk, actor=hours.staff_a)

    certificate = issued.certificate
    assert issued.status == HoursCertificate.Status.ISSUED
    assert certificate.kind == Certificate.Kind.HOURS
    assert certificate.number == f"JL{end.year}-{certificate.pk:06d}"
    assert certificate.hours == Decimal("6.50")  # 3 + 2 + 1.5: not the year before, not the penalty
    assert [(line["name_zh"], line["hours"]) for line in issued.by_type] == [
        ("值班律师", "3.50"),
        ("12348热线值班", "3.00"),
    ] or [line["hours"] for line in issued.by_type] == ["3.50", "3.00"]
    assert certificate.issuer == "平顶山市司法局"
    assert (issued.person_in_charge, issued.handling_officer, issued.contact) == ("张建国", "周婷", "0375-12348")
    assert issued.id_type == "resident_id" and issued.id_number_masked == "1101**********002X"
    assert issued.contributor_number == f"GY{lawyer.pk:08d}"
    assert issued.seal.startswith("seals/") and issued.decided_by == hours.staff_a
    assert AuditEntry.objects.filter(action="hours_certificate.issue", object_id=str(issued.pk)).exists()

    # Later work, a later reversal, a new seal: the certificate says what it said.
    earn(lawyer, start + datetime.timedelta(days=100), 4)
    configure(hours.city, hours.city_staff, person_in_charge="王新")
    issued.refresh_from_db()
    issued.certificate.refresh_from_db()
    assert issued.certificate.hours == Decimal("6.50") and issued.person_in_charge == "张建国"


def test_a_region_that_issues_automatically_issues_at_once_with_its_handling_officer(hours):
    configure(hours.district_a, hours.staff_a, auto_issue=True, handling_officer="赵敏")
    start, end = last_year()
    issued = services.hours_request(
        contributor=hours.lawyer_contributor, actor=hours.lawyer, starts_on=start, ends_on=end
    )
    assert issued.status == HoursCertificate.Status.ISSUED
    assert issued.decided_by is None and issued.handling_officer == "赵敏"
    assert issued.certificate.issuer == "新华区司法局"


def test_a_region_without_settings_uses_its_nearest_ancestors(hours):
    assert selectors.settings_for(hours.village_a).region == hours.city
    configure(hours.district_a, hours.staff_a, bureau_name="新华区司法局")
    assert selectors.settings_for(hours.village_a).region == hours.district_a
    assert selectors.settings_for(hours.village_a).bureau_name == "新华区司法局"
    assert selectors.settings_for(hours.district_b).region == hours.city


@pytest.mark.parametrize(
    "period, says",
    [
        (lambda s, e: (e, s), "早于开始日期"),
        (lambda s, e: (s, timezone.localdate() + datetime.timedelta(days=1)), "不能晚于今天"),
        (lambda s, e: (s.replace(year=s.year - 5), e), "最多涵盖5年"),
        (lambda s, e: (s.replace(year=s.year - 3), e.replace(year=e.year - 3)), "没有经核实的服务时长"),
    ],
    ids=["reversed", "in the future", "over five years", "no hours"],
)
def test_a_period_no_certificate_can_cover_is_refused_and_nothing_is_saved(hours, period, says):
    starts_on, ends_on = period(*last_year())
    with pytest.raises(ValidationError) as caught:
        services.hours_request(
            contributor=hours.lawyer_contributor, actor=hours.lawyer, starts_on=starts_on, ends_on=ends_on
        )
    assert says in " ".join(caught.value.messages)
    assert not HoursCertificate.objects.exists() and not Certificate.objects.exists()


def test_a_second_request_for_a_period_already_waiting_is_refused(hours):
    start, end = last_year()
    lawyer = hours.lawyer_contributor
    services.hours_request(contributor=lawyer, actor=hours.lawyer, starts_on=start, ends_on=end)
    with pytest.raises(ValidationError, match="已在等待审核"):
        services.hours_request(contributor=lawyer, actor=hours.lawyer, starts_on=start, ends_on=end)
    assert HoursCertificate.objects.count() == 1
    # Another period is another request.
    services.hours_request(contributor=lawyer, actor=hours.lawyer, starts_on=start, ends_on=start.replace(month=6))
    assert HoursCertificate.objects.count() == 2


def test_without_an_identity_document_on_the_profile_a_request_is_refused(hours):
    start, end = last_year()
    other = hours.other_lawyer_contributor
    earn(other, start, 2)
    with pytest.raises(ValidationError, match="证件"):
        services.hours_request(contributor=other, actor=hours.other_lawyer, starts_on=start, ends_on=end)
    assert not HoursCertificate.objects.exists()


def test_nobody_signs_off_their_own_hours_certificate(hours):
    start, end = last_year()
    request = services.hours_request(
        contributor=hours.lawyer_contributor, actor=hours.lawyer, starts_on=start, ends_on=end
    )
    from volunteers.models import StaffProfile

    StaffProfile.objects.create(user=hours.lawyer, region=hours.district_a)
    with pytest.raises(ValidationError, match="自己|your own"):
        services.hours_issue(request_id=request.pk, actor=hours.lawyer)
    request.refresh_from_db()
    assert request.status == HoursCertificate.Status.PENDING and not Certificate.objects.exists()


def test_declining_needs_a_reason_and_a_decided_request_cannot_be_issued(hours):
    start, end = last_year()
    request = services.hours_request(
        contributor=hours.lawyer_contributor, actor=hours.lawyer, starts_on=start, ends_on=end
    )
    with pytest.raises(ValidationError):
        services.hours_decline(request_id=request.pk, actor=hours.staff_a, reason=" ")
    services.hours_decline(request_id=request.pk, actor=hours.staff_a, reason="期间内有记录正在复核")
    with pytest.raises(ValidationError, match="已处理"):
        services.hours_issue(request_id=request.pk, actor=hours.staff_a)
    assert not Certificate.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_requests_for_one_period_at_the_same_moment_make_one():
    """Eight presses released together by a barrier: the person's row lock lets one through; the
    others find it waiting and are told so (SQLite: IMMEDIATE transactions; PostgreSQL: the row lock)."""
    from tests.factories import RegionFactory

    city = RegionFactory(code="410400", name="平顶山市")
    person = ContributorFactory(region=city)
    Contributor.objects.filter(pk=person.pk).update(id_type="resident_id", id_number=ID_NUMBER)
    start, end = last_year()
    earn(person, start, 2)
    racers = 8
    barrier, outcomes, lock = threading.Barrier(racers), [], threading.Lock()

    def attempt():
        try:
            barrier.wait()
            result = services.hours_request(contributor=person, actor=person.user, starts_on=start, ends_on=end).pk
        except ValidationError as exc:
            result = " ".join(exc.messages)
        except Exception as exc:  # noqa: BLE001 — any other outcome is what the test must catch
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    made = [o for o in outcomes if isinstance(o, int)]
    assert len(made) == 1, outcomes
    assert all("已在等待审核" in o for o in outcomes if not isinstance(o, int)), outcomes
    assert HoursCertificate.objects.filter(contributor=person).count() == 1


# --- the pages ----------------------------------------------------------------------------------------------


def _ask(client, **data):
    start, end = last_year()
    payload = {"year": "range", "starts_on": start.isoformat(), "ends_on": end.isoformat(), **data}
    return client.post(reverse("my_hours_certificates"), payload, follow=True)


def test_the_lawyer_asks_for_last_year_from_the_page(hours, client_for):
    client = client_for("lawyer")
    page = client.get(reverse("my_hours_certificates")).content.decode()
    assert "1101**********002X" in page and ID_NUMBER not in page
    response = client.post(reverse("my_hours_certificates"), {"year": str(last_year()[0].year)}, follow=True)
    assert "已提交申请" in response.content.decode() or "Request sent" in response.content.decode()
    request = HoursCertificate.objects.get()
    assert (request.starts_on, request.ends_on) == last_year()


@pytest.mark.parametrize(
    "data, says",
    [
        ({"starts_on": "2030-01-01"}, "今天"),  # the end before the start and in the future
        ({"ends_on": ""}, "两个日期"),
        ({"starts_on": "not a date"}, "有效"),
    ],
)
def test_bad_dates_on_the_page_get_a_message_and_save_nothing(hours, client_for, data, says):
    if "starts_on" in data and data["starts_on"] == "2030-01-01":
        data = {"starts_on": last_year()[0].isoformat(), "ends_on": "2099-12-31"}
    response = _ask(client_for("lawyer"), **data)
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not HoursCertificate.objects.exists()


def test_a_refused_request_keeps_no_identity_document_typed_with_it(hours, client_for):
    other = hours.other_lawyer_contributor
    response = _ask(client_for("other_lawyer"), id_type="resident_id", id_number=ID_NUMBER)
    assert "没有经核实的服务时长" in response.content.decode()
    other.refresh_from_db()
    assert (other.id_type, other.id_number) == ("", "")


def test_an_identity_document_typed_with_a_request_is_kept_on_the_profile(hours, client_for):
    start, _end = last_year()
    other = hours.other_lawyer_contributor
    earn(other, start, 2)
    response = _ask(client_for("other_lawyer"), id_type="resident_id", id_number="11010519491231002x")
    assert response.status_code == 200
    other.refresh_from_db()
    assert (other.id_type, other.id_number) == ("resident_id", ID_NUMBER)
    assert HoursCertificate.objects.filter(contributor=other).count() == 1


def test_a_wrong_id_number_on_the_page_is_refused(hours, client_for):
    earn(hours.other_lawyer_contributor, last_year()[0], 2)
    response = _ask(client_for("other_lawyer"), id_type="resident_id", id_number="110105194912310021")
    assert "不正确" in response.content.decode() or "not valid" in response.content.decode()
    assert not HoursCertificate.objects.exists()


def _issued(world):
    start, end = last_year()
    request = services.hours_request(
        contributor=world.lawyer_contributor, actor=world.lawyer, starts_on=start, ends_on=end
    )
    return services.hours_issue(request_id=request.pk, actor=world.staff_a)


def test_the_pdf_says_who_what_when_and_by_whom_with_the_id_masked(hours, client_for):
    from pypdf import PdfReader

    issued = _issued(hours)
    response = client_for("lawyer").get(reverse("my_hours_certificate_pdf", args=[issued.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    for expected in (
        "志愿服务记录证明",
        issued.certificate.number,
        "李明",
        "1101**********002X",
        f"GY{hours.lawyer_contributor.pk:08d}",
        "6.50",
        "平顶山市司法局",
        "张建国",
        "0375-12348",
    ):
        assert expected in text, expected
    assert ID_NUMBER not in text and hours.lawyer_contributor.phone not in text


def test_the_verification_page_shows_masked_facts_then_revoked_with_the_reason(hours, client):
    issued = _issued(hours)
    url = reverse("certificate_verify", args=[issued.certificate.code])
    page = client.get(url).content.decode()
    assert 'id="verify-genuine"' in page and "1101**********002X" in page and "6.5" in page
    assert ID_NUMBER not in page and hours.lawyer_contributor.phone not in page
    certificate_revoke(certificate_id=issued.certificate.pk, actor=hours.staff_a, reason="服务记录经复核不实")
    page = client.get(url).content.decode()
    assert 'id="verify-revoked"' in page and "服务记录经复核不实" in page


def test_a_revoked_certificate_is_no_longer_downloaded_by_its_holder(hours, client_for):
    issued = _issued(hours)
    certificate_revoke(certificate_id=issued.certificate.pk, actor=hours.staff_a, reason="重复")
    assert client_for("lawyer").get(reverse("my_hours_certificate_pdf", args=[issued.pk])).status_code == 404


def test_staff_see_only_their_areas_requests(hours, client_for):
    start, end = last_year()
    services.hours_request(contributor=hours.lawyer_contributor, actor=hours.lawyer, starts_on=start, ends_on=end)
    assert "李明" in client_for("staff_a").get(reverse("staff_hours_certificates")).content.decode()
    assert "李明" in client_for("city_staff").get(reverse("staff_hours_certificates")).content.decode()
    assert "李明" not in client_for("staff_b").get(reverse("staff_hours_certificates")).content.decode()


# --- the region's settings and its seal ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "upload, says",
    [
        (SimpleUploadedFile("seal.png", b"not an image at all", content_type="image/png"), "不是 PNG 或 JPEG"),
        (SimpleUploadedFile("seal.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png"), "损坏"),
        (SimpleUploadedFile("seal.png", _png(40, 40), content_type="image/png"), "100"),
        (SimpleUploadedFile("seal.png", _png(600, 150), content_type="image/png"), "600 × 150"),
        (SimpleUploadedFile("seal.png", b"", content_type="image/png"), "空"),
        (SimpleUploadedFile("seal.jpg", b"\xff\xd8\xff" + b"0" * (1024 * 1024 + 1)), "1 MB"),
    ],
    ids=["not an image", "damaged", "too small", "not square", "empty", "too big"],
)
def test_a_bad_seal_is_refused_with_a_clear_message_and_nothing_changes(world, client_for, upload, says):
    form = {
        "bureau_name": "新华区司法局",
        "person_in_charge": "陈志强",
        "handling_officer": "",
        "contact": "0375-2612348",
        "seal": upload,
    }
    response = client_for("staff_a").post(reverse("staff_hours_certificate_settings"), form)
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not HoursCertificateConfig.objects.exists()


def test_staff_save_their_own_regions_settings_and_see_the_seal(world, client_for):
    client = client_for("staff_a")
    form = {
        "bureau_name": "新华区司法局",
        "person_in_charge": "陈志强",
        "handling_officer": "",
        "contact": "0375-2612348",
        "auto_issue": "on",
        "seal": SimpleUploadedFile("公章.jpg", _png(300, 300, "JPEG"), content_type="image/jpeg"),
    }
    response = client.post(reverse("staff_hours_certificate_settings"), form)
    assert response.status_code == 302
    config = HoursCertificateConfig.objects.get()
    assert (config.region, config.bureau_name, config.auto_issue) == (world.district_a, "新华区司法局", True)
    assert config.seal.name.endswith(".jpg")
    seal = client.get(reverse("staff_hours_certificate_seal"))
    assert seal["Content-Type"] == "image/jpeg" and seal.content.startswith(b"\xff\xd8\xff")
    # District B has no settings (nor the city): no seal to show there.
    assert client_for("staff_b").get(reverse("staff_hours_certificate_seal")).status_code == 404


# --- query counts -------------------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_run_the_same_number_of_queries_however_many_certificates(hours, client_for):
    lawyer_client, staff_client = client_for("lawyer"), client_for("staff_a")
    mine, staff = reverse("my_hours_certificates"), reverse("staff_hours_certificates")
    start, end = last_year()
    services.hours_issue(
        request_id=services.hours_request(
            contributor=hours.lawyer_contributor, actor=hours.lawyer, starts_on=start, ends_on=end
        ).pk,
        actor=hours.staff_a,
    )
    small = (_queries(lawyer_client, mine), _queries(staff_client, staff))
    for month in range(1, 13):
        day = start.replace(month=month)
        request = services.hours_request(
            contributor=hours.lawyer_contributor,
            actor=hours.lawyer,
            starts_on=start,
            ends_on=day + datetime.timedelta(days=28),
        )
        if month % 2:
            services.hours_issue(request_id=request.pk, actor=hours.staff_a)
    for _ in range(6):
        person = ContributorFactory(region=hours.township_a)
        Contributor.objects.filter(pk=person.pk).update(id_type="passport", id_number="E12345678")
        earn(person, start, 2)
        services.hours_request(contributor=person, actor=person.user, starts_on=start, ends_on=end)
    assert (_queries(lawyer_client, mine), _queries(staff_client, staff)) == small
