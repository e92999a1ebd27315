"""Login limits that fit a bureau: a whole office signs in from behind one NAT address, so failed logins
count per account and address together; generous ceilings per address, and a per-account ceiling
against guessing spread over many addresses (settings.ACCOUNT_RATE_LIMITS, people/adapters.py)."""

import pytest
from allauth.account.adapter import DefaultAccountAdapter
from django.test import Client
from django.utils import translation

from tests.factories import PASSWORD, UserFactory

OFFICE = "203.0.113.7"  # the bureau's one public address


def _too_many():
    with translation.override("zh-hans"):
        return translation.gettext(DefaultAccountAdapter.error_messages["too_many_login_attempts"])


def _login(email, password=PASSWORD, address=OFFICE):
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"login": email, "password": password})
    return response, "_auth_user_id" in client.session


@pytest.mark.django_db
def test_forty_colleagues_behind_one_address_all_sign_in_within_a_minute():
    people = UserFactory.create_batch(40)
    for person in people:
        response, signed_in = _login(person.email)
        assert signed_in, f"{person.email} refused: {response.status_code}"


@pytest.mark.django_db
def test_typos_lock_out_only_that_account_from_that_address():
    li, wang = UserFactory(email="li@example.cn"), UserFactory(email="wang@example.cn")
    pages = [_login(li.email, "wrong-password")[0].content.decode() for _ in range(6)]
    assert not any(_too_many() in page for page in pages[:5])
    assert _too_many() in pages[5]

    # Li, from the office, is refused even with the right password while the limit holds ...
    response, signed_in = _login(li.email)
    assert not signed_in and _too_many() in response.content.decode()
    # ... but a colleague at the next desk signs in, and so does Li from home.
    assert _login(wang.email)[1]
    assert _login(li.email, address="198.51.100.20")[1]


@pytest.mark.django_db
def test_guessing_one_account_from_many_addresses_meets_the_account_ceiling(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed_account": "3/h/key"}
    li = UserFactory(email="li@example.cn")
    for n in range(3):
        response, signed_in = _login(li.email, "guess", address=f"198.51.100.{n + 1}")
        assert not signed_in and _too_many() not in response.content.decode()
    response, signed_in = _login(li.email, address="198.51.100.99")
    assert not signed_in and _too_many() in response.content.decode()


@pytest.mark.django_db
def test_a_successful_login_does_not_count_as_a_failure(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed_account": "2/h/key"}
    li = UserFactory(email="li@example.cn")
    for _ in range(4):
        assert _login(li.email, address="198.51.100.1")[1]
    assert _login(li.email, address="198.51.100.2")[1]


@pytest.mark.django_db
def test_the_per_address_ceiling_still_holds(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    people = UserFactory.create_batch(4)
    for person in people[:3]:
        assert _login(person.email)[1]
    response, signed_in = _login(people[3].email)
    assert not signed_in and response.status_code == 429
