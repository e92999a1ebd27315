"""A request is never lost: random runs of register, dispatch, publish, decline, claim, accept,
escalate, close, rate, reopen and approve, checked against a small model after every step. The
service must refuse exactly what the model refuses; every request keeps exactly one owner (the
region's queue or one contributor) and a closed request has exactly one service record."""

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointbook.ledger import services as ledger
from tests.volunteers.service_requests_support import close, register
from volunteers.models import RequestPolicy, ServiceRecord, ServiceRequest
from volunteers.service_requests import services as svc

OPS = (
    "register",
    "dispatch",
    "publish",
    "decline",
    "claim",
    "accept",
    "escalate",
    "close",
    "rate",
    "reopen",
    "approve",
)


@dataclasses.dataclass
class Model:
    state: str = "queued"
    assignee: int | None = None
    declined: set = dataclasses.field(default_factory=set)
    at_city: bool = False
    record: bool = False
    approved: bool = False
    rated: bool = False


def _model_update(m, op, who):
    if op == "dispatch":
        m.state, m.assignee = "dispatched", who
    elif op == "publish":
        m.state = "published"
    elif op == "decline":
        m.state, m.assignee = "queued", None
        m.declined.add(who)
    elif op in ("claim", "accept"):
        m.state, m.assignee = "accepted", who
    elif op == "close":
        m.state, m.record = "closed", True
    elif op == "rate":
        m.rated = True
    elif op == "reopen":
        m.state = "accepted"
    elif op == "approve":
        m.approved = True


def _apply(world, models, reqs, op, i, who, clock):
    """Apply `op` to the service and the model; True when the model says it is allowed."""
    people = [world.lawyer_contributor, world.other_lawyer_contributor]
    person = people[who]
    if op == "register":
        reqs.append(register(world, now=clock))
        models.append(Model())
        return True
    if op == "escalate":
        svc.requests_escalate(now=clock)
        for m in models:
            if m.state in ("queued", "published", "dispatched") and not m.at_city:
                m.at_city = True
                if m.state == "dispatched":
                    m.state, m.assignee = "queued", None
        return True
    if not reqs:
        return True
    i %= len(reqs)
    m, req = models[i], reqs[i]
    calls = {
        "dispatch": (
            m.state in ("queued", "published") and person.pk not in m.declined,
            lambda: svc.request_dispatch(
                actor=world.city_staff, scope=world.city, request=req, contributor=person, now=clock
            ),
        ),
        "publish": (
            m.state == "queued",
            lambda: svc.request_publish(actor=world.city_staff, scope=world.city, request=req, now=clock),
        ),
        "decline": (
            m.state == "dispatched" and m.assignee == person.pk,
            lambda: svc.request_decline(contributor=person, request=req, reason="没空", now=clock),
        ),
        "claim": (
            m.state == "published" and person.pk not in m.declined,
            lambda: svc.request_claim(contributor=person, request=req, now=clock),
        ),
        "accept": (
            m.state == "dispatched" and m.assignee == person.pk,
            lambda: svc.request_accept(contributor=person, request=req, now=clock),
        ),
        # Closing again what one has just closed is a double submit: accepted, nothing changes.
        "close": (m.state in ("accepted", "closed") and m.assignee == person.pk, lambda: close(person, req, now=clock)),
        "rate": (m.state == "closed" and not m.rated, lambda: svc.request_rate(token=req.rating_token, score=5)),
        "reopen": (
            m.state == "closed" and not m.approved,
            lambda: svc.request_reopen(
                actor=world.city_staff, scope=world.city, request=req, reason="未解决", now=clock
            ),
        ),
        "approve": (
            m.record and not m.approved and m.state == "closed",
            lambda: ledger.record_approve(
                actor=world.city_staff, scope=world.city, record=ServiceRequest.objects.get(pk=req.pk).record
            ),
        ),
    }
    allowed, call = calls[op]
    if op == "approve" and not allowed:
        return False  # only a finished request's waiting record is put before staff here
    try:
        call()
    except ValidationError:
        assert not allowed, f"{op} on {m} was refused"
        return False
    assert allowed, f"{op} on {m} was accepted"
    _model_update(m, op, person.pk)
    return True


def _check(world, models, reqs):
    assert ServiceRequest.objects.count() == len(reqs), "a request was lost or made twice"
    for m, req in zip(models, reqs, strict=True):
        row = ServiceRequest.objects.get(pk=req.pk)
        assert row.state == m.state
        # Exactly one owner: the queue while unassigned, else the contributor.
        assert (row.assignee_id is None) != (row.queue_region_id is None)
        assert row.assignee_id == m.assignee
        if m.assignee is None:
            assert row.queue_region == (world.city if m.at_city else world.district_a)
        assert (row.record_id is not None) == m.record
        if row.state == "closed":
            assert ServiceRecord.objects.filter(service_request=row).count() == 1
    assert ServiceRecord.objects.count() == sum(m.record for m in models), "one record per closed request"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 3), st.integers(0, 1)), min_size=1, max_size=25))
def test_every_request_keeps_one_owner_and_closes_into_one_record(world, steps):
    hours = RequestPolicy.current().escalate_hours
    with transaction.atomic():
        clock = timezone.now()
        models, reqs = [], []
        for op, i, who in [("register", 0, 0), *steps]:
            if op == "escalate":
                clock += datetime.timedelta(hours=hours + 1)
            _apply(world, models, reqs, op, i, who, clock)
            _check(world, models, reqs)
        transaction.set_rollback(True)
