"""Accounts through allauth: mandatory email verification, rate limits on the shared cache, TOTP
for staff, and no second login form behind the admins."""

import re

import pytest
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import translation

from volunteers.models import Region, StaffProfile

User = get_user_model()
PASSWORD = "Lawful-Service-2026"


def _verified_user(email, **extra):
    user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.mark.django_db
def test_a_new_account_cannot_log_in_until_its_email_is_verified():
    client = Client()
    response = client.post(
        "/accounts/signup/", {"email": "wang@example.cn", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.filter(email="wang@example.cn").exists()
    assert not EmailAddress.objects.get(email="wang@example.cn").verified
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wang@example.cn"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message.subject)  # Chinese by default

    # Logging in before verifying only re-sends the link.
    client = Client()
    response = client.post("/accounts/login/", {"login": "wang@example.cn", "password": PASSWORD})
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session

    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body).group(0)
    path = link.split("testserver", 1)[-1]
    assert client.post(path).status_code == 302
    assert EmailAddress.objects.get(email="wang@example.cn").verified


@pytest.mark.django_db
def test_repeated_failed_logins_are_rate_limited():
    _verified_user("li@example.cn")
    with translation.override("en"):
        too_many = str(DefaultAccountAdapter.error_messages["too_many_login_attempts"])
    with translation.override("zh-hans"):
        too_many_zh = translation.gettext(DefaultAccountAdapter.error_messages["too_many_login_attempts"])
    client = Client()
    pages = [
        client.post("/accounts/login/", {"login": "li@example.cn", "password": "wrong-password"}).content.decode()
        for _ in range(6)
    ]
    assert not any(too_many_zh in page for page in pages[:5])
    assert too_many_zh in pages[5] and too_many_zh != too_many
    # Even the right password is refused while the limit holds.
    response = client.post("/accounts/login/", {"login": "li@example.cn", "password": PASSWORD})
    assert too_many_zh in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_sends_a_link_and_the_new_password_works():
    _verified_user("zhao@example.cn")
    client = Client()
    client.post("/accounts/password/reset/", {"email": "zhao@example.cn"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://testserver(/accounts/password/reset/key/[^\s]+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"password1": "New-Lawful-2027", "password2": "New-Lawful-2027"})
    assert response.status_code == 302
    assert User.objects.get(email="zhao@example.cn").check_password("New-Lawful-2027")


@pytest.mark.django_db
def test_staff_can_enrol_totp_and_then_need_a_code_to_log_in():
    city = Region.add_root(code="530400", name="玉溪市", level=Region.Level.CITY)
    staff = _verified_user("staff@example.cn")
    StaffProfile.objects.create(user=staff, region=city)
    client = Client()
    client.post("/accounts/login/", {"login": "staff@example.cn", "password": PASSWORD})
    # Enrolling asks for the password again first.
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()

    fresh = Client()
    response = fresh.post("/accounts/login/", {"login": "staff@example.cn", "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in fresh.session


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/cms-admin/login/", "/django-admin/login/"])
def test_admin_login_pages_hand_over_to_allauth(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
