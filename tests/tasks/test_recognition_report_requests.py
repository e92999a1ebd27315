"""The recognition report's service-request section: received, finished, on time and the
satisfaction rate, per district, of requests registered in the period; in the PDF and the XLSX."""

import datetime
import io

from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from pointbook.models import RecognitionReport
from pointbook.reports import build
from tests.volunteers.service_requests_support import close, register
from volunteers.service_requests import services as svc


def test_the_report_counts_requests_per_district(world):
    today = timezone.localdate()
    now = timezone.now()
    done = register(world, now=now)
    svc.request_dispatch(
        actor=world.staff_a, scope=world.district_a, request=done, contributor=world.lawyer_contributor
    )
    svc.request_accept(contributor=world.lawyer_contributor, request=done)
    close(world.lawyer_contributor, done)
    svc.request_rate(token=done.rating_token, score=5)
    register(world, now=now)
    register(world, region=world.village_b, now=now)
    register(world, now=now - datetime.timedelta(days=400))  # another year: not counted
    files = build.report_render(
        region=world.city,
        kind=RecognitionReport.Kind.ANNUAL,
        year=today.year,
        formats=("xlsx", "pdf"),
        language="en",
    )
    book = load_workbook(io.BytesIO(files["xlsx"]))
    rows = {r[0]: r[1:] for r in book["Service requests"].iter_rows(min_row=2, values_only=True)}
    assert rows["新华区"] == ("410402", 2, 1, 1, 100)
    assert rows["卫东区"] == ("410403", 1, 0, 0, "—")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(files["pdf"])).pages)
    assert "Service requests" in text and "Satisfaction" in text
