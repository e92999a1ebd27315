"""Temporary: validates the matrix rows proposed for the lead."""
import pytest
from django.db import transaction

from . import test_authorisation_matrix as m
from .conftest import USER_NAMES
from pointbook.models import RecognitionReport

m._WATCHED[RecognitionReport] = [f.attname for f in RecognitionReport._meta.concrete_fields]

LOGIN, STAFF_ONLY, STAFF_IN_A, STAFF_IN_B = m.LOGIN, m.STAFF_ONLY, m.STAFF_IN_A, m.STAFF_IN_B
Redirect, Unchanged = m.Redirect, m.Unchanged

REPORT_FORM = {"kind": "annual", "region": "{district_a}", "year": "{report_year}", "month": ""}
REPORTS_MATRIX = {
    "staff_reports": {
        "-": ("GET", [], None, STAFF_ONLY),
        "filtered": ("GET", ["?year={report_year}&region={district_a}"], None, STAFF_ONLY),
        # Accepted: a report row (its build is queued when the request commits); staff of B are told
        # the region is outside their area (the form again), nothing made.
        "started A": ("FORM", [], REPORT_FORM,
                      (LOGIN, 403, 403, 403, Redirect("/staff/reports/{next_report}/"), Unchanged(200),
                       Redirect("/staff/reports/{next_report}/"))),
    },
    "staff_report": {
        "A": ("GET", ["{report_a}"], None, STAFF_IN_A),
        "B": ("GET", ["{report_b}"], None, STAFF_IN_B),
        "A progress": ("GET", ["{report_a}", "?format=json"], None, STAFF_IN_A),
    },
    "staff_report_file": {
        "A": ("GET", ["{report_a}", "pdf"], None, STAFF_IN_A),
        "B": ("GET", ["{report_b}", "xlsx"], None, STAFF_IN_B),
        "unknown format": ("GET", ["{report_a}", "csv"], None, (LOGIN, 403, 403, 403, 404, 404, 404)),
    },
}


def _report_extras(world):
    """A finished report of district A and one of district B, with their files; the year and the id
    the next report will get."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    year = timezone.localdate().year - 1
    ids = {"report_year": year}
    for side, region in (("a", world.district_a), ("b", world.district_b)):
        report = RecognitionReport(region=region, kind="annual", year=year, status="done", progress=100,
                                   finished_at=timezone.now())
        report.pdf.save(f"matrix-{side}.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
        report.xlsx.save(f"matrix-{side}.xlsx", ContentFile(b"PK test"), save=False)
        report.save()
        ids[f"report_{side}"] = report.pk
    ids["next_report"] = ids["report_b"] + 1
    return ids


def _rows():
    for name, variants in REPORTS_MATRIX.items():
        for variant, row in variants.items():
            yield pytest.param(name, *row, id=f"{name}[{variant}]")


@pytest.mark.parametrize("name, method, args, payload, expected", list(_rows()))
def test_reports_matrix(world, client_for, subtests, name, method, args, payload, expected):
    ids = {key: getattr(value, "pk", None) for key, value in vars(world).items()}
    ids.update(_report_extras(world))
    url = m._url(name, args, ids)
    before = m._snapshot()
    for user_name, cell in zip(USER_NAMES, expected):
        with subtests.test(user=user_name, expected=cell):
            with transaction.atomic():
                try:
                    m._check(client_for(user_name), method, url, payload, user_name, cell, ids, before)
                finally:
                    transaction.set_rollback(True)
