"""Building a recognition report: fresh standings → figures → charts → PDF and XLSX → private storage
→ email.

`report_render` is the rendering shared by the Celery job and the `recognition_report` command.
`report_build` is the job's service: it claims the report's job (`core.jobs.job_claim`), so two
deliveries build it once; records progress (and a heartbeat) as steps finish; saves both files and
marks it done, with its audit row, in one transaction that checks it still owns the job, or marks it
failed (audited the same way) and keeps no file. A build whose worker died is taken over after the
lease by the delivery the sweeper sends.
"""

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.audit import audit
from core.http import absolute_url
from core.jobs import job_beat, job_claim, job_finish, job_heartbeat
from pointbook.models import RecognitionReport
from pointbook.reports import charts, pdf, xlsx
from pointbook.reports.data import report_figures
from volunteers.models import StaffProfile
from volunteers.people.selectors import bureau_name

log = logging.getLogger(__name__)
Status = RecognitionReport.Status
FORMATS = ("pdf", "xlsx")


class LostClaim(Exception):
    """Another delivery took the report over (this one was stalled past the lease)."""


def report_render(*, region, kind, year, month=None, formats=FORMATS, language=None, progress=None):
    """{format: bytes} of the report, labels in `language` (the site's default when None). The
    standings of `year` are refreshed first and the report counted as of them (`report_figures`)."""
    return _render(region, kind, year, month, formats, language, progress)[0]


def _render(region, kind, year, month, formats, language, progress):
    """({format: bytes}, the time its figures were counted)."""
    progress = progress or (lambda percent: None)
    out = {}
    with translation.override(language or settings.LANGUAGE_CODE):
        figures = report_figures(region, kind=kind, year=year, month=month)
        progress(35)
        if "pdf" in formats:
            images = charts.report_charts(figures)
            progress(55)
            out["pdf"] = pdf.render(figures, images)
            progress(75)
        if "xlsx" in formats:
            out["xlsx"] = xlsx.render(figures)
            progress(90)
    return out, figures.as_of


def file_stem(report):
    period = f"{report.year}-{report.month:02d}" if report.month else str(report.year)
    kind = "digest" if report.kind == RecognitionReport.Kind.MONTHLY else "recognition"
    return f"{kind}-{report.region.code}-{period}"


def report_build(report_id):
    """Build report `report_id` if it is queued (or its build stalled). Returns its status after, or
    None when this delivery had nothing to do (built already, or being built by another)."""
    attempt = job_claim(report_id)
    if attempt is None:
        return None
    with job_heartbeat(report_id, attempt):
        return _build_claimed(report_id, attempt)


def _build_claimed(report_id, attempt):
    report = RecognitionReport.objects.select_related("region", "requested_by").get(pk=report_id)

    def progress(percent):
        if not job_beat(report_id, attempt, percent):
            raise LostClaim

    saved = []
    try:
        language = report.requested_by.language if report.requested_by else settings.LANGUAGE_CODE
        files, counted_at = _render(report.region, report.kind, report.year, report.month, FORMATS, language, progress)
        stem = file_stem(report)
        for fmt in FORMATS:
            field = getattr(report, fmt)
            field.save(f"{stem}.{fmt}", ContentFile(files[fmt]), save=False)
            saved.append(field.name)
        with transaction.atomic():
            if not job_finish(report_id, attempt):
                raise LostClaim
            RecognitionReport.objects.filter(pk=report_id).update(
                pdf=report.pdf.name, xlsx=report.xlsx.name, counted_at=counted_at
            )
            audit(actor=None, action="report.done", obj=report, pdf=report.pdf.name, xlsx=report.xlsx.name)
    except LostClaim:
        _delete(report, saved)
        log.warning("report %s: another delivery took it over; this one stops", report_id)
        return None
    except Exception as exc:  # noqa: BLE001 — any failure: no partial files, the reason on the report
        log.exception("report %s failed", report_id)
        _delete(report, saved)
        message = f"{type(exc).__name__}: {exc}"[:300]
        with transaction.atomic():
            if not job_finish(report_id, attempt, failed=True, error=message):
                return None
            RecognitionReport.objects.filter(pk=report_id).update(pdf="", xlsx="", counted_at=None)
            audit(actor=None, action="report.fail", obj=report, error=message)
        report_email(report_id)
        return Status.FAILED
    report_email(report_id)
    return Status.DONE


def _delete(report, names):
    storage = report.pdf.storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            log.exception("report %s: could not delete %s", report.pk, name)


def _recipients(report):
    """Who asked; for a scheduled digest, the staff of its region."""
    if report.requested_by is not None:
        users = [report.requested_by]
    else:
        users = [p.user for p in StaffProfile.objects.filter(region=report.region).select_related("user")]
    return [u for u in users if u.is_active and u.email]


def report_email(report_id):
    """Tell who asked that the report is ready (or failed), in their language, with the page's link.
    The report is on the page whatever happens to the email, so a mail failure is logged, not raised."""
    report = RecognitionReport.objects.select_related("region", "requested_by").get(pk=report_id)
    url = absolute_url(reverse("staff_report", args=[report.pk]))
    sent = 0
    for user in _recipients(report):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            what = (
                _("Annual recognition report %(year)s") % {"year": report.year}
                if report.kind == RecognitionReport.Kind.ANNUAL
                else _("Monthly digest %(year)s-%(month)02d") % {"year": report.year, "month": report.month}
            )
            if report.status == Status.DONE:
                subject = _("Ready: %(what)s, %(region)s") % {"what": what, "region": report.region.name}
                body = _(
                    "The %(what)s for %(region)s is ready. Download the PDF and the spreadsheet here "
                    "(sign in as bureau staff):\n\n%(url)s\n\n— %(bureau)s\n"
                )
            else:
                subject = _("Failed: %(what)s, %(region)s") % {"what": what, "region": report.region.name}
                body = _(
                    "The %(what)s for %(region)s could not be built. You can start it again here:"
                    "\n\n%(url)s\n\n— %(bureau)s\n"
                )
            body = body % {"what": what, "region": report.region.name, "url": url, "bureau": bureau_name()}
        try:
            sent += EmailMessage(subject, body, to=[user.email]).send()
        except Exception:  # noqa: BLE001
            log.exception("report %s: could not email %s", report_id, user.email)
    return sent


def report_run_now(*, region, kind, year, month=None, formats=FORMATS, language=None):
    """For operators (the management command): the same rendering, synchronously, no stored row."""
    return report_render(region=region, kind=kind, year=year, month=month, formats=formats, language=language)
