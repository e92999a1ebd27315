"""The one account page: email addresses, password, two-factor and language, in both languages; and
the account emails and pages name the site in natural Chinese instead of the request's host."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory


@pytest.mark.django_db
def test_the_nav_leads_to_one_account_page_with_every_section(client_for, lawyer):
    client = client_for("lawyer")
    page = client.get("/").content.decode()
    assert 'href="/account/">账号</a>' in page
    page = client.get(reverse("account_overview")).content.decode()
    assert "<h1>我的账号</h1>" in page
    assert "lawyer@example.cn" in page and "主邮箱" in page
    for section in ("account-email", "account-password", "account-mfa", "account-language"):
        assert f'id="{section}"' in page
    assert 'href="/accounts/email/"' in page
    assert 'href="/accounts/password/change/"' in page
    assert 'href="/accounts/2fa/"' in page
    assert "未开启" in page and 'id="mfa-staff"' not in page  # the staff reminder is for staff only
    assert 'action="/i18n/setlang/"' in page and 'value="en"' in page


@pytest.mark.django_db
def test_staff_are_asked_to_turn_two_factor_on_until_they_have(client_for, staff_a):
    page = client_for("staff_a").get(reverse("account_overview")).content.decode()
    assert 'id="mfa-staff"' in page and "请开启双因素认证" in page
    Authenticator.objects.create(user=staff_a, type=Authenticator.Type.TOTP, data={})
    page = client_for("staff_a").get(reverse("account_overview")).content.decode()
    assert 'id="mfa-staff"' not in page and "已开启" in page


@pytest.mark.django_db
def test_an_account_without_a_password_is_offered_to_set_one(world):
    user = UserFactory(email="new@example.cn")
    user.set_unusable_password()
    user.save()
    client = Client()
    client.force_login(user)
    page = client.get(reverse("account_overview")).content.decode()
    assert 'href="/accounts/password/set/"' in page and "还没有设置密码" in page


@pytest.mark.django_db
def test_the_account_page_in_english(client_for):
    client = client_for("lawyer")
    client.post(reverse("set_language"), {"language": "en", "next": "/account/"})
    page = client.get(reverse("account_overview")).content.decode()
    assert "<h1>My account</h1>" in page and "Change your password" in page and "Two-factor authentication" in page


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in():
    response = Client().get(reverse("account_overview"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_the_verification_email_and_confirm_page_name_the_site_in_chinese(world, settings):
    settings.SITE_URL = "https://probono.example.cn"
    mail.outbox.clear()
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {"email": "zhang.san@example.cn", "password1": "Gongyi-2025-long", "password2": "Gongyi-2025-long"},
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject == "公共法律服务公益积分：请确认您的电子邮箱"
    assert message.body.startswith("您好：")
    assert "感谢您注册公共法律服务公益积分" in message.body
    assert "Hello from" not in message.body and "testserver" not in message.body.split("http")[0]
    assert "—— 公共法律服务公益积分\nhttps://probono.example.cn/" in message.body
    link = re.search(r"http\S+/accounts/confirm-email/\S+/", message.body).group(0)
    page = client.get(link[link.index("/accounts/") :]).content.decode()
    assert "<h1>确认电子邮箱</h1>" in page
    assert "zhang.san@example.cn 是您的电子邮箱吗？点击“确认”后，即可在公共法律服务公益积分使用这个邮箱。" in page
    assert "是用户" not in page
    client.post(link[link.index("/accounts/") :])
    assert EmailAddress.objects.get(email="zhang.san@example.cn").verified


@pytest.mark.django_db
def test_the_password_reset_email_names_the_site(world, settings):
    settings.SITE_URL = "https://probono.example.cn"
    mail.outbox.clear()
    Client().post(reverse("account_reset_password"), {"email": "lawyer@example.cn"})
    [message] = mail.outbox
    assert message.subject == "公共法律服务公益积分：设置新密码"
    assert "您在公共法律服务公益积分的账号设置新密码" in message.body


@pytest.mark.django_db
def test_the_account_page_keeps_its_query_count(client_for, lawyer, django_assert_max_num_queries):
    client = client_for("lawyer")
    client.get(reverse("account_overview"))
    for n in range(5):
        EmailAddress.objects.create(user=lawyer, email=f"extra{n}@example.cn", verified=False)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("account_overview")).content.decode()
    assert "extra4@example.cn" in page
