"""A large import confirmed on the page is imported by a real Celery worker in its own process."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.support.worker import Worker, worker_env
from volunteers.models import Contributor, ImportJob, Membership

SUCCEEDED = re.compile(r"Task tasks\.imports\.import_run\[[0-9a-f-]+\] succeeded")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_imports_a_large_roster_and_emails_the_staff_member(world, client_for, tmp_path, settings):
    queue = f"test-imports-{uuid.uuid4().hex[:8]}"
    settings.PB_JOB_QUEUE = queue
    settings.PB_IMPORT_INLINE_ROWS = 10
    rows = [
        f"钱律师{n},律师,1430{n:013d},{world.firm_a.licence_number},137{n:08d},w{n}@example.cn,{world.district_a.code}"
        for n in range(40)
    ]
    text = "\n".join(["姓名,类别,执业证号,所属机构执业证号,手机,电子邮箱,区划代码", *rows]) + "\n"
    client = client_for("staff_a")
    response = client.post(
        reverse("staff_imports"),
        {"kind": "contributors", "file": SimpleUploadedFile("big.csv", text.encode("gb18030"))},
    )
    context = response.context
    response = client.post(
        reverse("staff_import_confirm"), {"token": context["token"], "kind": "contributors", "name": context["name"]}
    )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED and not Contributor.objects.filter(legal_name="钱律师0").exists()
    page = client.get(response.url).content.decode()
    assert "import-progress" in page  # the page shows progress while the job waits

    (tmp_path / "mail").mkdir()
    env = worker_env(
        mail_dir=tmp_path / "mail", tmp_dir=tmp_path / "tmp", PB_TEST_WORKER_PRIVATE_ROOT=settings.PRIVATE_MEDIA_ROOT
    )
    Worker.start(env, queue=queue, log=tmp_path / "worker.log").run_until(SUCCEEDED, queue=queue)

    job.refresh_from_db()
    assert (job.status, job.created, job.progress) == (ImportJob.Status.DONE, 40, 100), job.problems
    assert (
        Membership.objects.filter(
            organisation=world.firm_a, contributor__legal_name__startswith="钱律师", status=Membership.Status.ACTIVE
        ).count()
        == 40
    )
    assert client.get(reverse("staff_job", args=[job.pk])).json()["status"] == "done"
    [eml] = list((tmp_path / "mail").glob("*.eml"))
    assert "staff.a@example.cn" in eml.read_text(errors="replace")
