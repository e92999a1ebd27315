"""The hand-over and consent pages: bad input gets a clear message and changes nothing, both
languages render, and My shifts and the consent queue run the same number of queries with one
hand-over or consent as with many."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ContributorFactory, MembershipFactory, ShiftFactory
from volunteers.models import Handover, Signup
from volunteers.rota import services as rota

DAY = datetime.timedelta(days=1)


@pytest.fixture
def colleague(world):
    person = ContributorFactory(legal_name="陈静", region=world.district_a)
    MembershipFactory(contributor=person, organisation=world.firm_a)
    return person


def _held(person, days, **shift_fields):
    shift = ShiftFactory(starts_at=timezone.now().replace(microsecond=0) + days * DAY, **shift_fields)
    return rota.signup_create(contributor=person, shift=shift)


def test_an_unknown_colleague_email_is_refused_in_the_form_and_nothing_is_offered(world, client_for, colleague):
    held = _held(world.lawyer_contributor, 5)
    client = client_for("lawyer")
    response = client.post(
        f"/my/shifts/{held.pk}/handover/", {"audience": "colleague", "colleague_email": "nobody@example.cn"}
    )
    assert response.status_code == 200
    assert "没有使用此邮箱登录且资料完整的人员" in response.content.decode()
    response = client.post(f"/my/shifts/{held.pk}/handover/", {"audience": "colleague", "colleague_email": ""})
    assert "请输入同事的电子邮箱" in response.content.decode()
    assert not Handover.objects.exists()


def test_a_refusal_names_the_rule_the_colleague_fails(world, client_for, colleague):
    world.lawyer_contributor.licensed_on = timezone.localdate() - 5 * 365 * DAY
    world.lawyer_contributor.save()
    held = _held(world.lawyer_contributor, 5, min_years_in_practice=2)
    response = client_for("lawyer").post(
        f"/my/shifts/{held.pk}/handover/", {"audience": "colleague", "colleague_email": colleague.user.email}
    )
    assert response.status_code == 200
    assert "陈静不能接此班次：需执业满2年" in response.content.decode()
    assert not Handover.objects.exists()


def test_the_offer_page_in_english_and_chinese(world, client_for, colleague):
    held = _held(world.other_lawyer_contributor, 5)
    handover = rota.handover_offer(
        contributor=world.other_lawyer_contributor,
        signup=held,
        audience="colleague",
        colleague=world.lawyer_contributor,
    )
    client = client_for("lawyer")
    assert "移交给您的班次" in client.get(f"/handovers/{handover.pk}/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/handovers/{handover.pk}/").content.decode()
    assert "A shift offered to you" in page and "Accept the shift" in page


def _count(client, url):
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_my_shifts_queries_do_not_grow_with_hand_overs(world, client_for, colleague):
    lawyer = world.lawyer_contributor
    rota.handover_offer(contributor=lawyer, signup=_held(lawyer, 3), audience="firm")
    given = _held(colleague, 4)
    rota.handover_offer(contributor=colleague, signup=given, audience="colleague", colleague=lawyer)
    client = client_for("lawyer")
    before = _count(client, "/my/shifts/")
    for n in range(8):
        rota.handover_offer(contributor=lawyer, signup=_held(lawyer, 10 + 2 * n), audience="firm")
        other = _held(colleague, 11 + 2 * n)
        rota.handover_offer(contributor=colleague, signup=other, audience="firm")
    assert _count(client, "/my/shifts/") == before


def test_the_consent_queue_queries_do_not_grow(world, client_for):
    def pending(n):
        person = ContributorFactory()
        MembershipFactory(contributor=person, organisation=world.firm_a)
        signup = _held(person, 3 + n, firm_consent=True)
        assert signup.status == Signup.Status.PENDING_CONSENT

    pending(0)
    client = client_for("firm_admin")
    url = f"/org/{world.firm_a.pk}/consents/"
    before = _count(client, url)
    for n in range(1, 12):
        pending(n)
    assert _count(client, url) == before
    assert client.get(url).content.decode().count("data-signup=") == 12


def test_the_firm_admin_consents_from_the_queue(world, client_for):
    signup = _held(world.lawyer_contributor, 3, firm_consent=True)
    response = client_for("firm_admin").post(f"/org/{world.firm_a.pk}/consents/{signup.pk}/approve/")
    assert response.status_code == 302
    signup.refresh_from_db()
    assert signup.status == Signup.Status.CONFIRMED


def test_the_waiting_list_taker_still_sees_the_offer_they_accepted(world, client_for):
    held = _held(world.other_lawyer_contributor, 5, capacity=1)
    rota.signup_join_waitlist(contributor=world.lawyer_contributor, shift=held.shift)
    handover = rota.handover_offer(contributor=world.other_lawyer_contributor, signup=held, audience="waitlist")
    client = client_for("lawyer")
    assert client.post(f"/handovers/{handover.pk}/accept/").status_code == 302
    page = client.get(f"/handovers/{handover.pk}/")
    assert page.status_code == 200 and "您已接受此班次" in page.content.decode()
