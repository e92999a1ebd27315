"""The opportunity list and My shifts run a constant number of queries whether there are 10 or
10,000 shifts — and so do an opportunity's page and the staff rota pages.

Each page is requested on a small rota, then again after thousands of shifts, sign-ups and service
records are added (bulk_create, so the test stays quick); the number of queries must be the same.
"""

import datetime
import re
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ContributorFactory, ShiftFactory, VenueFactory, opportunity_create
from volunteers.models import Contributor, ServiceRecord, ServiceType, Shift, Signup

BIG_SHIFTS = 10_000
MAX_QUERIES = 30  # a sanity ceiling; the real check is that the count does not grow


def _queries(client, url):
    """(number of queries, their SQL) for one GET of `url`, after a first GET has warmed any caches."""
    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]


def _shape(sql):
    return re.sub(r"\b\d+\b", "N", sql)[:300]


def _small_rota(world):
    """A handful of opportunities and shifts with every kind of sign-up the pages show."""
    now = timezone.now().replace(microsecond=0)
    lawyer = world.lawyer_contributor
    main = opportunity_create(venue=world.venue_a, title="新华区12348热线", slug="main-hotline")
    clinic = opportunity_create(
        venue=VenueFactory(region=world.township_a), title="街道法律咨询", slug="clinic", service_type="consultation"
    )
    lawyers_only = opportunity_create(
        venue=world.venue_a, title="值班律师", slug="duty", service_type="duty_lawyer", eligible_kinds=["lawyer"]
    )
    b_side = opportunity_create(venue=world.venue_b, title="卫东区热线", slug="b-hotline")
    opportunity_create(venue=world.venue_a, title="还没有班次", slug="empty")
    others = [ContributorFactory(region=world.district_a) for _ in range(3)]
    grassroots = ContributorFactory(kind=Contributor.Kind.GRASSROOTS_WORKER)

    def shift(page, hours, **fields):
        return ShiftFactory(
            opportunity=page,
            venue=page.venue,
            service_type=page.service_type,
            eligible_kinds=list(page.eligible_kinds),
            starts_at=now + datetime.timedelta(hours=hours),
            **fields,
        )

    def signup(shift_, who, status=Signup.Status.CONFIRMED, seat=None, **fields):
        if status == Signup.Status.OFFERED:
            fields.update(offered_at=now, offer_expires_at=now + datetime.timedelta(hours=6))
        return Signup.objects.create(shift=shift_, contributor=who, status=status, seat=seat, **fields)

    mine = shift(main, 30)
    signup(mine, lawyer, seat=1)
    full = shift(main, 50, capacity=1)
    signup(full, others[0], seat=1)
    signup(full, lawyer, Signup.Status.WAITING)
    signup(full, others[1], Signup.Status.WAITING)
    offered = shift(main, 70)
    signup(offered, lawyer, Signup.Status.OFFERED, seat=1)
    shift(main, 90, signup_deadline=now - datetime.timedelta(hours=1))  # sign-up closed
    signup(shift(main, 110, min_staffing=2), grassroots, seat=1)
    shift(clinic, 40)
    signup(shift(lawyers_only, 60), others[2], seat=1)
    shift(b_side, 80)
    shift(main, 200, status=Shift.Status.CANCELLED)
    for hours_ago in (48, 96):
        past = shift(main, -hours_ago)
        done = signup(past, lawyer, seat=1, attendance=Signup.Attendance.ATTENDED)
        ServiceRecord.objects.create(
            contributor=lawyer,
            signup=done,
            service_type=past.service_type,
            venue=past.venue,
            region=past.venue.region,
            date=timezone.localtime(past.starts_at).date(),
            started_at=past.starts_at,
            ended_at=past.ends_at,
            hours=Decimal("3.00"),
            status=ServiceRecord.Status.VERIFIED_ATTENDANCE,
        )
    signup(shift(clinic, 20), lawyer, Signup.Status.CANCELLED, cancelled_at=now)
    return main, [main, clinic, lawyers_only, b_side]


def _grow(world, pages):
    """Thousands more: 25 more opportunities and 10,000 shifts, most of them in district A over the
    coverage window, with sign-ups of every kind for the lawyer and for 40 others."""
    now = timezone.now().replace(microsecond=0)
    lawyer = world.lawyer_contributor
    venues = [world.venue_a, world.venue_b, VenueFactory(region=world.village_a)]
    for n in range(25):
        venue = venues[n % len(venues)]
        pages.append(
            opportunity_create(
                venue=venue,
                title=f"驻点值班服务{n:02d}",
                slug=f"more-{n:02d}",
                service_type=("hotline_12348", "consultation", "mediation")[n % 3],
            )
        )
    main = pages[0]
    hotline = ServiceType.objects.get(code="hotline_12348")
    step = datetime.timedelta(days=27) / BIG_SHIFTS
    shifts = []
    for i in range(BIG_SHIFTS):
        page = main if i % 3 == 0 else pages[i % len(pages)]
        past = i % 7 == 0
        if past:
            starts = now - datetime.timedelta(days=1 + i % 60, hours=3)
        else:
            starts = now + datetime.timedelta(hours=2) + i * step
        shifts.append(
            Shift(
                opportunity_id=page.pk,
                venue_id=page.venue_id,
                service_type_id=page.service_type_id if i % 5 else hotline.pk,
                eligible_kinds=list(page.eligible_kinds),
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=3),
                capacity=2,
                min_staffing=1 + i % 2,
                signup_deadline=starts - datetime.timedelta(hours=1),
                cancel_deadline=starts - datetime.timedelta(hours=2),
                status=Shift.Status.CANCELLED if i % 97 == 0 else Shift.Status.SCHEDULED,
            )
        )
    Shift.objects.bulk_create(shifts, batch_size=1000)
    created = list(Shift.objects.order_by("-id")[:BIG_SHIFTS])[::-1]
    upcoming = [s for s in created if s.starts_at > now and s.status == Shift.Status.SCHEDULED]
    past = [s for s in created if s.ends_at < now]

    others = [ContributorFactory(region=world.district_a) for _ in range(40)]
    signups, records = [], []
    for n, s in enumerate(upcoming):
        if n < 300:
            signups.append(Signup(shift=s, contributor=lawyer, status=Signup.Status.CONFIRMED, seat=1))
        elif n < 400:
            signups.append(Signup(shift=s, contributor=lawyer, status=Signup.Status.WAITING))
        elif n < 430:
            signups.append(
                Signup(
                    shift=s,
                    contributor=lawyer,
                    status=Signup.Status.OFFERED,
                    seat=1,
                    offered_at=now,
                    offer_expires_at=now + datetime.timedelta(hours=6),
                )
            )
        if n % 2 == 0:
            signups.append(Signup(shift=s, contributor=others[n % 40], status=Signup.Status.CONFIRMED, seat=2))
        if n % 5 == 0:
            signups.append(
                Signup(
                    shift=s,
                    contributor=others[(n + 1) % 40],
                    status=Signup.Status.WAITING,
                    created_at=now - datetime.timedelta(minutes=n % 50),
                )
            )
    for n, s in enumerate(past[:1000]):
        signups.append(
            Signup(
                shift=s,
                contributor=lawyer,
                status=Signup.Status.CONFIRMED,
                seat=1,
                attendance=Signup.Attendance.ATTENDED if n % 4 else Signup.Attendance.NO_SHOW,
            )
        )
    Signup.objects.bulk_create(signups, batch_size=1000)
    for signup in Signup.objects.filter(
        contributor=lawyer, attendance=Signup.Attendance.ATTENDED, service_record__isnull=True
    ).select_related("shift__venue"):
        s = signup.shift
        records.append(
            ServiceRecord(
                contributor=lawyer,
                signup=signup,
                service_type_id=s.service_type_id,
                venue=s.venue,
                region_id=s.venue.region_id,
                date=timezone.localtime(s.starts_at).date(),
                started_at=s.starts_at,
                ended_at=s.ends_at,
                hours=Decimal("3.00"),
                status=ServiceRecord.Status.VERIFIED_ATTENDANCE,
            )
        )
    ServiceRecord.objects.bulk_create(records, batch_size=1000)


def test_rota_pages_run_the_same_number_of_queries_for_ten_or_ten_thousand_shifts(world):
    main, pages = _small_rota(world)
    visitor, english = Client(), Client()
    english.cookies["pb_language"] = "en"
    lawyer = Client()
    lawyer.force_login(world.lawyer)
    staff = Client()
    staff.force_login(world.staff_a)
    checks = {
        "opportunity list": (visitor, "/opportunities/"),
        "opportunity list in English": (english, "/opportunities/"),
        "opportunity list, filtered, signed in": (
            lawyer,
            f"/opportunities/?free=on&qualified=on&region={world.district_a.pk}",
        ),
        "opportunity list searched": (visitor, "/opportunities/?q=%E5%80%BC%E7%8F%AD"),
        "opportunity page": (lawyer, main.url),
        "opportunity page in English": (english, main.url),
        "my shifts": (lawyer, "/my/shifts/"),
        "staff coverage": (staff, "/staff/coverage/"),
        "staff shifts of an opportunity": (staff, f"/staff/opportunities/{main.pk}/shifts/"),
        "staff past shifts of an opportunity": (staff, f"/staff/opportunities/{main.pk}/shifts/?past=1"),
        "staff opportunities": (staff, "/staff/opportunities/"),
    }
    small = {name: _queries(client, url) for name, (client, url) in checks.items()}

    _grow(world, pages)
    assert Shift.objects.count() > BIG_SHIFTS
    assert Signup.objects.filter(contributor=world.lawyer_contributor).count() > 1000
    big = {name: _queries(client, url) for name, (client, url) in checks.items()}

    report = []
    for name in checks:
        (n_small, sql_small), (n_big, sql_big) = small[name], big[name]
        if n_small != n_big or n_big > MAX_QUERIES:
            extra = sorted({_shape(q) for q in sql_big} - {_shape(q) for q in sql_small})
            repeated = sorted({_shape(q) for q in sql_big if sum(_shape(o) == _shape(q) for o in sql_big) > 2})
            report.append(
                f"{name}: {n_small} queries with a small rota, {n_big} with {BIG_SHIFTS} shifts; "
                f"new: {extra[:3]}; repeated: {repeated[:3]}"
            )
    assert not report, "\n".join(report)
