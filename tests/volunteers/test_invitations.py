"""Staff choose at confirm whether the people a roster import creates are emailed an invitation: one
email each (in Chinese by default), with a link to set a password that also confirms the address and
signs them in. Without the tick nobody is emailed; a rerun of the sending job sends nothing twice."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from core.jobs import job_enqueue
from core.models import Job
from tests.volunteers.test_imports import csv_file, roster, roster_rows, upload
from volunteers.invitations.services import invitations_send
from volunteers.models import AuditEntry, ImportJob, Invitation, User

LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+")


def confirm(client, response, invite):
    data = {"token": response.context["token"], "kind": response.context["kind"].code, "name": response.context["name"]}
    if invite:
        data["invite"] = "1"
    return client.post(reverse("staff_import_confirm"), data)


def import_roster(world, client_for, capture, *, invite, count=2):
    client = client_for("staff_a")
    preview = upload(client, "contributors", csv_file(roster(world, roster_rows(world, count=count))))
    page = preview.content.decode()
    assert 'name="invite"' in page and "给新增人员发送邀请邮件" in page
    with capture(execute=True):
        response = confirm(client, preview, invite)
    return client, ImportJob.objects.get(), response


@pytest.mark.django_db
def test_invited_people_get_one_email_set_a_password_and_are_signed_in(
    world, client_for, eager_celery, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    client, job, response = import_roster(world, client_for, django_capture_on_commit_callbacks, invite=True)
    assert (job.status, job.invite, job.invited) == ("done", True, 2)
    page = client.get(response.url).content.decode()
    assert 'id="count-invited">2<' in page
    entry = AuditEntry.objects.get(action="invite")
    assert (entry.actor, entry.object_id, entry.data["invited"]) == (world.staff_a, str(job.pk), 2)

    assert sorted(m.to[0] for m in mail.outbox) == ["qian0@example.cn", "qian1@example.cn"]
    message = next(m for m in mail.outbox if m.to == ["qian0@example.cn"])
    assert message.subject == "公共法律服务公益积分：请设置您的密码"
    assert "钱律师0 您好：" in message.body
    assert "平顶山市司法局已将您添加到公共法律服务公益积分" in message.body
    assert "127.0.0.1" not in message.body.split("http")[0]  # the site is named, not the host

    # Rerunning the sending job sends nothing again.
    assert invitations_send(job.pk) == 0
    assert len(mail.outbox) == 2
    assert Invitation.objects.filter(job=job, sent_at__isnull=False).count() == 2

    # The invitee follows the link, chooses a password and lands signed in, address confirmed.
    link = LINK.search(message.body).group(0)
    invitee = Client()
    form_page = invitee.get(link, follow=True)
    assert form_page.status_code == 200 and "password1" in form_page.content.decode()
    done = invitee.post(
        form_page.redirect_chain[-1][0], {"password1": "Lüshi-2025-safe", "password2": "Lüshi-2025-safe"}
    )
    assert done.status_code == 302, done
    user = User.objects.get(email="qian0@example.cn")
    assert user.has_usable_password() and user.check_password("Lüshi-2025-safe")
    assert EmailAddress.objects.get(user=user).verified
    assert invitee.get(reverse("account_overview")).status_code == 200  # signed in
    assert int(invitee.session["_auth_user_id"]) == user.pk

    # The link works once.
    assert "password1" not in Client().get(link, follow=True).content.decode()

    # And the password works for signing in later.
    fresh = Client()
    signed_in = fresh.post(reverse("account_login"), {"login": "qian0@example.cn", "password": "Lüshi-2025-safe"})
    assert signed_in.status_code == 302 and "_auth_user_id" in fresh.session


@pytest.mark.django_db
def test_without_the_tick_nobody_is_emailed(world, client_for, eager_celery, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    _client, job, _response = import_roster(world, client_for, django_capture_on_commit_callbacks, invite=False)
    assert (job.status, job.invite, job.invited) == ("done", False, 0)
    assert mail.outbox == []
    assert not Invitation.objects.exists()
    assert not AuditEntry.objects.filter(action="invite").exists()


@pytest.mark.django_db
def test_a_person_is_invited_once_even_by_a_second_job(
    world, client_for, eager_celery, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    _client, job, _response = import_roster(world, client_for, django_capture_on_commit_callbacks, invite=True, count=1)
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        job_enqueue(task="invitations_send", args={"import_job_id": job.pk})
    assert len(mail.outbox) == 1
    assert Job.objects.filter(task="invitations_send", status="done").count() == 2


@pytest.mark.django_db
def test_the_invitation_is_in_english_for_an_english_account(
    world, client_for, eager_celery, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    _client, job, _response = import_roster(
        world, client_for, django_capture_on_commit_callbacks, invite=False, count=1
    )
    user = User.objects.get(email="qian0@example.cn")
    user.language = "en"
    user.save(update_fields=["language"])
    Invitation.objects.create(user=user, job=job, invited_by=world.staff_a)
    assert invitations_send(job.pk) == 1
    [message] = mail.outbox
    assert message.subject == "Public legal service pro-bono points: set your password"
    assert "has added you to Public legal service pro-bono points" in message.body


@pytest.mark.django_db
def test_only_rosters_offer_invitations(world, client_for):
    client = client_for("staff_a")
    text = "名称,类型,执业许可证号,区划代码\n新律所,律师事务所,31410000MA40000001,410402\n"
    page = upload(client, "organisations", csv_file(text)).content.decode()
    assert 'name="invite"' not in page
