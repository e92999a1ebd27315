"""Named people and places shared by the permission tests (as healthchecks' alice / bob / charlie).

    city 平顶山市
    ├── district A 新华区 ── township A ── village A      firm A, venue A, lawyer, applicant A
    └── district B 卫东区 ── township B ── village B      firm B, venue B, other lawyer, applicant B

`lawyer` is a member of firm A, `other_lawyer` of firm B; `firm_admin` administers firm A;
`staff_a` / `staff_b` are bureau staff of district A / B and `city_staff` of the whole city.
`applicant_a` / `applicant_b` have a pending request to join firm A / B.
"""

import types

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client

from tests.factories import (
    ContributorFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionFactory,
    StaffProfileFactory,
    UserFactory,
    VenueFactory,
)
from volunteers.models import Membership

USER_NAMES = ("anonymous", "lawyer", "other_lawyer", "firm_admin", "staff_a", "staff_b", "city_staff")


def _flush_past_the_ledger_guard():
    """Transactional tests end with Django emptying every table (TRUNCATE on PostgreSQL, DELETE on
    SQLite); the ledger refuses both by design, so the guard is lifted for that flush only."""
    from django.db import connections
    from django.test import TransactionTestCase

    from pointbook.ledger.maintenance import ledger_guard_lifted

    original = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        names = list(self._databases_names(include_mirrors=False))
        with ledger_guard_lifted(connections[names[0]] if names else None):
            original(self)

    TransactionTestCase._fixture_teardown = _fixture_teardown


_flush_past_the_ledger_guard()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # allauth's rate limits use the database cache (settings.CACHES); its table is not a migration.
    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def _fresh_cache(django_db_setup, django_db_blocker):
    """allauth's rate-limit counters live in the real shared cache (Redis in CI), which outlives a
    test and even a run, and the public forms' limiter counts in its own: start every test from
    empty ones."""
    with django_db_blocker.unblock():  # the default cache is a database table
        _clear(caches["default"])  # the backend itself: `cache` is a proxy, never a RedisCache
    _clear(caches[settings.RATELIMIT_USE_CACHE])
    yield


def _clear(a_cache):
    """Empty this test process's keys only: xdist workers share one Redis (each with its own key
    prefix, config/settings/test.py), and Redis's clear() would empty the other workers' too."""
    from django.core.cache.backends.redis import RedisCache

    if isinstance(a_cache, RedisCache):
        client = a_cache._cache.get_client(write=True)
        for key in client.scan_iter(match=f"{a_cache.key_prefix}:*"):
            client.delete(key)
    else:
        a_cache.clear()


@pytest.fixture
def world(db):
    w = types.SimpleNamespace()
    w.city = RegionFactory(code="410400", name="平顶山市")
    w.district_a = RegionFactory(parent=w.city, code="410402", name="新华区")
    w.township_a = RegionFactory(parent=w.district_a, code="410402001", name="中兴路街道")
    w.village_a = RegionFactory(parent=w.township_a, code="410402001001", name="光明社区")
    w.district_b = RegionFactory(parent=w.city, code="410403", name="卫东区")
    w.township_b = RegionFactory(parent=w.district_b, code="410403001", name="东安路街道")
    w.village_b = RegionFactory(parent=w.township_b, code="410403001001", name="建设社区")

    w.firm_a = OrganisationFactory(name="河南新华律师事务所", region=w.district_a)
    w.firm_b = OrganisationFactory(name="河南卫东律师事务所", region=w.district_b)
    w.venue_a = VenueFactory(name="新华区公共法律服务中心", kind="centre", region=w.district_a)
    w.venue_b = VenueFactory(name="卫东区公共法律服务中心", kind="centre", region=w.district_b)

    w.lawyer = UserFactory(email="lawyer@example.cn")
    w.lawyer_contributor = ContributorFactory(user=w.lawyer, legal_name="李明", region=w.district_a)
    w.lawyer_membership = MembershipFactory(contributor=w.lawyer_contributor, organisation=w.firm_a)

    w.other_lawyer = UserFactory(email="other.lawyer@example.cn")
    w.other_lawyer_contributor = ContributorFactory(user=w.other_lawyer, legal_name="王芳", region=w.district_b)
    w.other_lawyer_membership = MembershipFactory(contributor=w.other_lawyer_contributor, organisation=w.firm_b)

    w.applicant_a = ContributorFactory(legal_name="赵强", region=w.township_a)
    w.pending_a = MembershipFactory(contributor=w.applicant_a, organisation=w.firm_a, status=Membership.Status.PENDING)
    w.applicant_b = ContributorFactory(legal_name="孙丽", region=w.township_b)
    w.pending_b = MembershipFactory(contributor=w.applicant_b, organisation=w.firm_b, status=Membership.Status.PENDING)

    w.firm_admin = UserFactory(email="firm.admin@example.cn")
    w.firm_a.admins.add(w.firm_admin)

    w.staff_a = StaffProfileFactory(user__email="staff.a@example.cn", region=w.district_a).user
    w.staff_b = StaffProfileFactory(user__email="staff.b@example.cn", region=w.district_b).user
    w.city_staff = StaffProfileFactory(user__email="city.staff@example.cn", region=w.city).user
    w.anonymous = None
    return w


@pytest.fixture
def rota(world):
    """The rota on top of `world`: an opportunity page with shifts in each district.

    opportunity_a at venue_a (district A): shift_a (next week, lawyer confirmed), past_shift_a
    (yesterday, lawyer confirmed, ready for attendance); opportunity_b likewise with other_lawyer
    on shift_b and past_shift_b.
    """
    import datetime

    from django.utils import timezone

    from tests.factories import ShiftFactory, opportunity_create
    from volunteers.models import Signup

    r = types.SimpleNamespace()
    yesterday = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
    for side, venue, person in (
        ("a", world.venue_a, world.lawyer_contributor),
        ("b", world.venue_b, world.other_lawyer_contributor),
    ):
        opportunity = opportunity_create(venue=venue, title=f"{venue.region.name}值班", slug=f"duty-{side}")
        shift = ShiftFactory(opportunity=opportunity, venue=venue)
        past = ShiftFactory(opportunity=opportunity, venue=venue, starts_at=yesterday)
        setattr(r, f"opportunity_{side}", opportunity)
        setattr(r, f"shift_{side}", shift)
        setattr(r, f"past_shift_{side}", past)
        for s in (shift, past):
            signup = Signup.objects.create(shift=s, contributor=person, status=Signup.Status.CONFIRMED, seat=1)
            setattr(r, f"{'past_' if s is past else ''}signup_{side}", signup)
    return r


@pytest.fixture
def lawyer(world):
    return world.lawyer


@pytest.fixture
def other_lawyer(world):
    return world.other_lawyer


@pytest.fixture
def firm_admin(world):
    return world.firm_admin


@pytest.fixture
def staff_a(world):
    return world.staff_a


@pytest.fixture
def staff_b(world):
    return world.staff_b


@pytest.fixture
def city_staff(world):
    return world.city_staff


@pytest.fixture
def client_for(world):
    """client_for("staff_a") → a Client logged in as that named user ("anonymous": logged out)."""

    def make(name):
        assert name in USER_NAMES, name
        client = Client()
        user = getattr(world, name)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def eager_celery():
    """Queued tasks (the rota emails) run at once in the thread that queues them, and raise."""
    from config.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        yield app
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def queued_emails():
    """Stand in for the Celery worker through the real broker: empties the queue first, and returns
    a function that runs every send_signup_email task queued since, as the worker would, and says
    how many."""
    from config.celery import app

    def messages():
        with app.connection_for_read() as connection:
            queue = connection.SimpleQueue(app.conf.task_default_queue)
            try:
                while True:
                    try:
                        message = queue.get(block=False)
                    except queue.Empty:
                        return
                    args, kwargs, _embed = message.decode()
                    message.ack()
                    yield message.headers["task"], args, kwargs
            finally:
                queue.close()

    list(messages())  # left over from earlier tests that committed

    def run():
        tasks = list(messages())
        for name, args, kwargs in tasks:
            assert name == "tasks.notifications.send_signup_email", name
            app.tasks[name](*args, **kwargs)
        return len(tasks)

    return run


@pytest.fixture
def home_page(db):
    """The site's Chinese home page (migrations make it; a flushed transactional test may not have it)."""
    from wagtail.models import Locale, Page

    from cms.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = root.add_child(
            instance=HomePage(title="首页", slug="home-test", locale=Locale.objects.get(language_code="zh-hans"))
        )
    return home
