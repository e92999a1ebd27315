"""Service requests (工单): registered by the public or for them, dispatched, accepted or declined,
escalated, finished into a service record on the usual approval path, rated and reviewed."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from pointbook.ledger import services as ledger
from pointbook.models import LedgerEntry
from tests.volunteers.service_requests_support import close, register
from volunteers.models import (
    RequestEvent,
    RequestPolicy,
    RequestTerms,
    ServiceRecord,
    ServiceRequest,
    ServiceType,
    StaffProfile,
)
from volunteers.service_requests import selectors
from volunteers.service_requests import services as svc

State = ServiceRequest.State


def _form(world, **over):
    return {
        "name": "张大爷",
        "phone": "139 1234 5678",
        "region": world.village_a.pk,
        "service_type": ServiceType.objects.get(code="consultation").pk,
        "description": "邻居占用宅基地",
        "urgency": "normal",
        "special_groups": ["elderly"],
    } | over


# --- the public -------------------------------------------------------------------------------------


def test_a_villager_registers_a_request_without_an_account_and_follows_it(world, client):
    response = client.post(reverse("request_new"), _form(world))
    made = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("request_status", args=[made.follow_token])
    assert (made.state, made.queue_region, made.assignee, made.channel) == (
        State.QUEUED,
        world.district_a,
        None,
        "public",
    )
    assert made.phone == "13912345678" and made.special_groups == ["elderly"]
    assert made.reference.startswith("GD-") and len(made.reference) == 12
    page = client.get(response["Location"]).content.decode()
    assert made.reference in page
    # Status only: neither the name nor the phone appears on the public page.
    assert "张大爷" not in page and "13912345678" not in page and "5678" not in page
    assert AuditEntry.objects.filter(action="request_registered", object_id=str(made.pk)).count() == 1


def test_bad_input_on_the_public_form_says_what_is_wrong_and_saves_nothing(world, client):
    response = client.post(reverse("request_new"), _form(world, phone="12345", description=" "))
    assert response.status_code == 200
    body = response.content.decode()
    assert "手机" in body or "11" in body
    assert not ServiceRequest.objects.exists()


def test_the_same_form_sent_twice_registers_one_request(world, client):
    data = _form(world, submission="x" * 32)
    client.post(reverse("request_new"), data)
    client.post(reverse("request_new"), data)
    assert ServiceRequest.objects.count() == 1


def test_the_public_form_is_throttled_per_address(world, client, settings):
    settings.PB_RATE_LIMITS = {**settings.PB_RATE_LIMITS, "service_request": "2/h"}
    for i in range(2):
        assert client.post(reverse("request_new"), _form(world, name=f"张{i}")).status_code == 302
    response = client.post(reverse("request_new"), _form(world, name="张三"))
    assert response.status_code == 429 and response["Retry-After"]
    assert ServiceRequest.objects.count() == 2


def test_following_needs_the_reference_and_the_phones_last_four_digits(world, client):
    mine = register(world)
    other = register(world, phone="13800001111", name="李四")
    found = client.post(reverse("request_follow"), {"reference": mine.reference.lower(), "phone_last4": "5678"})
    assert found["Location"] == reverse("request_status", args=[mine.follow_token])
    # Someone else's reference with my phone digits finds nothing, and says so.
    refused = client.post(reverse("request_follow"), {"reference": other.reference, "phone_last4": "5678"})
    assert refused.status_code == 200 and other.follow_token not in refused.content.decode()
    assert "没有" in refused.content.decode() or "No request" in refused.content.decode()
    assert client.get(reverse("request_status", args=["not-a-token"])).status_code == 404


def test_the_follow_page_is_throttled(world, client, settings):
    settings.PB_RATE_LIMITS = {**settings.PB_RATE_LIMITS, "request_follow": "3/h"}
    codes = [
        client.post(reverse("request_follow"), {"reference": "GD-2345-6789", "phone_last4": "0000"}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]


# --- dispatch, decline, accept --------------------------------------------------------------------


def test_staff_of_the_region_dispatch_and_the_lawyer_accepts(world):
    req = register(world)
    with pytest.raises(ValidationError):
        svc.request_dispatch(
            actor=world.staff_b, scope=world.district_b, request=req, contributor=world.lawyer_contributor
        )
    svc.request_dispatch(actor=world.staff_a, scope=world.district_a, request=req, contributor=world.lawyer_contributor)
    req.refresh_from_db()
    assert (req.state, req.owner) == (State.DISPATCHED, world.lawyer_contributor)
    svc.request_accept(contributor=world.lawyer_contributor, request=req)
    req.refresh_from_db()
    assert req.state == State.ACCEPTED and req.accepted_at and req.escalate_at is None
    with pytest.raises(ValidationError):
        svc.request_accept(contributor=world.other_lawyer_contributor, request=req)


def test_a_declined_request_returns_to_the_queue_and_is_not_offered_to_the_same_person_again(world):
    req = register(world)
    svc.request_dispatch(actor=world.staff_a, scope=world.district_a, request=req, contributor=world.lawyer_contributor)
    with pytest.raises(ValidationError):
        svc.request_decline(contributor=world.lawyer_contributor, request=req, reason=" ")
    svc.request_decline(contributor=world.lawyer_contributor, request=req, reason="利益冲突")
    req.refresh_from_db()
    assert (req.state, req.owner) == (State.QUEUED, world.district_a)
    assert world.lawyer_contributor not in selectors.suggestions(req, actor=world.staff_a)
    with pytest.raises(ValidationError, match="declined|拒绝"):
        svc.request_dispatch(
            actor=world.staff_a, scope=world.district_a, request=req, contributor=world.lawyer_contributor
        )


def test_suggestions_are_qualified_nearest_first_then_least_loaded(world):
    RequestTerms.objects.create(
        service_type=ServiceType.objects.get(code="consultation"), eligible_kinds=["lawyer", "grassroots_worker"]
    )
    req = register(world)
    suggested = selectors.suggestions(req, actor=world.staff_a)
    kinds = {c.kind for c in suggested}
    assert kinds <= {"lawyer", "grassroots_worker"}
    # The applicant lives in township A (nearer the village than the lawyer in district A).
    nearness = [c.near for c in suggested]
    assert nearness == sorted(nearness, reverse=True)
    assert suggested[0].region.path.startswith(world.township_a.path) or suggested[0] == world.lawyer_contributor
    world.lawyer_contributor.kind = "volunteer"
    world.lawyer_contributor.save()
    with pytest.raises(ValidationError):
        svc.request_dispatch(
            actor=world.staff_a, scope=world.district_a, request=req, contributor=world.lawyer_contributor
        )


def test_staff_cannot_dispatch_a_request_to_themselves(world):
    StaffProfile.objects.create(user=world.lawyer, region=world.district_a)
    req = register(world)
    assert world.lawyer_contributor not in selectors.suggestions(req, actor=world.lawyer)
    with pytest.raises(ValidationError, match="yourself|自己"):
        svc.request_dispatch(
            actor=world.lawyer, scope=world.district_a, request=req, contributor=world.lawyer_contributor
        )
    assert ServiceRequest.objects.get().state == State.QUEUED


def test_a_published_request_is_claimed_by_one_qualified_contributor(world):
    req = register(world)
    svc.request_publish(actor=world.staff_a, scope=world.district_a, request=req)
    assert req in selectors.claimable_for(world.other_lawyer_contributor)
    svc.request_claim(contributor=world.other_lawyer_contributor, request=req)
    with pytest.raises(ValidationError):
        svc.request_claim(contributor=world.lawyer_contributor, request=req)
    req.refresh_from_db()
    assert (req.state, req.owner) == (State.ACCEPTED, world.other_lawyer_contributor)


# --- closing, the record, points ---------------------------------------------------------------------


def _accepted(world):
    req = register(world)
    svc.request_dispatch(actor=world.staff_a, scope=world.district_a, request=req, contributor=world.lawyer_contributor)
    return svc.request_accept(contributor=world.lawyer_contributor, request=req)


def test_closing_logs_the_service_record_for_approval_and_points_follow(world):
    req = close(world.lawyer_contributor, _accepted(world), score=4)
    record = req.record
    assert (req.state, record.status, record.hours, record.contributor) == (
        State.CLOSED,
        ServiceRecord.Status.SUBMITTED,
        Decimal("2.00"),
        world.lawyer_contributor,
    )
    assert record.evidence.count() == 1 and record.special_groups == ["elderly"]
    assert req.evaluation == Decimal("4.00")
    entry = ledger.record_approve(actor=world.staff_a, scope=world.district_a, record=record)
    assert entry.kind == LedgerEntry.Kind.AWARD and entry.points > 0
    # Closing again (a double tap) keeps one record.
    assert close(world.lawyer_contributor, req).record_id == record.pk
    assert ServiceRecord.objects.count() == 1


def test_closing_without_evidence_or_outcome_is_refused_and_changes_nothing(world):
    req = _accepted(world)
    with pytest.raises(ValidationError):
        svc.request_close(
            contributor=world.lawyer_contributor,
            request=req,
            outcome="办结",
            date=timezone.localdate(),
            start_time=datetime.time(9),
            hours="2",
            self_score=5,
            files=[],
        )
    req.refresh_from_db()
    assert req.state == State.ACCEPTED and not ServiceRecord.objects.exists()


def test_staff_who_did_the_work_cannot_approve_its_record(world):
    StaffProfile.objects.create(user=world.lawyer, region=world.district_a)
    req = close(world.lawyer_contributor, _accepted(world))
    with pytest.raises(ValidationError):
        ledger.record_approve(actor=world.lawyer, scope=world.district_a, record=req.record)


def test_the_person_served_rates_once_and_the_three_evaluations_combine(world, client):
    req = close(world.lawyer_contributor, _accepted(world), score=5)
    url = reverse("request_rate", args=[req.rating_token])
    assert client.post(url, {"score": "3", "comment": "还行"}).status_code == 200
    req.refresh_from_db()
    assert req.public_score == 3 and req.evaluation == Decimal("3.57")  # (3×.5 + 5×.2) / .7
    assert 'id="rate-done"' in client.get(url).content.decode()
    with pytest.raises(ValidationError):
        svc.request_rate(token=req.rating_token, score=5)
    svc.request_review(actor=world.staff_a, scope=world.district_a, request=req, score=4)
    req.refresh_from_db()
    assert req.evaluation == Decimal("3.70")  # 3×.5 + 4×.3 + 5×.2


def test_the_contributor_cannot_rate_their_own_service_signed_in(world, client_for):
    req = close(world.lawyer_contributor, _accepted(world))
    client_for("lawyer").post(reverse("request_rate", args=[req.rating_token]), {"score": "5"})
    req.refresh_from_db()
    assert req.public_score is None


def test_reopening_sends_it_back_and_closing_again_amends_the_one_record(world):
    req = close(world.lawyer_contributor, _accepted(world))
    svc.request_reopen(actor=world.staff_a, scope=world.district_a, request=req, reason="当事人反映未解决")
    req.refresh_from_db()
    assert (req.state, req.owner) == (State.ACCEPTED, world.lawyer_contributor)
    req = close(world.lawyer_contributor, req)
    assert ServiceRecord.objects.count() == 1 and req.record.status == ServiceRecord.Status.SUBMITTED
    ledger.record_approve(actor=world.staff_a, scope=world.district_a, record=req.record)
    with pytest.raises(ValidationError):
        svc.request_reopen(actor=world.staff_a, scope=world.district_a, request=req, reason="again")


# --- escalation ------------------------------------------------------------------------------------


def test_an_unaccepted_request_escalates_to_the_city_once(world):
    now = timezone.now()
    hours = RequestPolicy.current().escalate_hours
    req = register(world, now=now)
    svc.request_dispatch(actor=world.staff_a, scope=world.district_a, request=req, contributor=world.lawyer_contributor)
    assert svc.requests_escalate(now=now + datetime.timedelta(hours=hours - 1)) == 0
    later = now + datetime.timedelta(hours=hours + 1)
    assert svc.requests_escalate(now=later) == 1
    assert svc.requests_escalate(now=later) == 0
    req.refresh_from_db()
    assert (req.state, req.owner, req.escalations, req.escalate_at) == (State.QUEUED, world.city, 1, None)
    assert AuditEntry.objects.filter(action="request_escalated", object_id=str(req.pk)).count() == 1
    # District staff no longer dispatch it; the city does.
    with pytest.raises(ValidationError):
        svc.request_dispatch(
            actor=world.staff_a, scope=world.district_a, request=req, contributor=world.lawyer_contributor
        )
    svc.request_dispatch(actor=world.city_staff, scope=world.city, request=req, contributor=world.lawyer_contributor)


def test_an_accepted_request_never_escalates(world):
    req = _accepted(world)
    assert svc.requests_escalate(now=timezone.now() + datetime.timedelta(days=30)) == 0
    req.refresh_from_db()
    assert req.owner == world.lawyer_contributor


def test_overdue_requests_are_counted_for_staff_of_the_region(world):
    now = timezone.now()
    register(world, now=now - datetime.timedelta(days=3))
    register(world, region=world.village_b, now=now - datetime.timedelta(days=3))
    register(world, now=now)
    assert selectors.overdue_count(world.district_a, now=now) == 1
    assert selectors.overdue_count(world.city, now=now) == 2


def test_monthly_figures_per_district(world):
    today = timezone.localdate()
    req = close(world.lawyer_contributor, _accepted(world))
    svc.request_rate(token=req.rating_token, score=5)
    register(world, region=world.village_b)
    rows = {r["region"].name: r for r in selectors.monthly_figures(world.city, today.replace(day=1), today)}
    a, b = rows["新华区"], rows["卫东区"]
    assert (a["received"], a["finished"], a["on_time"], a["satisfaction"]) == (1, 1, 1, Decimal("100.0"))
    assert (b["received"], b["finished"], b["satisfaction"]) == (1, 0, None)


def test_an_escalation_run_cut_short_is_finished_by_the_next_run_once(world):
    from tasks.service_requests import escalate_requests

    past = timezone.now() - datetime.timedelta(days=10)
    made = [register(world, now=past) for _ in range(3)]
    # A worker that died after the first request: that one is escalated (its own transaction).
    assert svc.requests_escalate(limit=1) == 1
    # The beat's next run (the real task) does the rest, and nothing twice.
    assert escalate_requests.apply().get() == 2
    assert escalate_requests.apply().get() == 0
    for req in made:
        req.refresh_from_db()
        assert (req.escalations, req.owner) == (1, world.city)
        assert AuditEntry.objects.filter(action="request_escalated", object_id=str(req.pk)).count() == 1


def _escalate_at_once(world):
    now = timezone.now()
    req = register(world, now=now - datetime.timedelta(days=10))
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(svc.requests_escalate(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    req.refresh_from_db()
    assert sorted(results) == [0, 1]
    assert req.escalations == 1 and req.owner == world.city
    assert RequestEvent.objects.filter(request=req, kind="escalated").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_escalation_jobs_at_once_escalate_each_request_once(world):
    _escalate_at_once(world)


def test_the_front_page_counts_overdue_requests_for_staff_and_offers_the_form_to_the_public(
    world, home_page, client_for
):
    register(world, now=timezone.now() - datetime.timedelta(days=3))
    register(world, region=world.village_b, now=timezone.now() - datetime.timedelta(days=3))
    page = client_for("staff_a").get("/").content.decode()
    assert 'id="requests-overdue"' in page and "1件超时工单" in page
    assert "2件超时工单" in client_for("city_staff").get("/").content.decode()
    public = client_for("anonymous").get("/").content.decode()
    assert 'id="ask-for-help"' in public and "超时" not in public


def test_city_staff_set_a_service_types_time_limits_and_who_may_take_it(world, client_for):
    hotline = ServiceType.objects.get(code="hotline_12348")
    city = client_for("city_staff")
    page = city.get(reverse("staff_request_rules")).content.decode()
    assert reverse("staff_request_terms", args=[hotline.code]) in page

    # Bad input: nothing changes, the form says why.
    refused = city.post(reverse("staff_request_terms", args=[hotline.code]), {"accept_hours": "0", "finish_days": "5"})
    assert refused.status_code == 200 and refused.context["form"].errors["accept_hours"]
    assert not RequestTerms.objects.filter(service_type=hotline).exists()

    saved = city.post(
        reverse("staff_request_terms", args=[hotline.code]),
        {"accept_hours": "4", "finish_days": "3", "eligible_kinds": ["lawyer"]},
    )
    assert saved.status_code == 302
    terms = RequestTerms.objects.get(service_type=hotline)
    assert (terms.accept_hours, terms.finish_days, terms.eligible_kinds) == (4, 3, ["lawyer"])
    entry = AuditEntry.objects.get(action="request_terms_update")
    assert entry.actor == world.city_staff and entry.data["after"]["accept_hours"] == 4
    listed = city.get(reverse("staff_request_rules")).content.decode()
    assert '<td data-label="接单时限（小时）">4</td>' in listed

    # District staff may not change the city's rules.
    assert (
        client_for("staff_a")
        .post(reverse("staff_request_terms", args=[hotline.code]), {"accept_hours": "1", "finish_days": "1"})
        .status_code
        == 403
    )
    assert RequestTerms.objects.get(service_type=hotline).accept_hours == 4
