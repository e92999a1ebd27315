"""The request lists run a constant number of queries however many requests there are: the staff
queue (open, all, overdue), the contributor's list (with the requests open for them to take), a
request's page with its dispatch suggestions, and the staff overview with its overdue count."""

import datetime
import secrets

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import ContributorFactory
from tests.volunteers.service_requests_support import close, register
from volunteers.models import RequestEvent, ServiceRequest, ServiceType
from volunteers.service_requests import services as svc

MAX_QUERIES = 25


def _add(world, n):
    """`n` more requests in district A: a third waiting, a third with the lawyer, a third published,
    each with an event, and as many more contributors (the suggestions read them all)."""
    now = timezone.now()
    types = list(ServiceType.objects.all())
    rows = []
    for i in range(n):
        state = ("queued", "accepted", "published")[i % 3]
        mine = state == "accepted"
        rows.append(
            ServiceRequest(
                reference=f"GD-{secrets.token_hex(2).upper()}-{i:04d}",
                follow_token=secrets.token_urlsafe(24),
                rating_token=secrets.token_urlsafe(24),
                channel="public",
                name=f"村民{i}",
                phone="13912345678",
                region=(world.village_a, world.township_a)[i % 2],
                service_type=types[i % len(types)],
                description="咨询",
                state=state,
                queue_region=None if mine else world.district_a,
                assignee=world.lawyer_contributor if mine else None,
                home_region=world.district_a,
                created_at=now - datetime.timedelta(hours=i),
                accept_due_at=now - datetime.timedelta(hours=1),
                finish_due_at=now + datetime.timedelta(days=3),
                accepted_at=now if mine else None,
            )
        )
    made = ServiceRequest.objects.bulk_create(rows)
    RequestEvent.objects.bulk_create(
        [RequestEvent(request=r, kind="registered", created_at=r.created_at) for r in made]
        + [
            RequestEvent(request=r, kind="accepted", contributor=world.lawyer_contributor, created_at=now)
            for r in made
            if r.assignee_id
        ]
    )
    for _ in range(n // 5):
        ContributorFactory(region=world.township_a)


def _count(client, url):
    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "who, url",
    [
        ("staff_a", "/staff/requests/"),
        ("staff_a", "/staff/requests/?state=all"),
        ("city_staff", "/staff/requests/?overdue=1"),
        ("staff_a", "/staff/"),
        ("lawyer", "/my/requests/"),
        ("staff_a", "request:{waiting}"),
        ("lawyer", "mine:{closed}"),
    ],
)
def test_request_pages_keep_a_constant_number_of_queries(world, client_for, who, url):
    waiting = register(world)
    done = register(world)
    svc.request_dispatch(
        actor=world.staff_a, scope=world.district_a, request=done, contributor=world.lawyer_contributor
    )
    svc.request_accept(contributor=world.lawyer_contributor, request=done)
    close(world.lawyer_contributor, done)
    if url.startswith("request:"):
        url = reverse("staff_request", args=[waiting.pk])
    elif url.startswith("mine:"):
        url = reverse("my_request", args=[done.pk])
    client = client_for(who)
    _add(world, 5)
    small = _count(client, url)
    _add(world, 50)
    big = _count(client, url)
    assert small == big, f"{url}: {small} queries with few requests, {big} with many"
    assert big <= MAX_QUERIES
