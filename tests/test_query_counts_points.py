"""My points, my records and appeals, a firm's members' records and the staff pages of the pointbook
run a constant number of queries however much history there is.

Each page is requested on a small world (a few dozen entries, one record with evidence and a rating
link, a thread of a few messages, a short queue), then again after thousands more are added for the
same people: 2,000 more records approved through the bulk service (which posts their awards through
the real path), reversals, rating bonuses, complaints, hundreds of appeals with messages, evidence
files, a long staff queue, more firm members' records and many rule versions. The number of queries
must be the same, and stay under a ceiling, so a page that starts querying once per row fails here.
"""

import datetime
import io
import re
import types
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from wagtail.models import Page

from pointbook.conduct import appeals
from pointbook.conduct import services as conduct
from pointbook.ledger import services
from pointbook.ledger.bulk import records_approve_bulk
from pointbook.models import Appeal, AppealMessage, ConductRule, LedgerEntry, PointsRule
from tests.factories import ContributorFactory, MembershipFactory, VenueFactory
from volunteers.models import EvidenceFile, ServiceRecord, ServiceType, Shift, Signup
from volunteers.records import services as records
from volunteers.rota import services as rota_services

BIG_RECORDS = 2_000
MAX_QUERIES = 25  # a sanity ceiling; the real check is that the count does not grow

SUBMITTED, REJECTED = ServiceRecord.Status.SUBMITTED, ServiceRecord.Status.REJECTED


# --- measuring ---------------------------------------------------------------------------------------


def _queries(client, url):
    """(number of queries, their SQL, the page) for one GET of `url`, after a first GET has warmed any caches."""
    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries], response.content.decode()


def _shape(sql):
    return re.sub(r"\b\d+\b", "N", sql)[:300]


def _report(name, small, big):
    (n_small, sql_small, _), (n_big, sql_big, _) = small, big
    extra = sorted({_shape(q) for q in sql_big} - {_shape(q) for q in sql_small})
    repeated = sorted({_shape(q) for q in sql_big if sum(_shape(o) == _shape(q) for o in sql_big) > 2})
    return (
        f"{name}: {n_small} queries with a small history, {n_big} with thousands more rows; "
        f"new: {extra[:3]}; repeated: {repeated[:3]}"
    )


# --- building blocks -----------------------------------------------------------------------------------


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("现场照片.png", buffer.getvalue(), content_type="image/png")


def _pdf(name="签到表.pdf"):
    body = (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def _types():
    """Service types that have a points rule (the catalogue's defaults: every one)."""
    return list(ServiceType.objects.filter(points_rules__isnull=False).distinct().order_by("code"))


def _logged_row(contributor, day, *, venue, service_type, status=SUBMITTED, start=9, created_at=None, **fields):
    """A logged-work record as a row for bulk_create (3 hours from `start` o'clock on `day`)."""
    started = timezone.make_aware(datetime.datetime.combine(day, datetime.time(start, 0)))
    created = created_at or timezone.now()
    return ServiceRecord(
        contributor=contributor,
        service_type=service_type,
        venue=venue,
        region_id=venue.region_id,
        date=day,
        started_at=started,
        ended_at=started + datetime.timedelta(hours=3),
        hours=Decimal("3.00"),
        status=status,
        people_served=2,
        special_groups=["elderly"] if day.day % 3 == 0 else [],
        description="为村民解答土地承包纠纷",
        created_at=created,
        updated_at=created,
        **fields,
    )


def _approve(world, rows):
    """bulk_create the waiting `rows`, then approve them with the bulk service (awards posted as
    record_approve would); every one earns points."""
    ServiceRecord.objects.bulk_create(rows, batch_size=1000)
    pks = [row.pk for row in rows]
    assert None not in pks
    waiting = ServiceRecord.objects.filter(pk__in=pks).select_related("venue").order_by("contributor_id", "date", "id")
    posted, capped, refused = records_approve_bulk(actor=world.staff_a, records=waiting.iterator(chunk_size=1000))
    assert (posted, capped, refused) == (len(rows), 0, [])
    return pks


def _this_year(today, n):
    """A date this year, n days back from today wrapped at 1 January."""
    return today - datetime.timedelta(days=n % today.timetuple().tm_yday)


def _evidence_rows(record_ids, per_record, uploader):
    now = timezone.now()
    return [
        EvidenceFile(
            record_id=pk,
            file=f"evidence/bulk/{pk}-{n}.pdf",
            original_name=f"证明材料{n}.pdf",
            content_type="application/pdf",
            size=2048 + n,
            uploaded_at=now,
            uploaded_by=uploader,
        )
        for pk in record_ids
        for n in range(per_record)
    ]


def _messages_rows(appeal_ids, per_appeal, *, contributor_user, staff_user, start):
    return [
        AppealMessage(
            appeal_id=pk,
            author=staff_user if n % 2 else contributor_user,
            from_staff=bool(n % 2),
            body=f"第{n + 1}条留言：请核实当天的服务时长。",
            created_at=start + datetime.timedelta(minutes=n),
        )
        for pk in appeal_ids
        for n in range(per_appeal)
    ]


# --- the small world -------------------------------------------------------------------------------


def _small_world(world, rota):
    """A few dozen of everything each page shows."""
    s = types.SimpleNamespace()
    today = timezone.localdate()
    lawyer = world.lawyer_contributor
    service_types = _types()
    s.consultation = ServiceType.objects.get(code="consultation")
    s.rural_venue = VenueFactory(region=world.village_a, name="光明社区法律服务室")

    # 40 approved logged records: 40 award entries, so My points has a second page.
    rows = [
        _logged_row(
            lawyer,
            today - datetime.timedelta(days=10 + n),
            venue=(world.venue_a, s.rural_venue)[n % 2],
            service_type=service_types[n % len(service_types)],
        )
        for n in range(40)
    ]
    s.approved = _approve(world, rows)

    # The record the detail pages show: logged work with two evidence files, approved, with a
    # rating link shown (and a complaint upheld about it).
    s.record = records.record_log(
        actor=world.lawyer,
        contributor=lawyer,
        service_type=s.consultation,
        date=today - datetime.timedelta(days=3),
        start_time=datetime.time(9, 0),
        hours="2",
        people_served=3,
        special_groups=["elderly", "migrant_workers"],
        region=world.district_a,
        venue=world.venue_a,
        description="为社区居民解答劳动合同纠纷",
        files=[_pdf(), _png()],
    )
    services.record_approve(actor=world.staff_a, scope=world.district_a, record=s.record)
    s.record.refresh_from_db()
    conduct.rating_link(contributor=lawyer, record=s.record)
    conduct.complaint_uphold(
        actor=world.staff_a, scope=world.district_a, record=s.record, reason="服务对象投诉态度冷淡"
    )

    # Ratings: one good (a bonus entry), one poor (flags the record for staff).
    for pk, score in ((s.approved[0], 5), (s.approved[1], 1)):
        rating = conduct.rating_link(contributor=lawyer, record=ServiceRecord.objects.get(pk=pk))
        conduct.rating_submit(token=rating.token, score=score, comment="评价")
    # A withdrawn approval: a reversal entry, and the record back in the queue.
    services.record_unapprove(
        actor=world.staff_a,
        scope=world.district_a,
        record=ServiceRecord.objects.get(pk=s.approved[2]),
        reason="材料与实际不符",
    )

    # Appeals: an open thread of several messages, one resolved with an adjustment, and one
    # about a rejected record, refused.
    awards = list(LedgerEntry.objects.filter(contributor=lawyer, kind=LedgerEntry.Kind.AWARD).order_by("id")[3:5])
    s.thread = appeals.appeal_open(
        user=world.lawyer, contributor=lawyer, entry=awards[0], body="当天实际服务了4小时，签到表可证明，请核实"
    )
    for n, (user, from_staff) in enumerate([(world.staff_a, True), (world.lawyer, False), (world.staff_a, True)]):
        appeals.appeal_reply(
            user=user,
            scope=world.district_a if from_staff else None,
            appeal=s.thread,
            body=f"第{n + 2}条留言",
            from_staff=from_staff,
        )
    adjusted = appeals.appeal_open(user=world.lawyer, contributor=lawyer, entry=awards[1], body="时长记少了一小时")
    appeals.appeal_adjust(
        actor=world.staff_a, scope=world.district_a, appeal=adjusted, points=10, reason="核实签到表，补记1小时"
    )
    rejected = records.record_log(
        actor=world.lawyer,
        contributor=lawyer,
        service_type=s.consultation,
        date=today - datetime.timedelta(days=4),
        start_time=datetime.time(9, 0),
        hours="1.5",
        people_served=1,
        region=world.district_a,
        venue=world.venue_a,
        description="电话咨询",
        files=[_pdf()],
    )
    rejected = services.record_reject(actor=world.staff_a, scope=world.district_a, record=rejected, reason="材料看不清")
    refused = appeals.appeal_open(user=world.lawyer, contributor=lawyer, record=rejected, body="材料已重新扫描")
    appeals.appeal_refuse(actor=world.staff_a, scope=world.district_a, appeal=refused, reason="仍无法核实")

    # The staff queue: an attended shift, logged work of a colleague in firm A with evidence.
    rota_services.attendance_mark(actor=world.staff_a, scope=world.district_a, signup=rota.past_signup_a, attended=True)
    s.colleague = ContributorFactory(region=world.district_a, legal_name="周敏")
    MembershipFactory(contributor=s.colleague, organisation=world.firm_a)
    records.record_log(
        actor=s.colleague.user,
        contributor=s.colleague,
        service_type=s.consultation,
        date=today - datetime.timedelta(days=2),
        start_time=datetime.time(14, 0),
        hours="3",
        people_served=5,
        region=world.district_a,
        venue=world.venue_a,
        description="社区普法讲座",
        files=[_pdf(), _png()],
    )
    _approve(
        world,
        [
            _logged_row(
                s.colleague, _this_year(today, 5 + n), venue=world.venue_a, service_type=s.consultation, start=15
            )
            for n in range(5)
        ],
    )
    return s


# --- thousands more ----------------------------------------------------------------------------------


def _grow(world, s):
    """Thousands more rows for the same people and places."""
    today, now = timezone.localdate(), timezone.now().replace(microsecond=0)
    lawyer = world.lawyer_contributor
    service_types = _types()
    venues = [world.venue_a, s.rural_venue, VenueFactory(region=world.township_a)]

    # The lawyer's history: 2,000 more records over nearly three years, approved in bulk.
    rows = [
        _logged_row(
            lawyer,
            today - datetime.timedelta(days=60 + n // 2),
            start=(9, 14)[n % 2],
            venue=venues[n % 3],
            service_type=service_types[n % len(service_types)],
        )
        for n in range(BIG_RECORDS)
    ]
    big = _approve(world, rows)

    # 100 more rejected records, 60 of them appealed and refused; 300 appeals about entries (100
    # still open), each with a few messages; 20 of the open ones resolved by adjustment entries.
    rejected = [
        _logged_row(
            lawyer,
            today - datetime.timedelta(days=1100 + n),
            venue=world.venue_a,
            service_type=s.consultation,
            status=REJECTED,
            decided_at=now,
            decided_by=world.staff_a,
            decision_reason="缺少签到表",
        )
        for n in range(100)
    ]
    ServiceRecord.objects.bulk_create(rejected)
    start = now - datetime.timedelta(days=30)
    new_appeals = [
        Appeal(
            contributor=lawyer,
            record=row,
            region=world.district_a,
            status=Appeal.Status.REFUSED,
            created_at=start + datetime.timedelta(hours=n),
            resolved_at=now,
            resolved_by=world.staff_a,
        )
        for n, row in enumerate(rejected[:60])
    ]
    entries = list(
        LedgerEntry.objects.filter(
            source_id__in=big[:300], kind=LedgerEntry.Kind.AWARD, source=LedgerEntry.Source.SERVICE_RECORD
        ).order_by("id")
    )
    assert len(entries) == 300
    for n, entry in enumerate(entries):
        still_open = n < 100
        new_appeals.append(
            Appeal(
                contributor=lawyer,
                entry=entry,
                region=world.district_a,
                status=Appeal.Status.OPEN if still_open else Appeal.Status.REFUSED,
                created_at=start + datetime.timedelta(hours=60 + n),
                resolved_at=None if still_open else now,
                resolved_by=None if still_open else world.staff_a,
            )
        )
    Appeal.objects.bulk_create(new_appeals)
    AppealMessage.objects.bulk_create(
        _messages_rows(
            [a.pk for a in new_appeals], 3, contributor_user=world.lawyer, staff_user=world.staff_a, start=start
        ),
        batch_size=1000,
    )
    for appeal in new_appeals[60:80]:
        appeals.appeal_adjust(actor=world.staff_a, scope=world.district_a, appeal=appeal, points=5, reason="核实后补记")
    # The open thread grows to 200 messages.
    AppealMessage.objects.bulk_create(
        _messages_rows(
            [s.thread.pk],
            196,
            contributor_user=world.lawyer,
            staff_user=world.staff_a,
            start=now - datetime.timedelta(minutes=196),
        )
    )

    # Reversals, rating bonuses, poor ratings that flag records, complaints.
    for pk in big[300:330]:
        services.record_unapprove(
            actor=world.staff_a,
            scope=world.district_a,
            record=ServiceRecord.objects.get(pk=pk),
            reason="材料与实际不符",
        )
    for n, pk in enumerate(big[330:380]):
        rating = conduct.rating_link(contributor=lawyer, record=ServiceRecord.objects.get(pk=pk))
        conduct.rating_submit(token=rating.token, score=5 if n < 20 else 1 + n % 2, comment="评价")
    for n in range(5):
        conduct.complaint_uphold(
            actor=world.staff_a, scope=world.district_a, record=s.record, reason=f"第{n + 2}次投诉属实"
        )
    # Evidence: the record on the detail pages reaches the most files a record may have, and
    # every other logged record carries two.
    EvidenceFile.objects.bulk_create(_evidence_rows([s.record.pk], 3, world.lawyer))
    EvidenceFile.objects.bulk_create(_evidence_rows(big[:1000], 2, world.lawyer), batch_size=1000)

    # 30 more members of firm A with 1,000 records this year between them, and a long queue in
    # district A: 400 attended shifts and 300 logged records with evidence, older than the rest.
    members = [ContributorFactory(region=world.district_a) for _ in range(30)]
    for member in members:
        MembershipFactory(contributor=member, organisation=world.firm_a)
    _approve(
        world,
        [
            _logged_row(
                members[n % 30],
                _this_year(today, n // 30),
                start=8 + n % 30 // 5 * 2,
                venue=venues[n % 3],
                service_type=service_types[n % len(service_types)],
            )
            for n in range(1000)
        ],
    )
    hotline = ServiceType.objects.get(code="hotline_12348")
    home = Page.objects.filter(depth=2).first()
    shifts = []
    for n in range(400):
        starts = now - datetime.timedelta(days=2 + n // 20, hours=n % 20)
        shifts.append(
            Shift(
                opportunity=home,
                venue=world.venue_a,
                service_type=hotline,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=3),
                capacity=2,
                signup_deadline=starts - datetime.timedelta(hours=12),
                cancel_deadline=starts - datetime.timedelta(hours=24),
            )
        )
    Shift.objects.bulk_create(shifts)
    signups = [
        Signup(
            shift=shift,
            contributor=members[n % 30],
            status=Signup.Status.CONFIRMED,
            seat=1,
            attendance=Signup.Attendance.ATTENDED,
        )
        for n, shift in enumerate(shifts)
    ]
    Signup.objects.bulk_create(signups)
    queue_start = now - datetime.timedelta(days=40)
    attended = [
        ServiceRecord(
            contributor_id=signup.contributor_id,
            signup=signup,
            service_type=hotline,
            venue=world.venue_a,
            region=world.district_a,
            date=timezone.localtime(signup.shift.starts_at).date(),
            started_at=signup.shift.starts_at,
            ended_at=signup.shift.ends_at,
            hours=Decimal("3.00"),
            status=ServiceRecord.Status.VERIFIED_ATTENDANCE,
            created_at=queue_start + datetime.timedelta(minutes=2 * n),
        )
        for n, signup in enumerate(signups)
    ]
    ServiceRecord.objects.bulk_create(attended)
    logged = [
        _logged_row(
            members[n % 30],
            today - datetime.timedelta(days=1 + n // 30),
            start=8 + n % 30 // 5 * 2,
            venue=venues[n % 3],
            service_type=s.consultation,
            created_at=queue_start + datetime.timedelta(minutes=2 * n + 1),
        )
        for n in range(300)
    ]
    ServiceRecord.objects.bulk_create(logged)
    EvidenceFile.objects.bulk_create(_evidence_rows([r.pk for r in logged], 2, world.lawyer), batch_size=1000)

    # District B: another lawyer's history and queue, out of staff A's sight.
    b = world.other_lawyer_contributor
    _approve(
        world,
        [
            _logged_row(
                b,
                today - datetime.timedelta(days=5 + n),
                venue=world.venue_b,
                service_type=service_types[n % len(service_types)],
            )
            for n in range(300)
        ],
    )
    ServiceRecord.objects.bulk_create(
        [
            _logged_row(
                b,
                today - datetime.timedelta(days=1 + n % 100),
                start=17,
                venue=world.venue_b,
                service_type=s.consultation,
            )
            for n in range(100)
        ]
    )

    # Rule versions: ten more of each points rule and each penalty or bonus (added after the
    # approvals, as a city changes its rules over the years).
    PointsRule.objects.bulk_create(
        [
            PointsRule(
                service_type=t,
                effective_from=datetime.date(2020, 1, 1) + datetime.timedelta(days=90 * k),
                points_per_hour=Decimal(8 + k),
                rural_multiplier=Decimal("1.50"),
                daily_cap=Decimal(200) if k % 2 else None,
                yearly_cap=Decimal(5000) if k % 3 == 0 else None,
                note=f"第{k}次调整",
                created_by=world.city_staff,
            )
            for t in ServiceType.objects.all()
            for k in range(1, 11)
        ]
    )
    ConductRule.objects.bulk_create(
        [
            ConductRule(
                event=event,
                effective_from=datetime.date(2020, 1, 1) + datetime.timedelta(days=90 * k),
                fixed_points=Decimal(-k if event != "good_rating" else k),
                created_by=world.city_staff,
            )
            for event in ConductRule.Event.values
            for k in range(1, 11)
        ]
    )


# --- the test ------------------------------------------------------------------------------------------


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_pointbook_pages_run_the_same_number_of_queries_however_much_history_there_is(world, rota):
    s = _small_world(world, rota)
    lawyer, firm_admin = _client(world.lawyer), _client(world.firm_admin)
    staff, city = _client(world.staff_a), _client(world.city_staff)
    checks = {
        "my points": (lawyer, "/my/points/"),
        "my points, page 2": (lawyer, "/my/points/?page=2"),
        "my records": (lawyer, "/my/records/"),
        "my record (logged, evidence, approved, rating link)": (lawyer, f"/my/records/{s.record.pk}/"),
        "my appeals": (lawyer, "/my/appeals/"),
        "my appeal (a thread)": (lawyer, f"/my/appeals/{s.thread.pk}/"),
        "firm A's members' records": (firm_admin, f"/org/{world.firm_a.pk}/records/"),
        "staff queue": (staff, "/staff/records/"),
        "staff record": (staff, f"/staff/records/{s.record.pk}/"),
        "staff appeals": (staff, "/staff/appeals/"),
        "staff appeal (a thread)": (staff, f"/staff/appeals/{s.thread.pk}/"),
        "points rules (city staff)": (city, "/staff/rules/"),
    }
    small = {name: _queries(client, url) for name, (client, url) in checks.items()}
    # The small world already shows every kind of row the pages have.
    assert 'id="show-rating-link"' not in small["my record (logged, evidence, approved, rating link)"][2]
    assert 'id="rating-url"' in small["my record (logged, evidence, approved, rating link)"][2]
    assert 'id="flagged"' in small["staff queue"][2]
    assert small["my points, page 2"][2].count('class="appeal-link"') > 0
    assert f'href="/my/appeals/{s.thread.pk}/"' in small["my points, page 2"][2]  # the open appeal's link

    _grow(world, s)
    assert LedgerEntry.objects.filter(contributor=world.lawyer_contributor).count() > BIG_RECORDS
    big = {name: _queries(client, url) for name, (client, url) in checks.items()}
    # The big pages are full: thirty rows a page, every message of the thread, all five files.
    assert big["my points, page 2"][2].count("<tr><td data-label=") == 30
    assert big["my records"][2].count("data-record=") == 30
    assert big["my appeals"][2].count("<tr><td data-label=") == 30
    assert big["staff queue"][2].count("data-record=") == 30
    assert big["staff appeals"][2].count("<tr><td data-label=") == 30
    assert big["firm A's members' records"][2].count("<tr><td data-label=") == 30
    assert big["my appeal (a thread)"][2].count('<p class="prewrap">') == 200
    assert big["staff record"][2].count("/evidence/") == 5

    report = [
        _report(name, small[name], big[name])
        for name in checks
        if small[name][0] != big[name][0] or big[name][0] > MAX_QUERIES
    ]
    assert not report, "\n".join(report)
