"""From an uploaded file to imported rows: the preview keeps the file aside (no rows, no emails, no
tasks); confirming checks it again and makes an `ImportJob`, run at once for a small file or by a
Celery job for a large one, which writes everything in one transaction or nothing."""

from __future__ import annotations

import logging
import os
import re
import secrets
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit
from core.http import absolute_url
from core.jobs import job_beat, job_claim, job_enqueue, job_finish, job_heartbeat
from spreadsheets.imports.engine import KINDS, import_apply, import_check
from spreadsheets.upload import SheetError, sheet_read
from volunteers.invitations.services import invitations_create
from volunteers.models import ImportJob, evidence_storage
from volunteers.people.selectors import bureau_name

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from spreadsheets.imports.engine import Plan
    from spreadsheets.upload import Sheet
    from volunteers.models import Region, User

log = logging.getLogger(__name__)

PENDING = "imports/pending/"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,60}\.(csv|xlsx)$")


def pending_keep(upload: UploadedFile) -> str:
    """Keep an uploaded file until the staff member confirms; the name returned is all that identifies it."""
    # An uploaded file always has a name (the stubs allow None, for a File made without one).
    extension = os.path.splitext(upload.name)[1].lower().lstrip(".")  # type: ignore[type-var,union-attr]
    token = f"{secrets.token_urlsafe(24)}.{extension}"
    upload.seek(0)
    evidence_storage().save(PENDING + token, ContentFile(upload.read()))
    return token


class _Stored:
    """A stored file as `sheet_read` takes it: the staff member's file name, the stored bytes."""

    def __init__(self, handle: IO[bytes], name: str, size: int) -> None:
        self._handle, self.name, self.size = handle, name, size

    def read(self, *args: int) -> bytes:
        return self._handle.read(*args)

    def seek(self, *args: int) -> int:
        return self._handle.seek(*args)

    def tell(self) -> int:
        return self._handle.tell()


def _sheet_of(path: str, original_name: str) -> Sheet:
    storage = evidence_storage()
    with storage.open(path, "rb") as handle:
        return sheet_read(_Stored(handle, original_name, storage.size(path)))


def pending_claim(token: str) -> str:
    """Take the kept file for one confirmation: it is renamed, which only one of two clicks can do.
    Returns its new name, or SheetError if the token is unknown or the file has gone."""
    storage = evidence_storage()
    gone = SheetError(_("That upload has expired or was imported already. Choose the file again."))
    if not _TOKEN.match(token or ""):
        raise gone
    claimed = f"{PENDING}{token}.{secrets.token_hex(8)}.claimed"
    try:
        os.rename(storage.path(PENDING + token), storage.path(claimed))
    except FileNotFoundError:
        raise gone from None
    return claimed


def pending_clear(older_than: timedelta = timedelta(days=1), now: datetime | None = None) -> int:
    """Uploads previewed and never confirmed are removed after a day (housekeeping)."""
    storage = evidence_storage()
    cutoff = (now or timezone.now()) - older_than
    try:
        _dirs, files = storage.listdir(PENDING)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in files:
        if storage.get_modified_time(PENDING + name) < cutoff:
            storage.delete(PENDING + name)
            removed += 1
    return removed


def import_preview(
    *, kind: str, upload: UploadedFile, scope: Region, actor: User | None = None
) -> tuple[Plan, str | None]:
    """(plan, token): the plan for an uploaded file, and where it is kept when it can be imported."""
    sheet = sheet_read(upload)
    plan = import_check(kind, sheet, scope=scope, actor=actor)
    token = pending_keep(upload) if plan.ok and plan.writes else None
    return plan, token


def import_confirm(
    *, actor: User, scope: Region, kind: str, token: str, original_name: str, invite: bool = False
) -> tuple[ImportJob | None, Plan]:
    """Check the kept file again (the data may have changed since the preview) and start the import.
    `invite`: email the people it creates an invitation to set their password (rosters only).
    Returns (job, plan); job is None when the file now has problems."""
    claimed = pending_claim(token)
    storage = evidence_storage()
    try:
        plan = import_check(kind, _sheet_of(claimed, original_name), scope=scope, actor=actor)
        if not plan.ok:
            return None, plan
        with transaction.atomic():
            job = ImportJob(
                kind=kind,
                original_name=original_name[:200],
                region=scope,
                requested_by=actor,
                rows=plan.rows,
                invite=invite and KINDS[kind].invites,
            )
            with storage.open(claimed, "rb") as handle:
                job.file.save(token, ContentFile(handle.read()), save=False)
            if plan.rows > settings.PB_IMPORT_INLINE_ROWS:
                job_enqueue(job)  # a worker imports it once this commits
            else:
                job.save()
            audit(
                actor=actor,
                action="import_start",
                obj=job,
                kind=kind,
                rows=plan.rows,
                file=job.original_name,
                invite=job.invite,
            )
    finally:
        storage.delete(claimed)
    if plan.rows <= settings.PB_IMPORT_INLINE_ROWS:
        import_run(job.pk, plan=plan, notify=False)
        job.refresh_from_db()
    return job, plan


class _LostClaim(Exception):
    """Another delivery took the import over (this one outlived the lease): write nothing."""


def import_run(job_id: int, *, plan: Plan | None = None, notify: bool = True) -> str | None:
    """Import a confirmed job's file: claimed once (a second delivery finds it taken), checked again,
    written in one transaction with the job marked done, or marked failed with nothing written."""
    now = timezone.now()
    attempt = job_claim(job_id, now=now)
    if attempt is None:
        return None
    with job_heartbeat(job_id, attempt):
        return _import_claimed(job_id, attempt, plan=plan, notify=notify, now=now)


def _import_claimed(job_id: int, attempt: int, *, plan: Plan | None, notify: bool, now: datetime) -> str | None:
    job = ImportJob.objects.select_related("region", "requested_by").get(pk=job_id)
    try:
        if plan is None:
            sheet = _sheet_of(job.file.name, job.original_name)
            job_beat(job_id, attempt, 20)
            plan = import_check(job.kind, sheet, scope=job.region, actor=job.requested_by)
            job_beat(job_id, attempt, 60)
        if plan.ok:
            with transaction.atomic():
                import_apply(plan, actor=job.requested_by, now=now)
                _finish(job, attempt, plan, ImportJob.Status.DONE)
                audit(actor=job.requested_by, action="import_done", obj=job, kind=job.kind, **plan.summary())
                if job.invite:
                    invitations_create(job, plan.work.get("new_users", []))
        else:
            _finish(job, attempt, plan, ImportJob.Status.FAILED)
    except _LostClaim:
        log.warning("import %s: another delivery took it over; this one wrote nothing", job_id)
        return None
    except SheetError as exc:
        _fail(job, attempt, str(exc))
    except Exception:
        log.exception("import %s failed", job_id)
        _fail(job, attempt, _("The import stopped on an unexpected error; nothing was imported."))
    if notify:
        transaction.on_commit(lambda: import_email(job_id))
    return ImportJob.objects.get(pk=job_id).status


def _finish(job: ImportJob, attempt: int, plan: Plan, status: str) -> None:
    # Inside the import's transaction: losing the claim rolls the whole import back.
    if not job_finish(job.pk, attempt, failed=status == ImportJob.Status.FAILED):
        raise _LostClaim
    ImportJob.objects.filter(pk=job.pk).update(
        rows=plan.rows,
        created=plan.new if status == ImportJob.Status.DONE else 0,
        changed=plan.changed if status == ImportJob.Status.DONE else 0,
        unchanged=plan.unchanged,
        problem_count=plan.problem_count,
        problems=[{"row": p.row, "column": p.column, "message": p.message} for p in plan.problems],
    )


def _fail(job: ImportJob, attempt: int, message: str) -> None:
    if not job_finish(job.pk, attempt, failed=True):
        return
    ImportJob.objects.filter(pk=job.pk).update(
        problem_count=1,
        problems=[{"row": "", "column": "", "message": str(message)}],
    )


def import_email(job_id: int) -> int:
    """Tell the staff member, in their language, that the import is done (or wrote nothing)."""
    job = ImportJob.objects.select_related("requested_by").get(pk=job_id)
    # An import always has its requester (import_confirm sets it); the column is nullable for plain jobs.
    user: User = job.requested_by  # type: ignore[assignment]
    if not (user.is_active and user.email):
        return 0
    url = absolute_url(reverse("staff_import", args=[job.pk]))
    with translation.override(user.language or settings.LANGUAGE_CODE):
        what = str(KINDS[job.kind].label) if job.kind in KINDS else job.kind
        if job.status == ImportJob.Status.DONE:
            subject = _("Imported: %(file)s") % {"file": job.original_name}
            body = _(
                "%(what)s from %(file)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.\n\n%(url)s"
                "\n\n— %(bureau)s\n"
            ) % {
                "what": what,
                "file": job.original_name,
                "new": job.created,
                "changed": job.changed,
                "unchanged": job.unchanged,
                "url": url,
                "bureau": bureau_name(),
            }
        else:
            subject = _("Not imported: %(file)s") % {"file": job.original_name}
            body = _(
                "%(what)s from %(file)s: nothing was imported. The problems are listed here:\n\n%(url)s"
                "\n\n— %(bureau)s\n"
            ) % {"what": what, "file": job.original_name, "url": url, "bureau": bureau_name()}
    try:
        return EmailMessage(subject, body, to=[user.email]).send()
    except Exception:  # noqa: BLE001 — the result is on the page whatever happens to the email
        log.exception("import %s: could not email %s", job_id, user.email)
        return 0
