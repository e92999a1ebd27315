"""The staff rota pages: opportunities and their shifts (series form), editing and cancelling a
shift, the roster with attendance, coverage, and the city-wide rota rules."""

import datetime
import re

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.core import mail
from django.utils import timezone, translation
from django.utils.html import escape

from tests.factories import ContributorFactory, ShiftFactory, VenueFactory, opportunity_create
from tests.support.i18n import zh, zh_n
from volunteers.models import Contributor, RotaPolicy, ServiceRecord, ServiceType, Shift, Signup


def required():
    with translation.override("zh-hans"):
        return str(forms.Field().error_messages["required"])


def invalid_choice():
    with translation.override("zh-hans"):
        return str(forms.ModelChoiceField(queryset=None).error_messages["invalid_choice"])


def shown(response, text):
    return escape(str(text)) in response.content.decode()


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def at_local(days, hour=12, minute=0):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def local_input(moment):
    """How a datetime-local input sends a moment."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def confirm(shift, contributor=None, *, seat=None, status=Signup.Status.CONFIRMED):
    contributor = contributor or ContributorFactory()
    extra = {}
    if status in Signup.HOLDS_SEAT:
        extra["seat"] = seat or shift.signups.filter(status__in=Signup.HOLDS_SEAT).count() + 1
    if status == Signup.Status.OFFERED:
        extra.update(offered_at=timezone.now(), offer_expires_at=timezone.now() + datetime.timedelta(hours=6))
    return Signup.objects.create(shift=shift, contributor=contributor, status=status, **extra)


def refused_with(response, field, message):
    """The form came back (200) with `message` on `field` (None: the form as a whole), shown on the page."""
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in errors.get(field or "__all__", []), errors
    assert shown(response, message)


# --- Opportunities in the staff member's area --------------------------------------------------------


def test_staff_see_only_the_opportunities_in_their_subtree(world, rota, client_for):
    township = opportunity_create(venue=VenueFactory(region=world.township_a), title="街道工作站值班", slug="township")
    draft = opportunity_create(venue=world.venue_a, title="新华区草稿", slug="draft-a")
    draft.unpublish()

    def titles(name):
        response = client_for(name).get("/staff/opportunities/")
        assert response.status_code == 200
        return {o.title for o in response.context["page"]}

    assert titles("staff_a") == {rota.opportunity_a.title, township.title, "新华区草稿"}
    assert titles("staff_b") == {rota.opportunity_b.title}
    assert titles("city_staff") == {rota.opportunity_a.title, rota.opportunity_b.title, township.title, "新华区草稿"}
    html = client_for("staff_a").get("/staff/opportunities/").content.decode()
    assert rota.opportunity_b.title not in html and f"/staff/opportunities/{rota.opportunity_a.pk}/shifts/" in html
    assert client_for("lawyer").get("/staff/opportunities/").status_code == 403


def test_the_shifts_of_an_opportunity_outside_the_area_are_not_found(world, rota, client_for):
    assert client_for("staff_a").get(f"/staff/opportunities/{rota.opportunity_b.pk}/shifts/").status_code == 404
    response = client_for("staff_a").post(
        f"/staff/opportunities/{rota.opportunity_b.pk}/shifts/", _series(world.venue_b)
    )
    assert response.status_code == 404
    assert Shift.objects.count() == 4


def test_the_shifts_page_lists_upcoming_and_past_shifts_with_places(world, rota, client_for):
    client = client_for("staff_a")
    confirm(rota.shift_a, status=Signup.Status.WAITING)
    response = client.get(f"/staff/opportunities/{rota.opportunity_a.pk}/shifts/")
    assert [s.pk for s in response.context["page"]] == [rota.shift_a.pk]
    row = re.search(rf'<tr data-shift="{rota.shift_a.pk}">(.*?)</tr>', response.content.decode(), re.S).group(1)
    assert "1 / 2 (+1)" in row
    past = client.get(f"/staff/opportunities/{rota.opportunity_a.pk}/shifts/?past=1")
    assert [s.pk for s in past.context["page"]] == [rota.past_shift_a.pk]


# --- The series form ---------------------------------------------------------------------------------


def _next_monday():
    today = timezone.localdate()
    return today + datetime.timedelta(days=7 - today.weekday())


def _series(venue, **overrides):
    monday = _next_monday()
    data = {
        "venue": venue.pk,
        "first_day": monday.isoformat(),
        "last_day": (monday + datetime.timedelta(days=11)).isoformat(),  # Friday of the week after
        "weekdays": ["0", "1", "2", "3", "4"],
        "every_weeks": "1",
        "times": "09:00-12:00\n14:00-17:30",
        "capacity": "2",
        "min_staffing": "1",
        "signup_hours_before": "12",
        "cancel_hours_before": "24",
    }
    data.update(overrides)
    return data


@pytest.fixture
def duty(world):
    return opportunity_create(
        venue=world.venue_a, title="值班律师", slug="duty-lawyer", service_type="duty_lawyer", eligible_kinds=["lawyer"]
    )


def test_a_series_of_weekdays_at_two_times_over_two_weeks_makes_twenty_shifts(world, client_for, duty):
    client = client_for("staff_a")
    url = f"/staff/opportunities/{duty.pk}/shifts/"
    response = client.post(url, _series(world.venue_a))
    assert response.status_code == 302 and response["Location"] == url
    assert ("success", zh_n("%(count)s shift created.", "%(count)s shifts created.", 20)) in messages_of(response)

    shifts = list(Shift.objects.filter(opportunity=duty).order_by("starts_at"))
    assert len(shifts) == 20
    assert len({s.series for s in shifts}) == 1 and shifts[0].series is not None
    monday = _next_monday()
    days = sorted({timezone.localtime(s.starts_at).date() for s in shifts})
    assert days == [monday + datetime.timedelta(days=n) for n in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)]
    times = {
        (timezone.localtime(s.starts_at).strftime("%H:%M"), timezone.localtime(s.ends_at).strftime("%H:%M"))
        for s in shifts
    }
    assert times == {("09:00", "12:00"), ("14:00", "17:30")}
    for s in shifts:
        assert (s.venue, s.capacity, s.min_staffing, s.status) == (world.venue_a, 2, 1, Shift.Status.SCHEDULED)
        assert s.service_type.code == "duty_lawyer" and s.eligible_kinds == ["lawyer"]
        assert s.signup_deadline == s.starts_at - datetime.timedelta(hours=12)
        assert s.cancel_deadline == s.starts_at - datetime.timedelta(hours=24)

    page = client.get(url)
    assert [s.pk for s in page.context["page"]] == [s.pk for s in shifts]


def test_a_series_every_other_week_takes_every_second_week(world, client_for, duty):
    monday = _next_monday()
    response = client_for("staff_a").post(
        f"/staff/opportunities/{duty.pk}/shifts/",
        _series(
            world.venue_a,
            last_day=(monday + datetime.timedelta(days=27)).isoformat(),
            weekdays=["2"],
            every_weeks="2",
            times="09:00-12:00",
        ),
    )
    assert response.status_code == 302
    days = sorted(timezone.localtime(s.starts_at).date() for s in Shift.objects.filter(opportunity=duty))
    assert days == [monday + datetime.timedelta(days=2), monday + datetime.timedelta(days=16)]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"times": "9-12"}, "times", lambda: zh("“%(line)s” is not a time range like 09:00-12:00.") % {"line": "9-12"}),
        (
            {"times": "09:00-12:00\n17:30-14:00"},
            "times",
            lambda: zh("In “%(line)s” the end is not after the start.") % {"line": "17:30-14:00"},
        ),
        ({"times": "  \n"}, "times", required),
        ({"last_day": "SUNDAY BEFORE"}, "last_day", lambda: zh("The last day is before the first.")),
        ({"weekdays": []}, "weekdays", required),
        (
            {"weekdays": ["5", "6"], "last_day": "FRIDAY"},
            None,
            lambda: zh("These dates and weekdays give no upcoming shift."),
        ),
    ],
)
def test_bad_series_input_is_explained_and_creates_nothing(world, client_for, duty, overrides, field, message):
    monday = _next_monday()
    overrides = dict(overrides)
    days = {"SUNDAY BEFORE": -1, "FRIDAY": 4}
    if "last_day" in overrides:
        overrides["last_day"] = (monday + datetime.timedelta(days=days[overrides["last_day"]])).isoformat()
    response = client_for("staff_a").post(
        f"/staff/opportunities/{duty.pk}/shifts/", _series(world.venue_a, **overrides)
    )
    refused_with(response, field, message())
    assert not Shift.objects.filter(opportunity=duty).exists()
    assert f'value="{monday.isoformat()}"' in response.content.decode()  # what was typed is kept


def test_a_venue_of_another_district_is_an_invalid_choice(world, client_for, duty):
    response = client_for("staff_a").post(f"/staff/opportunities/{duty.pk}/shifts/", _series(world.venue_b))
    refused_with(response, "venue", invalid_choice())
    assert not Shift.objects.exists()


# --- Editing and cancelling one shift ----------------------------------------------------------------


def _shift_form(shift, **overrides):
    data = {"venue": shift.venue_id, "capacity": shift.capacity, "min_staffing": shift.min_staffing}
    for name in ("starts_at", "ends_at", "signup_deadline", "cancel_deadline"):
        data[name] = local_input(getattr(shift, name))
    data.update(overrides)
    return data


def test_staff_edit_a_shift(world, rota, client_for):
    client = client_for("staff_a")
    shift = rota.shift_a
    form = client.get(f"/staff/shifts/{shift.pk}/")
    assert form.status_code == 200 and f'value="{local_input(shift.starts_at)}"' in form.content.decode()

    township_venue = VenueFactory(region=world.township_a, name="中兴路街道工作站")
    starts = at_local(9, 9)
    response = client.post(
        f"/staff/shifts/{shift.pk}/",
        _shift_form(
            shift,
            venue=township_venue.pk,
            starts_at=local_input(starts),
            ends_at=local_input(starts + datetime.timedelta(hours=4)),
            capacity=4,
            min_staffing=2,
            signup_deadline=local_input(starts - datetime.timedelta(hours=6)),
            cancel_deadline=local_input(starts - datetime.timedelta(hours=48)),
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/staff/opportunities/{rota.opportunity_a.pk}/shifts/"
    shift.refresh_from_db()
    assert (shift.venue, shift.starts_at, shift.ends_at, shift.capacity, shift.min_staffing) == (
        township_venue,
        starts,
        starts + datetime.timedelta(hours=4),
        4,
        2,
    )
    assert shift.signup_deadline == starts - datetime.timedelta(hours=6)
    assert shift.cancel_deadline == starts - datetime.timedelta(hours=48)
    assert Signup.objects.get(pk=rota.signup_a.pk).status == Signup.Status.CONFIRMED


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            lambda s: {"ends_at": local_input(s.starts_at - datetime.timedelta(hours=1))},
            "ends_at",
            lambda: zh("A shift must end after it starts."),
        ),
        (
            lambda s: {"signup_deadline": local_input(s.starts_at + datetime.timedelta(hours=1))},
            "signup_deadline",
            lambda: zh("Sign-up must close before the shift starts."),
        ),
        (
            lambda s: {"capacity": 1},
            "capacity",
            lambda: zh_n(
                "%(count)s person holds a place on this shift; cancel sign-ups before removing places.",
                "%(count)s people hold places on this shift; cancel sign-ups before removing places.",
                2,
            ),
        ),
        (lambda s: {"venue": s.other_venue}, "venue", invalid_choice),
    ],
)
def test_a_bad_shift_edit_is_explained_and_changes_nothing(world, rota, client_for, change, field, message):
    shift = rota.shift_a
    confirm(shift)  # two people hold places now
    shift.other_venue = world.venue_b.pk
    before = Shift.objects.filter(pk=shift.pk).values().get()
    response = client_for("staff_a").post(f"/staff/shifts/{shift.pk}/", _shift_form(shift, **change(shift)))
    refused_with(response, field, message())
    assert Shift.objects.filter(pk=shift.pk).values().get() == before


def test_staff_of_another_district_cannot_open_or_change_a_shift(world, rota, client_for):
    client = client_for("staff_b")
    for url in (
        f"/staff/shifts/{rota.shift_a.pk}/",
        f"/staff/shifts/{rota.shift_a.pk}/cancel/",
        f"/staff/shifts/{rota.shift_a.pk}/roster/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/staff/shifts/{rota.shift_a.pk}/cancel/", {"reason": "停电"}).status_code == 404
    assert Shift.objects.get(pk=rota.shift_a.pk).status == Shift.Status.SCHEDULED


def test_cancelling_needs_a_reason(world, rota, client_for, eager_celery, django_capture_on_commit_callbacks):
    client = client_for("staff_a")
    page = client.get(f"/staff/shifts/{rota.shift_a.pk}/cancel/")
    assert page.status_code == 200 and page.context["affected"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/shifts/{rota.shift_a.pk}/cancel/", {"reason": "   "})
    refused_with(response, "reason", required())
    assert Shift.objects.get(pk=rota.shift_a.pk).status == Shift.Status.SCHEDULED
    assert Signup.objects.get(pk=rota.signup_a.pk).status == Signup.Status.CONFIRMED
    assert mail.outbox == []


def test_cancelling_a_shift_releases_and_emails_everyone_with_the_reason(
    world, rota, client_for, eager_celery, django_capture_on_commit_callbacks
):
    shift = rota.shift_a
    offered = confirm(shift, ContributorFactory(user__email="offered@example.cn"), status=Signup.Status.OFFERED)
    waiting = confirm(shift, ContributorFactory(user__email="waiting@example.cn"), status=Signup.Status.WAITING)
    gone = confirm(shift, ContributorFactory(user__email="gone@example.cn"), status=Signup.Status.CANCELLED)
    client = client_for("staff_a")
    assert client.get(f"/staff/shifts/{shift.pk}/cancel/").context["affected"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/shifts/{shift.pk}/cancel/", {"reason": "中心停电检修"})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/opportunities/{rota.opportunity_a.pk}/shifts/"
    assert ("success", zh("The shift is cancelled and everyone signed up is being told.")) in messages_of(response)
    shift.refresh_from_db()
    assert shift.status == Shift.Status.CANCELLED and shift.cancel_reason == "中心停电检修"
    for signup in (rota.signup_a, offered, waiting):
        signup.refresh_from_db()
        assert (signup.status, signup.seat) == (Signup.Status.CANCELLED, None)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["lawyer@example.cn", "offered@example.cn", "waiting@example.cn"]
    )
    assert all("中心停电检修" in m.body for m in mail.outbox)
    assert Signup.objects.get(pk=gone.pk).status == Signup.Status.CANCELLED
    # The shift no longer offers places on the public page.
    assert f'data-shift="{shift.pk}"' not in client.get(rota.opportunity_a.url).content.decode()


# --- The roster: attendance ---------------------------------------------------------------------------


def test_the_roster_marks_attendance_and_shows_the_record(world, rota, client_for):
    client = client_for("staff_a")
    shift, signup = rota.past_shift_a, rota.past_signup_a
    url = f"/staff/shifts/{shift.pk}/roster/"
    page = client.get(url)
    assert page.status_code == 200 and shown(page, "李明")
    assert f'<input type="hidden" name="signup" value="{signup.pk}">' in page.content.decode()

    started = timezone.localtime(shift.starts_at).replace(second=0) + datetime.timedelta(minutes=30)
    ended = started + datetime.timedelta(hours=2, minutes=30)
    response = client.post(
        url,
        {"signup": signup.pk, "attended": "yes", "started_at": local_input(started), "ended_at": local_input(ended)},
    )
    assert response.status_code == 302 and response["Location"] == url
    assert ("success", zh("%(name)s: saved.") % {"name": "李明"}) in messages_of(response)
    record = ServiceRecord.objects.get(signup=signup)
    assert (record.status, str(record.hours), record.started_at, record.ended_at) == (
        ServiceRecord.Status.VERIFIED_ATTENDANCE,
        "2.50",
        started,
        ended,
    )
    assert Signup.objects.get(pk=signup.pk).attendance == Signup.Attendance.ATTENDED
    with translation.override("zh-hans"):
        status = str(ServiceRecord.Status.VERIFIED_ATTENDANCE.label)
    page = client.get(url)
    assert shown(page, zh("%(h)s h · %(status)s") % {"h": "2.50", "status": status})

    # A correction: no-show withdraws the same record, never adds one.
    response = client.post(url, {"signup": signup.pk, "attended": "no"})
    assert response.status_code == 302
    assert ServiceRecord.objects.filter(signup=signup).count() == 1
    assert ServiceRecord.objects.get(signup=signup).status == ServiceRecord.Status.WITHDRAWN
    assert Signup.objects.get(pk=signup.pk).attendance == Signup.Attendance.NO_SHOW


def test_the_roster_refuses_impossible_times_with_a_message(world, rota, client_for):
    client = client_for("staff_a")
    shift, signup = rota.past_shift_a, rota.past_signup_a
    start = timezone.localtime(shift.starts_at)
    response = client.post(
        f"/staff/shifts/{shift.pk}/roster/",
        {
            "signup": signup.pk,
            "attended": "yes",
            "started_at": local_input(start),
            "ended_at": local_input(start - datetime.timedelta(hours=1)),
        },
    )
    assert response.status_code == 302
    assert ("error", zh("The end must be after the start.")) in messages_of(response)
    assert not ServiceRecord.objects.exists()
    assert Signup.objects.get(pk=signup.pk).attendance == Signup.Attendance.UNMARKED


def test_the_roster_of_a_shift_to_come_cannot_be_marked_yet(world, rota, client_for):
    client = client_for("staff_a")
    page = client.get(f"/staff/shifts/{rota.shift_a.pk}/roster/")
    assert shown(page, zh("Attendance can be marked once the shift has started."))
    assert 'name="attended"' not in page.content.decode()
    response = client.post(f"/staff/shifts/{rota.shift_a.pk}/roster/", {"signup": rota.signup_a.pk, "attended": "yes"})
    assert ("error", zh("Attendance can be marked once the shift has started.")) in messages_of(response)
    assert not ServiceRecord.objects.exists()


def test_the_roster_ignores_a_signup_of_another_shift(world, rota, client_for):
    response = client_for("staff_a").post(
        f"/staff/shifts/{rota.past_shift_a.pk}/roster/", {"signup": rota.past_signup_b.pk, "attended": "yes"}
    )
    assert response.status_code == 404
    assert not ServiceRecord.objects.exists()


# --- Coverage ------------------------------------------------------------------------------------------


@pytest.fixture
def hotline_week(world):
    """District A's 12348 hotline over the coming days, and a few shifts short of people."""
    hotline = opportunity_create(venue=world.venue_a, title="12348热线", slug="hotline", service_type="hotline_12348")
    clinic = opportunity_create(venue=world.venue_a, title="法律咨询", slug="clinic", service_type="consultation")
    b_line = opportunity_create(venue=world.venue_b, title="卫东12348", slug="hotline-b", service_type="hotline_12348")
    hotline_type = ServiceType.objects.get(code="hotline_12348")
    lawyer = world.lawyer_contributor
    grassroots = ContributorFactory(kind=Contributor.Kind.GRASSROOTS_WORKER, legal_name="基层工作者")
    s = {}

    def shift(name, page, days, venue=None, **fields):
        fields.setdefault("service_type", page.service_type)
        s[name] = ShiftFactory(opportunity=page, venue=venue or page.venue, starts_at=at_local(days, 9), **fields)
        return s[name]

    confirm(shift("lawyer_day", hotline, 2), lawyer)
    confirm(shift("grassroots_day", hotline, 3), grassroots)
    waiting_day = shift("waiting_day", hotline, 4, capacity=1)
    confirm(waiting_day, grassroots)
    confirm(waiting_day, lawyer, status=Signup.Status.WAITING)
    confirm(shift("clinic_day", clinic, 5), lawyer)
    confirm(shift("b_day", b_line, 6), world.other_lawyer_contributor)
    township_venue = VenueFactory(region=world.township_a, name="中兴路街道热线分席")
    confirm(shift("township_day", hotline, 7, venue=township_venue, service_type=hotline_type), lawyer)
    thin = shift("two_needed", clinic, 8, min_staffing=2, capacity=3)
    confirm(thin, grassroots)
    confirm(shift("only_offered", clinic, 9), status=Signup.Status.OFFERED)
    shift("far_away", clinic, 40)
    shift("b_thin", b_line, 10)
    shift("called_off", clinic, 11, status=Shift.Status.CANCELLED)
    return s


def _day(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def test_coverage_lists_shifts_below_minimum_in_the_area(world, client_for, hotline_week):
    s = hotline_week
    response = client_for("staff_a").get("/staff/coverage/")
    assert response.status_code == 200
    thin = [shift.pk for shift in response.context["thin"]]
    assert thin == [s["two_needed"].pk, s["only_offered"].pk]
    html = response.content.decode()
    assert f"/staff/shifts/{s['two_needed'].pk}/roster/" in html and "1 / 2" in html
    assert f"/staff/shifts/{s['b_thin'].pk}/roster/" not in html
    assert s["b_thin"].pk in [shift.pk for shift in client_for("staff_b").get("/staff/coverage/").context["thin"]]


def test_coverage_lists_hotline_days_without_a_confirmed_lawyer(world, client_for, hotline_week):
    response = client_for("staff_a").get("/staff/coverage/")
    uncovered = set(response.context["hotline_uncovered"])
    assert _day(2) not in uncovered  # a lawyer is confirmed
    assert _day(7) not in uncovered  # a lawyer at a township seat in the district counts
    assert _day(3) in uncovered  # only a grassroots legal worker
    assert _day(4) in uncovered  # the lawyer is only waiting
    assert _day(5) in uncovered  # the lawyer is at a consultation, not the hotline
    assert _day(6) in uncovered  # a lawyer on district B's hotline does not cover district A
    assert len(response.context["hotline_uncovered"]) == 26  # 28 days, two covered
    html = response.content.decode()
    assert _day(3).strftime("%Y-%m-%d") in html and _day(2).strftime("%Y-%m-%d") not in html.split('id="hotline"')[1]

    city = set(client_for("city_staff").get("/staff/coverage/").context["hotline_uncovered"])
    assert _day(6) not in city and _day(2) not in city and _day(3) in city


def test_coverage_has_no_hotline_section_for_an_area_without_a_hotline(world, client_for):
    opportunity_create(venue=world.venue_a, title="12348热线", slug="hotline", service_type="hotline_12348")
    ShiftFactory(
        opportunity=opportunity_create(venue=world.venue_b, title="卫东咨询", service_type="consultation"),
        venue=world.venue_b,
        service_type=ServiceType.objects.get(code="consultation"),
    )
    ShiftFactory(
        opportunity=opportunity_create(venue=world.venue_a, title="新华热线", service_type="hotline_12348"),
        venue=world.venue_a,
    )
    response = client_for("staff_b").get("/staff/coverage/")
    assert response.status_code == 200 and response.context["hotline_uncovered"] is None
    assert 'id="hotline"' not in response.content.decode()
    assert 'id="hotline"' in client_for("staff_a").get("/staff/coverage/").content.decode()


# --- Rota rules ----------------------------------------------------------------------------------------


def _policy_form(**overrides):
    data = {
        "max_hours_per_day": "8",
        "max_hours_per_week": "30",
        "offer_hours": "6",
        "reminder_hours": "48",
        "no_show_limit": "2",
        "no_show_window_days": "90",
    }
    data.update(overrides)
    return data


POLICY_FIELDS = (
    "max_hours_per_day",
    "max_hours_per_week",
    "offer_hours",
    "reminder_hours",
    "no_show_limit",
    "no_show_window_days",
)


def _policy():
    policy = RotaPolicy.current()
    return {f: getattr(policy, f) for f in POLICY_FIELDS}


def test_city_staff_save_the_rota_rules(world, client_for):
    client = client_for("city_staff")
    assert client.get("/staff/rota-rules/").status_code == 200
    response = client.post("/staff/rota-rules/", _policy_form())
    assert response.status_code == 302 and response["Location"] == "/staff/rota-rules/"
    assert _policy() == {
        "max_hours_per_day": 8,
        "max_hours_per_week": 30,
        "offer_hours": 6,
        "reminder_hours": 48,
        "no_show_limit": 2,
        "no_show_window_days": 90,
    }
    assert 'value="30"' in client.get("/staff/rota-rules/").content.decode()


def test_a_weekly_cap_below_the_daily_cap_is_refused(world, client_for):
    before = _policy()
    response = client_for("city_staff").post(
        "/staff/rota-rules/", _policy_form(max_hours_per_day="10", max_hours_per_week="8")
    )
    refused_with(response, "max_hours_per_week", zh("The weekly cap cannot be below the daily cap."))
    assert _policy() == before


def test_district_staff_cannot_change_the_rota_rules(world, client_for):
    before = _policy()
    client = client_for("staff_a")
    assert client.get("/staff/rota-rules/").status_code == 403
    assert client.post("/staff/rota-rules/", _policy_form()).status_code == 403
    assert _policy() == before
