"""Logged work: a contributor logs pro-bono work with evidence (PDF, JPEG or PNG, checked from the
content), it waits for staff of the region; bad evidence or impossible hours are refused with a
message and save nothing; a rejected record can be amended and goes back to the queue; the evidence
is private (outside MEDIA_ROOT) and served only to its owner and staff of the region.

Texts are compared in the language the page was answered in (new msgids may not be translated yet).
"""

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from PIL import Image

from pointbook.ledger import rules, services
from pointbook.ledger import selectors as points_selectors
from pointbook.models import LedgerEntry, PointsRule, PublicHoliday
from tests.factories import ShiftFactory
from volunteers.models import AuditEntry, EvidenceFile, ServiceRecord, ServiceType, Signup
from volunteers.records import services as records
from volunteers.rota import services as rota_services

PDF_CONTENT_TYPE, PNG_CONTENT_TYPE = "application/pdf", "image/png"
NIGHTLESS = datetime.time(9, 0)  # a daytime start: no night multiplier can creep in


# --- files built here ----------------------------------------------------------------------------


def _png_bytes(size=(24, 16)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _pdf_bytes(padding=0):
    """A minimal but complete PDF (ends with %%EOF); `padding` bytes of comment make it bigger."""
    body = (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    )
    if padding:
        body += b"%" + b"x" * padding + b"\n"
    return body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _pdf(name="签到表.pdf", **kw):
    return _upload(name, _pdf_bytes(**kw), PDF_CONTENT_TYPE)


def _png(name="现场照片.png"):
    return _upload(name, _png_bytes(), PNG_CONTENT_TYPE)


def _private_files():
    return sorted(p for p in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if p.is_file())


# --- helpers -------------------------------------------------------------------------------------


def _day(days_ago=3):
    return timezone.localdate() - datetime.timedelta(days=days_ago)


def _log(
    world,
    *,
    files,
    hours="2",
    day=None,
    start=NIGHTLESS,
    service_type="consultation",
    region=None,
    venue=None,
    special_groups=(),
    people_served=3,
    description="为社区居民解答劳动合同纠纷",
):
    return records.record_log(
        actor=world.lawyer,
        contributor=world.lawyer_contributor,
        service_type=ServiceType.objects.get(code=service_type),
        date=day or _day(),
        start_time=start,
        hours=hours,
        people_served=people_served,
        special_groups=list(special_groups),
        region=region or world.district_a,
        venue=venue,
        description=description,
        files=files,
    )


def _form(world, *, files=(), **over):
    data = {
        "service_type": ServiceType.objects.get(code="consultation").pk,
        "date": _day().isoformat(),
        "start_time": "09:00",
        "hours": "2",
        "people_served": "3",
        "region": world.district_a.pk,
        "venue": world.venue_a.pk,
        "description": "为社区居民解答劳动合同纠纷",
        "special_groups": ["elderly", "migrant_workers"],
    }
    data.update(over)
    if files:
        data["files"] = list(files)
    return data


def _shown(response, msgid, **values):
    """`msgid` as the page shows it: in the response's language, filled in, escaped."""
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        text = gettext(msgid)
    return escape(text % values if values else text)


def _messages(response):
    box = re.search(r'<ul class="messages">(.*?)</ul>', response.content.decode(), re.S)
    return [m.strip() for m in re.findall(r"<li[^>]*>(.*?)</li>", box.group(1), re.S)] if box else []


def _english(exc):
    return " ".join(exc.value.messages)


def _refused(world, field, **kwargs):
    """record_log must refuse with an error on `field`; returns the English message."""
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            _log(world, **kwargs)
    assert field in refused.value.message_dict, refused.value.message_dict
    return " ".join(refused.value.message_dict[field])


def _nothing_saved(files_before):
    """No record, no file row, and no new file on disk (the directory outlives each test)."""
    assert not ServiceRecord.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert _private_files() == files_before


def _attended(world, rota, day, *, start=datetime.time(8, 0), hours=5):
    starts_at = timezone.make_aware(datetime.datetime.combine(day, start))
    shift = ShiftFactory(
        opportunity=rota.opportunity_a,
        venue=world.venue_a,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
    )
    signup = Signup.objects.create(
        shift=shift, contributor=world.lawyer_contributor, status=Signup.Status.CONFIRMED, seat=1
    )
    return rota_services.attendance_mark(actor=world.staff_a, scope=world.district_a, signup=signup, attended=True)


# --- logging -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_logging_with_a_pdf_and_a_png_waits_for_review_with_private_evidence(world, client_for):
    client = client_for("lawyer")
    assert client.get("/my/records/new/").status_code == 200
    pdf_content, png_content = _pdf_bytes(), _png_bytes()
    response = client.post(
        "/my/records/new/",
        _form(
            world,
            files=[
                _upload("签到表.pdf", pdf_content, PDF_CONTENT_TYPE),
                _upload("现场照片.png", png_content, PNG_CONTENT_TYPE),
            ],
        ),
    )

    record = ServiceRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/my/records/{record.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert _shown(page, "Logged. Bureau staff of the region will review it.") in _messages(page)
    assert record.status == ServiceRecord.Status.SUBMITTED and record.is_logged
    assert record.contributor == world.lawyer_contributor and record.region == world.district_a
    assert record.venue == world.venue_a and record.date == _day() and record.hours == Decimal("2.00")
    assert timezone.localtime(record.started_at).time() == NIGHTLESS
    assert record.ended_at - record.started_at == datetime.timedelta(hours=2)
    assert sorted(record.special_groups) == ["elderly", "migrant_workers"] and record.people_served == 3
    assert record.decided_at is None
    assert list(points_selectors.records_waiting(world.district_a)) == [record]
    assert list(points_selectors.records_waiting(world.district_b)) == []
    assert not LedgerEntry.objects.exists()

    files = {e.content_type: e for e in record.evidence.all()}
    assert set(files) == {PDF_CONTENT_TYPE, PNG_CONTENT_TYPE}
    private, public = Path(settings.PRIVATE_MEDIA_ROOT).resolve(), Path(settings.MEDIA_ROOT).resolve()
    for evidence, content, name in (
        (files[PDF_CONTENT_TYPE], pdf_content, "签到表.pdf"),
        (files[PNG_CONTENT_TYPE], png_content, "现场照片.png"),
    ):
        path = Path(evidence.file.path).resolve()
        assert path.is_relative_to(private) and not path.is_relative_to(public)
        assert path.read_bytes() == content and evidence.size == len(content)
        assert evidence.original_name == name and name not in evidence.file.name  # our name on disk
        assert evidence.uploaded_by == world.lawyer
        # Nothing answers at the public media address.
        assert client.get(f"{settings.MEDIA_URL}{evidence.file.name}").status_code == 404
    assert not any(p.is_file() for p in public.rglob("*"))
    assert AuditEntry.objects.filter(action="record_log", object_id=str(record.pk)).exists()


@pytest.mark.django_db
def test_evidence_files_have_no_url(world):
    record = _log(world, files=[_pdf()])
    evidence = record.evidence.get()
    with pytest.raises(ValueError):
        _ = evidence.file.url


@pytest.mark.django_db
def test_bad_evidence_is_refused_with_a_clear_message_and_saves_nothing(world, client_for):
    png = _png_bytes()
    cases = [
        (
            "renamed zip",
            "证明.pdf",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 200,
            "%(name)s is not a PDF, JPEG or PNG file (checked from its content, not its name).",
        ),
        (
            "renamed exe",
            "协议.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200 + b"%%EOF",
            "%(name)s is not a PDF, JPEG or PNG file (checked from its content, not its name).",
        ),
        ("truncated pdf named png", "照片.png", _pdf_bytes()[:60], "%(name)s is not a complete PDF file."),
        ("broken png", "损坏.png", png[:8] + b"\x00" * 80, "%(name)s is a damaged image."),
        ("truncated png", "半张.png", png[: len(png) // 2], "%(name)s is a damaged image."),
    ]
    client = client_for("lawyer")
    before = _private_files()
    for label, name, content, msgid in cases:
        # The service, in words a person understands ...
        with translation.override("en"):
            with pytest.raises(ValidationError) as refused:
                _log(world, files=[_upload(name, content, PDF_CONTENT_TYPE)])
            assert refused.value.message_dict["files"] == [gettext(msgid) % {"name": name}], label
        _nothing_saved(before)
        # ... and the page: the form again with the message, nothing saved. The good file sent
        # alongside is not kept either.
        response = client.post(
            "/my/records/new/", _form(world, files=[_png("好的.png"), _upload(name, content, PDF_CONTENT_TYPE)])
        )
        assert response.status_code == 200, label
        assert _shown(response, msgid, name=name) in response.content.decode(), label
        _nothing_saved(before)

    # An empty file: Django's own message on the page, the service's in code.
    response = client.post("/my/records/new/", _form(world, files=[_upload("空.pdf", b"", PDF_CONTENT_TYPE)]))
    assert response.status_code == 200
    assert _shown(response, "The submitted file is empty.") in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        with translation.override("en"):
            _log(world, files=[_upload("空.pdf", b"", PDF_CONTENT_TYPE)])
    assert _english(refused) == "空.pdf is empty."
    _nothing_saved(before)


@pytest.mark.django_db
@override_settings(PB_EVIDENCE_MAX_MB=1)
def test_a_file_over_the_size_limit_is_refused(world, client_for):
    before = _private_files()
    big = _pdf_bytes(padding=1024 * 1024 + 10)
    assert len(big) > 1024 * 1024
    response = client_for("lawyer").post(
        "/my/records/new/", _form(world, files=[_upload("大.pdf", big, PDF_CONTENT_TYPE)])
    )
    assert response.status_code == 200
    assert _shown(response, "%(name)s is larger than %(mb)s MB.", name="大.pdf", mb=1) in response.content.decode()
    _nothing_saved(before)
    # Just under the limit is fine.
    under = _pdf_bytes(padding=1024 * 1024 - 300)
    assert len(under) <= 1024 * 1024
    record = _log(world, files=[_upload("刚好.pdf", under, PDF_CONTENT_TYPE)])
    assert record.evidence.get().size == len(under)


@pytest.mark.django_db
def test_too_many_files_or_none_is_refused(world, client_for):
    before = _private_files()
    limit = settings.PB_EVIDENCE_MAX_FILES
    message = _refused(world, "files", files=[_png(f"{n}.png") for n in range(limit + 1)])
    assert message == f"At most {limit} evidence files a record."
    assert _refused(world, "files", files=[]) == "Attach at least one evidence file: a PDF or a photo."
    _nothing_saved(before)

    response = client_for("lawyer").post("/my/records/new/", _form(world))
    assert response.status_code == 200
    assert _shown(response, "Attach at least one evidence file: a PDF or a photo.") in response.content.decode()
    _nothing_saved(before)

    record = _log(world, files=[_png(f"{n}.png") for n in range(limit)])
    assert record.evidence.count() == limit


@pytest.mark.django_db
def test_hours_come_in_quarter_steps_from_a_quarter_to_24(world, client_for):
    before = _private_files()
    expected = "Enter hours in quarter-hour steps, from 0.25 to 24."
    for hours in ("1.1", "0.3", "0", "-1", "24.25", "25", "abc"):
        assert _refused(world, "hours", files=[_png()], hours=hours) == expected, hours
    _nothing_saved(before)

    # The page lets 1.1 through its number field and shows the service's message.
    response = client_for("lawyer").post("/my/records/new/", _form(world, hours="1.1", files=[_png()]))
    assert response.status_code == 200 and _shown(response, expected) in response.content.decode()
    # 0 and 25 are stopped by the form itself.
    for hours in ("0", "25"):
        response = client_for("lawyer").post("/my/records/new/", _form(world, hours=hours, files=[_png()]))
        assert response.status_code == 200 and 'class="errorlist"' in response.content.decode()
    _nothing_saved(before)

    assert _log(world, files=[_png()], hours="0.25", day=_day(5)).hours == Decimal("0.25")
    assert _log(world, files=[_png()], hours="1.75", day=_day(6)).hours == Decimal("1.75")
    assert _log(world, files=[_png()], hours="24", day=_day(7)).hours == Decimal("24.00")


@pytest.mark.django_db
def test_the_date_is_neither_in_the_future_nor_older_than_180_days(world, client_for):
    before = _private_files()
    today = timezone.localdate()
    assert _refused(world, "date", files=[_png()], day=today + datetime.timedelta(days=1)) == (
        "The date cannot be in the future."
    )
    assert _refused(world, "date", files=[_png()], day=today - datetime.timedelta(days=181)) == (
        "Work older than 180 days is added by bureau staff through an import."
    )
    response = client_for("lawyer").post(
        "/my/records/new/", _form(world, date=(today + datetime.timedelta(days=1)).isoformat(), files=[_png()])
    )
    assert response.status_code == 200
    assert _shown(response, "The date cannot be in the future.") in response.content.decode()
    _nothing_saved(before)

    assert _log(world, files=[_png()], day=today - datetime.timedelta(days=180)).status == "submitted"
    assert _log(world, files=[_png()], day=today, start=datetime.time(0, 0), hours="0.5").date == today


@pytest.mark.django_db
def test_a_venue_outside_the_chosen_region_is_refused(world, client_for):
    before = _private_files()
    assert _refused(world, "venue", files=[_png()], region=world.district_a, venue=world.venue_b) == (
        "This venue is not in the region you chose."
    )
    response = client_for("lawyer").post("/my/records/new/", _form(world, venue=world.venue_b.pk, files=[_png()]))
    assert response.status_code == 200
    assert _shown(response, "This venue is not in the region you chose.") in response.content.decode()
    _nothing_saved(before)
    # The city holds district B's venue.
    assert _log(world, files=[_png()], region=world.city, venue=world.venue_b).venue == world.venue_b


@pytest.mark.django_db
def test_a_day_has_24_hours_across_all_of_a_persons_records(world, rota, client_for):
    day = _day(4)
    attended = _attended(world, rota, day, hours=5)
    assert attended.date == day and attended.hours == Decimal("5.00")

    message = _refused(world, "hours", files=[_png()], day=day, hours="20")
    assert message == f"You already have 5 hours recorded on {day.isoformat()}; a day has 24."
    response = client_for("lawyer").post(
        "/my/records/new/", _form(world, date=day.isoformat(), hours="20", files=[_png()])
    )
    assert response.status_code == 200
    assert (
        _shown(
            response,
            "You already have %(hours)s hours recorded on %(date)s; a day has 24.",
            hours="5",
            date=day.isoformat(),
        )
        in response.content.decode()
    )
    assert ServiceRecord.objects.count() == 1 and not EvidenceFile.objects.exists()

    logged = _log(world, files=[_png()], day=day, hours="19")  # 5 + 19 = 24: allowed
    assert _refused(world, "hours", files=[_png()], day=day, hours="0.25") == (
        f"You already have 24 hours recorded on {day.isoformat()}; a day has 24."
    )
    # Another day has its own 24 hours.
    assert _log(world, files=[_png()], day=day - datetime.timedelta(days=1), hours="20").hours == 20

    # A rejected record no longer holds its hours; amending within the day's room is fine.
    services.record_reject(actor=world.staff_a, scope=world.district_a, record=logged, reason="证据不清")
    again = _log(world, files=[_png()], day=day, hours="19")
    assert again.status == "submitted"
    with pytest.raises(ValidationError):  # the rejected one cannot come back on top of the new 19 h
        records.record_amend(
            actor=world.lawyer,
            contributor=world.lawyer_contributor,
            record=logged,
            service_type=logged.service_type,
            date=day,
            start_time=NIGHTLESS,
            hours="19",
            people_served=1,
            region=world.district_a,
            description="补充证据",
        )
    logged.refresh_from_db()
    assert logged.status == ServiceRecord.Status.REJECTED


# --- amending ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_amending_a_rejected_record_sends_it_back_to_the_queue_and_can_remove_files(world, client_for):
    client = client_for("lawyer")
    client.post("/my/records/new/", _form(world, files=[_pdf(), _png()]))
    record = ServiceRecord.objects.get()
    pdf, png = record.evidence.get(content_type=PDF_CONTENT_TYPE), record.evidence.get(content_type=PNG_CONTENT_TYPE)
    services.record_reject(actor=world.staff_a, scope=world.district_a, record=record, reason="照片看不清")
    assert list(points_selectors.records_waiting(world.district_a)) == []

    page = client.get(f"/my/records/{record.pk}/edit/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "照片看不清" in body and f'name="remove" value="{png.pk}"' in body
    assert f"/records/{record.pk}/evidence/{pdf.pk}/" in body

    # Removing every file and adding none is refused, and nothing is removed.
    response = client.post(f"/my/records/{record.pk}/edit/", {**_form(world), "remove": [pdf.pk, png.pk]})
    assert response.status_code == 200
    assert _shown(response, "Attach at least one evidence file: a PDF or a photo.") in response.content.decode()
    assert record.evidence.count() == 2
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.REJECTED

    response = client.post(
        f"/my/records/{record.pk}/edit/", {**_form(world, hours="3", files=[_png("新照片.png")]), "remove": [png.pk]}
    )
    assert response.status_code == 302 and response["Location"] == f"/my/records/{record.pk}/"
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.SUBMITTED and record.hours == Decimal("3.00")
    assert record.decided_at is None and record.decided_by is None
    assert sorted(record.evidence.values_list("original_name", flat=True)) == ["新照片.png", "签到表.pdf"]
    assert not EvidenceFile.objects.filter(pk=png.pk).exists()
    assert list(points_selectors.records_waiting(world.district_a)) == [record]
    audit = AuditEntry.objects.get(action="record_amend")
    assert audit.data["before"]["status"] == "rejected" and audit.data["removed"] == [png.pk]
    page = client.get(response["Location"])
    assert _shown(page, "Saved and sent for review again.") in _messages(page)

    # Staff can now approve it.
    award = services.record_approve(actor=world.staff_a, scope=world.district_a, record=record)
    assert award.points == Decimal("24.00")  # 3 h × 8 pts/h (consultation)
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_amending_an_approved_record_is_refused(world, client_for):
    record = _log(world, files=[_pdf()])
    services.record_approve(actor=world.staff_a, scope=world.district_a, record=record)
    client = client_for("lawyer")

    page = client.get(f"/my/records/{record.pk}/edit/", follow=True)
    assert page.redirect_chain[-1][0] == f"/my/records/{record.pk}/"
    assert _shown(page, "This record has been decided; appeal the decision instead.") in _messages(page)
    response = client.post(f"/my/records/{record.pk}/edit/", _form(world, hours="8", files=[_png()]))
    assert response.status_code == 302 and response["Location"] == f"/my/records/{record.pk}/"

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        records.record_amend(
            actor=world.lawyer,
            contributor=world.lawyer_contributor,
            record=record,
            service_type=record.service_type,
            date=record.date,
            start_time=NIGHTLESS,
            hours="8",
            people_served=1,
            region=world.district_a,
            description="改",
            files=[_png()],
        )
    assert _english(refused) == "This record has been decided; appeal the decision instead."
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.APPROVED and record.hours == Decimal("2.00")
    assert record.evidence.count() == 1
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_someone_elses_record_or_an_attended_one_cannot_be_edited(world, rota, client_for):
    record = _log(world, files=[_pdf()])
    other = client_for("other_lawyer")
    assert other.get(f"/my/records/{record.pk}/edit/").status_code == 404
    assert other.post(f"/my/records/{record.pk}/edit/", _form(world, hours="8", files=[_png()])).status_code == 404
    record.refresh_from_db()
    assert record.hours == Decimal("2.00") and record.evidence.count() == 1

    attended = rota_services.attendance_mark(
        actor=world.staff_a, scope=world.district_a, signup=rota.past_signup_a, attended=True
    )
    assert client_for("lawyer").get(f"/my/records/{attended.pk}/edit/").status_code == 404
    with pytest.raises(ValidationError):
        records.record_amend(
            actor=world.other_lawyer,
            contributor=world.other_lawyer_contributor,
            record=record,
            service_type=record.service_type,
            date=record.date,
            start_time=NIGHTLESS,
            hours="8",
            people_served=1,
            region=world.district_b,
            description="改",
        )


# --- evidence download ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_evidence_is_served_to_its_owner_and_staff_of_the_region_only(world, client_for):
    pdf_content, png_content = _pdf_bytes(), _png_bytes()
    record = _log(
        world,
        files=[
            _upload("签到表.pdf", pdf_content, PDF_CONTENT_TYPE),
            _upload("照片.png", png_content, "application/pdf"),
        ],
    )  # the browser's claim is ignored
    pdf, png = record.evidence.get(content_type=PDF_CONTENT_TYPE), record.evidence.get(content_type=PNG_CONTENT_TYPE)

    for name in ("lawyer", "staff_a", "city_staff"):
        client = client_for(name)
        for evidence, content_type, content in (
            (pdf, PDF_CONTENT_TYPE, pdf_content),
            (png, PNG_CONTENT_TYPE, png_content),
        ):
            response = client.get(f"/records/{record.pk}/evidence/{evidence.pk}/")
            assert response.status_code == 200, name
            assert response["Content-Type"] == content_type
            assert response["X-Content-Type-Options"] == "nosniff"
            assert "no-store" in response["Cache-Control"]
            assert b"".join(response.streaming_content) == content

    download = client_for("lawyer").get(f"/records/{record.pk}/evidence/{pdf.pk}/?download=1")
    assert download["Content-Disposition"].startswith("attachment")

    for name in ("staff_b", "other_lawyer", "firm_admin"):
        client = client_for(name)
        for evidence in (pdf, png):
            assert client.get(f"/records/{record.pk}/evidence/{evidence.pk}/").status_code == 404, name
    anonymous = client_for("anonymous").get(f"/records/{record.pk}/evidence/{pdf.pk}/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # The file id must belong to the record in the address.
    other_record = _log(world, files=[_png()], day=_day(8))
    assert client_for("lawyer").get(f"/records/{other_record.pk}/evidence/{pdf.pk}/").status_code == 404


# --- approving logged work -----------------------------------------------------------------------


@pytest.mark.django_db
def test_approving_logged_work_for_special_groups_applies_the_special_group_multiplier(world, client_for):
    day = _day()
    PublicHoliday.objects.filter(date=day).delete()  # a holiday would bring in the night-or-holiday factor
    rule = PointsRule.objects.create(
        service_type=ServiceType.objects.get(code="consultation"),
        effective_from=day - datetime.timedelta(days=10),
        points_per_hour=Decimal("8"),
        special_group_multiplier=Decimal("1.5"),
        rural_multiplier=Decimal("2"),
        night_holiday_multiplier=Decimal("3"),
    )
    client_for("lawyer").post("/my/records/new/", _form(world, files=[_pdf()]))
    record = ServiceRecord.objects.get()
    assert record.special_groups

    staff = client_for("staff_a")
    page = staff.get(f"/staff/records/{record.pk}/")
    assert page.status_code == 200 and f"/records/{record.pk}/evidence/" in page.content.decode()
    response = staff.post(f"/staff/records/{record.pk}/approve/")
    assert response.status_code == 302

    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.source, entry.source_id, entry.rule) == ("award", "service_record", record.pk, rule)
    assert entry.points == Decimal("24.00")  # 2 h × 8 × 1.5; venue A is not rural, 09:00 is not night
    assert entry.hours == Decimal("2.00") and entry.contributor == world.lawyer_contributor
    assert entry.breakdown["factors"] == [{"name": "special_group", "times": "1.50"}]
    with translation.override("en"):
        assert rules.explain(entry.kind, entry.breakdown) == "2 h × 8 pts/h × 1.5 special group served = 24"
    with translation.override("zh-hans"):
        chinese = rules.explain(entry.kind, entry.breakdown)
    assert entry.explanation == chinese
    for number in ("2", "8", "1.5", "24"):
        assert number in chinese
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.APPROVED and record.decided_by == world.staff_a
    assert services.ledger_verify() == []


# --- the same form sent twice ----------------------------------------------------------------------


def _token(page):
    """The one-time token of the form on `page`."""
    return re.search(r'name="submission" value="([^"]+)"', page.content.decode()).group(1)


@pytest.mark.django_db
def test_the_same_form_sent_twice_logs_the_work_once_and_the_second_sending_finds_it(world, client_for):
    client = client_for("lawyer")
    token = _token(client.get("/my/records/new/"))
    assert len(token) >= 32

    first = client.post("/my/records/new/", _form(world, files=[_pdf()], submission=token))
    again = client.post("/my/records/new/", _form(world, files=[_pdf()], submission=token))

    record = ServiceRecord.objects.get()
    assert first["Location"] == again["Location"] == f"/my/records/{record.pk}/"
    assert record.evidence.count() == 1
    page = client.get(again["Location"])
    assert _shown(
        page, "This form had already been sent: the work is logged once, here. To log other work, start a new form."
    ) in _messages(page)
    assert AuditEntry.objects.filter(action="record_log").count() == 1


@pytest.mark.django_db
def test_two_forms_with_the_same_work_log_two_records(world, client_for):
    client = client_for("lawyer")
    tokens = [_token(client.get("/my/records/new/")) for _ in range(2)]
    assert tokens[0] != tokens[1]

    for token in tokens:
        assert client.post("/my/records/new/", _form(world, files=[_pdf()], submission=token)).status_code == 302

    assert ServiceRecord.objects.filter(contributor=world.lawyer_contributor).count() == 2
    # Another person's form with the same token is theirs: it is not mistaken for the lawyer's.
    other = client_for("other_lawyer")
    response = other.post(
        "/my/records/new/", _form(world, files=[_pdf()], region=world.district_b.pk, venue="", submission=tokens[0])
    )
    assert response.status_code == 302
    assert ServiceRecord.objects.filter(contributor=world.other_lawyer_contributor).count() == 1


@pytest.mark.django_db
def test_a_form_refused_for_an_error_can_be_corrected_and_sent_with_its_token(world, client_for):
    client = client_for("lawyer")
    token = _token(client.get("/my/records/new/"))
    refused = client.post("/my/records/new/", _form(world, submission=token))  # no evidence
    assert refused.status_code == 200 and _token(refused) == token and not ServiceRecord.objects.exists()

    assert client.post("/my/records/new/", _form(world, files=[_pdf()], submission=token)).status_code == 302
    assert ServiceRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_form_sent_from_two_tabs_at_once_logs_the_work_once(world):
    import threading

    from django.db import connection
    from django.test import Client

    token = "tab-" + "x" * 28
    senders = 6
    barrier = threading.Barrier(senders)
    locations, lock = [], threading.Lock()

    def send():
        client = Client()
        client.force_login(world.lawyer)
        try:
            barrier.wait()
            response = client.post("/my/records/new/", _form(world, files=[_pdf()], submission=token))
            outcome = response.get("Location", response.status_code)
        except Exception as exc:  # noqa: BLE001 — any other outcome is what the test must catch
            outcome = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            locations.append(outcome)

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    record = ServiceRecord.objects.get()
    assert locations == [f"/my/records/{record.pk}/"] * senders
    assert record.submission == token and EvidenceFile.objects.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_record_of_one_submission(world):
    from django.db import IntegrityError, transaction

    record = _log(world, files=[_pdf()])
    ServiceRecord.objects.filter(pk=record.pk).update(submission="y" * 32)
    twin = _log(world, files=[_pdf()])
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.filter(pk=twin.pk).update(submission="y" * 32)
    with pytest.raises(records.AlreadyLogged) as already:
        records.record_log(
            actor=world.lawyer,
            contributor=world.lawyer_contributor,
            service_type=ServiceType.objects.get(code="consultation"),
            date=_day(),
            start_time=NIGHTLESS,
            hours="1",
            region=world.district_a,
            description="再次提交",
            files=[_pdf()],
            submission="y" * 32,
        )
    assert already.value.record == record
    assert ServiceRecord.objects.count() == 2
