"""A firm admin's public-service record of their organisation for a year: the page, the XLSX export and
the PDF statement. Admins of another organisation get 404; people who run none get 403."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from core.http import year_param
from pointbook.commendations.documents import statement_pdf
from pointbook.firm_record.selectors import firm_record, statement_for
from pointbook.spreadsheets import XLSX_TYPE, firm_record_xlsx
from volunteers.people.selectors import organisation_for_admin_or_404


def _download(body, content_type, filename):
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def firm_record_page(request, pk):
    organisation = organisation_for_admin_or_404(request.user, pk)
    year = year_param(request)
    this_year = timezone.localdate().year
    return render(
        request,
        "pointbook/firm_record.html",
        {
            "organisation": organisation,
            "record": firm_record(organisation, year),
            "year": year,
            "years": list(range(this_year, this_year - 5, -1)),
        },
    )


@login_required
def firm_record_xlsx_download(request, pk):
    organisation = organisation_for_admin_or_404(request.user, pk)
    year = year_param(request)
    return _download(
        firm_record_xlsx(firm_record(organisation, year)),
        XLSX_TYPE,
        f"public-service-record-{organisation.licence_number}-{year}.xlsx",
    )


@login_required
def firm_record_pdf_download(request, pk):
    """The statement: the one already issued for these figures, or a new one (see statement_for)."""
    organisation = organisation_for_admin_or_404(request.user, pk)
    year = year_param(request)
    record = firm_record(organisation, year)
    certificate = statement_for(organisation, year, record, request.user)
    return _download(statement_pdf(certificate, record), "application/pdf", f"{certificate.number}.pdf")
