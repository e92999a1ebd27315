"""A firm admin's public-service record of their organisation for a year: the page, the XLSX export and
the PDF statement (issued by a POST, downloaded by a GET). Admins of another organisation get 404;
people who run none get 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import year_param
from pointbook.commendations.documents import statement_pdf
from pointbook.firm_record.selectors import firm_record, statement_certifies, statement_latest
from pointbook.firm_record.services import statement_issue
from pointbook.spreadsheets import XLSX_TYPE, firm_record_xlsx
from volunteers.people.selectors import organisation_for_admin_or_404


def _download(body, content_type, filename):
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _statement_context(organisation, year, record):
    """What the statement box shows: the statement of these figures, or else the one they outdated."""
    latest = statement_latest(organisation, year)
    if statement_certifies(latest, record):
        return {"statement": latest, "outdated": None}
    return {"statement": None, "outdated": latest}


@login_required
def firm_record_page(request, pk):
    organisation = organisation_for_admin_or_404(request.user, pk)
    year = year_param(request)
    this_year = timezone.localdate().year
    record = firm_record(organisation, year)
    return render(
        request,
        "pointbook/firm_record.html",
        {
            "organisation": organisation,
            "record": record,
            "year": year,
            "years": list(range(this_year, this_year - 5, -1)),
            **_statement_context(organisation, year, record),
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
    """The statement issued for the year's figures as they are now, as PDF. Never issues one, whatever
    the method (a link may be followed by anything: a prefetch, a crawler, a second tab): without one,
    a 404 page saying so, with the button that issues it (firm_statement_issue)."""
    organisation = organisation_for_admin_or_404(request.user, pk)
    year = year_param(request)
    record = firm_record(organisation, year)
    context = _statement_context(organisation, year, record)
    if context["statement"] is None:
        return render(
            request,
            "pointbook/firm_statement_missing.html",
            {"organisation": organisation, "year": year, **context},
            status=404,
        )
    certificate = context["statement"]
    return _download(statement_pdf(certificate, record), "application/pdf", f"{certificate.number}.pdf")


@login_required
@require_POST
def firm_statement_issue(request, pk):
    """Issue the statement of the year's figures (or find the one that already certifies them)."""
    organisation = organisation_for_admin_or_404(request.user, pk)
    year = year_param(request)
    certificate, issued = statement_issue(organisation=organisation, year=year, actor=request.user)
    if issued:
        messages.success(request, _("Statement %(number)s issued.") % {"number": certificate.number})
    else:
        messages.info(
            request,
            _("Statement %(number)s already certifies these figures; nothing new was issued.")
            % {"number": certificate.number},
        )
    return redirect(f"{reverse('firm_record', args=[organisation.pk])}?year={year}#statement")
