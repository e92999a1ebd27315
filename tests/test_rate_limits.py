"""What the public may do without an account is limited per address (settings.PB_RATE_LIMITS): lodging
objections to a notice, rating a service, looking up certificates. The count is atomic, so requests
sent at once cannot slip past it (threads behind a barrier, on SQLite with the local-memory limiter
and on PostgreSQL with Redis), and a refused request is answered 429, says why, and changes nothing."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core import checks
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import checks as core_checks
from pointbook.conduct import services as conduct
from pointbook.ledger import services as points
from pointbook.models import AwardCategory, Nomination, Objection, PointsRule, PublicRating
from volunteers.models import ServiceRecord, ServiceType
from volunteers.rota import services as rota_services

# Requests at once: a hundred, or on PostgreSQL as many as the server has connections to spare for.
RACERS = 100


def _notice(world, name="优秀公益律师"):
    """An award of district A on public notice until next week, with the lawyer its one nominee."""
    today = timezone.localdate()
    category = AwardCategory.objects.create(
        region=world.district_a,
        year=today.year,
        name_zh=name,
        name_en=name,
        status=AwardCategory.Status.NOTICE,
        basis=AwardCategory.Basis.TOP_PER_DISTRICT,
        top_n=3,
        created_by=world.staff_a,
        notice_starts_on=today - datetime.timedelta(days=1),
        notice_ends_on=today + datetime.timedelta(days=6),
    )
    nomination = Nomination.objects.create(
        category=category, contributor=world.lawyer_contributor, rank=1, points=80, hours=8, district=world.district_a
    )
    return category, nomination


def _racers():
    if connection.vendor != "postgresql":
        return RACERS
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int - (SELECT count(*) FROM pg_stat_activity)")
        spare = cursor.fetchone()[0]
    return max(min(RACERS, spare - 15), 50)


def _at_once(count, request):
    """`request(client)` from `count` threads released together, each with a client of its own (one
    address: the test client's); returns their responses' status codes."""
    barrier = threading.Barrier(count)
    codes, lock = [], threading.Lock()

    def attempt():
        client = Client()
        try:
            barrier.wait()
            code = request(client).status_code
        except Exception as exc:  # noqa: BLE001 — any other outcome is what the test must catch
            code = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return codes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_objections_sent_at_once_from_one_address_create_at_most_the_limit(world, settings):
    assert settings.PB_RATE_LIMITS["objection"] == "20/h"
    category, nomination = _notice(world)
    url = reverse("notice", args=[category.pk])
    racers = _racers()

    codes = _at_once(racers, lambda client: client.post(url, {"nomination": nomination.pk, "body": "该律师曾被投诉"}))

    assert len(codes) == racers
    assert sorted(set(codes), key=str) == [302, 429], codes
    assert codes.count(302) == 20
    assert Objection.objects.filter(category=category).count() == 20


@pytest.mark.django_db
def test_a_refused_objection_keeps_the_text_and_says_when_to_try_again(world, client, settings):
    settings.PB_RATE_LIMITS = {**settings.PB_RATE_LIMITS, "objection": "1/h"}
    category, nomination = _notice(world)
    url = reverse("notice", args=[category.pk])
    assert client.post(url, {"nomination": nomination.pk, "body": "第一条"}).status_code == 302

    refused = client.post(url, {"nomination": nomination.pk, "body": "第二条异议"})

    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    body = refused.content.decode()
    assert "第二条异议" in body  # the form comes back filled in
    assert "您所在网络提交的异议过多" in body
    assert list(Objection.objects.values_list("body", flat=True)) == ["第一条"]
    # Another notice is counted apart.
    other, _nominee = _notice(world, "优秀调解员")
    assert client.post(reverse("notice", args=[other.pk]), {"body": "另一项"}).status_code == 302


@pytest.mark.django_db
def test_another_address_is_counted_apart_and_behind_a_proxy_a_forged_address_does_not_help(world, client, settings):
    settings.PB_RATE_LIMITS = {**settings.PB_RATE_LIMITS, "objection": "1/h"}
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    category, _nomination = _notice(world)
    url = reverse("notice", args=[category.pk])

    def post(forwarded):
        return client.post(url, {"body": "异议"}, HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert post("203.0.113.7") == 302
    # What the client writes before the proxy's entry is not believed: still 203.0.113.7.
    assert post("198.51.100.1, 203.0.113.7") == 429
    assert post("203.0.113.8") == 302
    # One IPv6 household (a /64) is one address.
    assert post("2001:db8:1:2::1") == 302
    assert post("2001:db8:1:2::ffff") == 429
    assert Objection.objects.count() == 3


def _rating(world, rota):
    """An open rating link for the lawyer's approved attendance yesterday in district A."""
    record = rota_services.attendance_mark(
        actor=world.staff_a, scope=world.district_a, signup=rota.past_signup_a, attended=True
    )
    PointsRule.objects.create(
        service_type=ServiceType.objects.get(pk=record.service_type_id),
        effective_from=record.date - datetime.timedelta(days=1),
        points_per_hour=Decimal("10"),
    )
    points.record_approve(actor=world.staff_a, scope=world.district_a, record=record)
    record = ServiceRecord.objects.get(pk=record.pk)
    assert record.status == ServiceRecord.Status.APPROVED
    return conduct.rating_link(contributor=world.lawyer_contributor, record=record)


@pytest.mark.django_db
def test_ratings_past_the_limit_are_refused_and_rate_nothing(world, rota, client, settings):
    settings.PB_RATE_LIMITS = {**settings.PB_RATE_LIMITS, "rating": "2/h"}
    rating = _rating(world, rota)
    url = reverse("rate", args=[rating.token])
    for _ in range(2):  # no score chosen: the form asks again
        assert client.post(url, {"comment": "很好"}).status_code == 200

    refused = client.post(url, {"score": "5", "comment": "解答耐心"})

    assert refused.status_code == 429 and "Retry-After" in refused
    body = refused.content.decode()
    assert "您所在网络提交的评价过多" in body and "解答耐心" in body
    rating.refresh_from_db()
    assert rating.score is None and rating.comment == ""
    # Reading the page is not limited: the link still opens.
    assert client.get(url).status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ratings_sent_at_once_are_counted_one_by_one(world, rota, settings):
    settings.PB_RATE_LIMITS = {**settings.PB_RATE_LIMITS, "rating": "10/h"}
    rating = _rating(world, rota)
    url = reverse("rate", args=[rating.token])
    racers = _racers()

    # No score: each one allowed is a form asking again (200), each one past the limit a 429.
    codes = _at_once(racers, lambda client: client.post(url, {"comment": "很好"}))

    assert sorted(set(codes), key=str) == [200, 429], codes
    assert codes.count(200) == 10
    assert PublicRating.objects.get(pk=rating.pk).score is None


@pytest.mark.django_db
def test_certificate_look_ups_past_the_limit_get_a_429_page(world, client, settings):
    settings.PB_RATE_LIMITS = {**settings.PB_RATE_LIMITS, "verify": "3/h"}
    for n in range(3):
        assert client.get(reverse("certificate_verify", args=[f"guess-{n}"])).status_code == 404

    refused = client.get(reverse("certificate_verify", args=["guess-3"]))

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert 'id="too-many"' in refused.content.decode() and "请求过多" in refused.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("certificate_verify", args=["guess-4"]))
    assert english.status_code == 429 and "Too many requests have come from your connection" in english.content.decode()


def test_the_limiter_needs_a_cache_that_counts_atomically(settings):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "pb_cache"},
    }
    assert [e.id for e in core_checks.limiter_cache_counts_atomically(None)] == ["core.E001"]

    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "x"},
    }
    assert core_checks.limiter_cache_counts_atomically(None) == []
    warnings = core_checks.limiter_cache_is_shared(None)
    assert [w.id for w in warnings] == ["core.W001"] and warnings[0].level == checks.WARNING

    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x:6379/1"},
    }
    assert core_checks.limiter_cache_counts_atomically(None) == []
    assert core_checks.limiter_cache_is_shared(None) == []
