"""The public opportunity pages: the list at /opportunities/ with its filters and paging, one
opportunity's page with its shifts, publishing, and signing up through the views."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from django.utils.html import escape

from cms.models import OpportunityPage
from cms.selectors import PAGE_SIZE
from tests.factories import ContributorFactory, ShiftFactory, VenueFactory, opportunity_create
from tests.support.i18n import zh, zh_n
from volunteers.models import Contributor, ServiceType, Shift, Signup

LIST = "/opportunities/"


def signed_up_for(n):
    return zh_n(
        "You are signed up for %(count)s shift. A confirmation email is on its way.",
        "You are signed up for %(count)s shifts. Confirmation emails are on their way.",
        n,
    )


def shown(response, text):
    return escape(str(text)) in response.content.decode()


def at_local(days, hour=12, minute=0):
    """A moment `days` days from today at hh:mm local time (Asia/Shanghai)."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def listed(response):
    """The titles of the opportunity tiles on the page, in order."""
    assert response.status_code == 200
    html = response.content.decode()
    return re.findall(r'<a class="tile" href="[^"]*">\s*<strong>(.*?)</strong>', html)


def service_type(code):
    return ServiceType.objects.get(code=code)


def add_shift(page, *, days=5, hour=12, capacity=2, **fields):
    """A shift on `page` that carries the page's service type and eligibility, as the series form makes."""
    return ShiftFactory(
        opportunity=page,
        venue=page.venue,
        service_type=page.service_type,
        eligible_kinds=list(page.eligible_kinds),
        starts_at=at_local(days, hour),
        capacity=capacity,
        **fields,
    )


def fill(shift, *statuses):
    """Sign-ups by new people with these statuses (seats numbered for confirmed/offered)."""
    signups = []
    seat = shift.signups.filter(status__in=Signup.HOLDS_SEAT).count()
    for status in statuses:
        extra = {}
        if status in Signup.HOLDS_SEAT:
            seat += 1
            extra["seat"] = seat
        if status == Signup.Status.OFFERED:
            extra.update(offered_at=timezone.now(), offer_expires_at=timezone.now() + datetime.timedelta(hours=6))
        signups.append(Signup.objects.create(shift=shift, contributor=ContributorFactory(), status=status, **extra))
    return signups


def sign_in(client, contributor):
    client.force_login(contributor.user)
    return client


@pytest.fixture
def volunteer(world):
    return ContributorFactory(kind=Contributor.Kind.VOLUNTEER, legal_name="陈志愿", region=world.district_a)


# --- The list: filters ------------------------------------------------------------------------------


def test_the_list_shows_published_opportunities_with_their_next_shift(world, client):
    page = opportunity_create(venue=world.venue_a, title="新华区热线值班", slug="hotline-a")
    add_shift(page, days=3)
    add_shift(page, days=4)
    response = client.get(LIST)
    assert listed(response) == ["新华区热线值班"]
    tile = response.content.decode().split('href="/opportunities/hotline-a/"')[1].split("</a>")[0]
    assert timezone.localtime(at_local(3)).strftime("%Y-%m-%d %H:%M") in tile


def _draft(venue, title, slug):
    """A page saved as a draft in the editor (never published: not live)."""
    from cms.models import OpportunityIndexPage

    page = OpportunityPage(
        title=title,
        slug=slug,
        live=False,
        service_type=service_type("hotline_12348"),
        region=venue.region,
        venue=venue,
        summary=f"{title}摘要",
    )
    OpportunityIndexPage.objects.get(locale__language_code="zh-hans").add_child(instance=page)
    page.save_revision()
    return page


def test_unpublished_opportunities_are_not_listed_nor_served(world, client):
    opportunity_create(venue=world.venue_a, title="已发布的机会", slug="published")
    add_shift(_draft(world.venue_a, "草稿机会", "draft"), days=3)
    withdrawn = opportunity_create(venue=world.venue_a, title="已撤下的机会", slug="withdrawn")
    add_shift(withdrawn, days=3)
    withdrawn.unpublish()
    assert listed(client.get(LIST)) == ["已发布的机会"]
    assert listed(client.get(LIST, {"q": "机会", "free": "on"})) == []
    assert client.get("/opportunities/draft/").status_code == 404
    assert client.get("/opportunities/withdrawn/").status_code == 404


def test_filter_by_service_type(world, client):
    opportunity_create(venue=world.venue_a, title="热线值班", service_type="hotline_12348")
    opportunity_create(venue=world.venue_a, title="法律咨询日", service_type="consultation")
    assert listed(client.get(LIST, {"service_type": service_type("consultation").pk})) == ["法律咨询日"]
    assert listed(client.get(LIST, {"service_type": service_type("hotline_12348").pk})) == ["热线值班"]
    assert listed(client.get(LIST, {"service_type": service_type("mediation").pk})) == []


def test_filter_by_region_includes_everything_below_it(world, client):
    opportunity_create(venue=world.venue_a, title="区中心值班")
    opportunity_create(venue=VenueFactory(region=world.township_a), title="街道工作站值班")
    opportunity_create(venue=VenueFactory(region=world.village_a), title="社区法律顾问")
    opportunity_create(venue=world.venue_b, title="卫东区值班")

    def titles(region):
        return set(listed(client.get(LIST, {"region": region.pk})))

    everything = {"区中心值班", "街道工作站值班", "社区法律顾问", "卫东区值班"}
    assert titles(world.city) == everything
    assert titles(world.district_a) == {"区中心值班", "街道工作站值班", "社区法律顾问"}
    assert titles(world.township_a) == {"街道工作站值班", "社区法律顾问"}
    assert titles(world.district_b) == {"卫东区值班"}
    assert set(listed(client.get(LIST))) == everything


def test_filter_by_dates_keeps_opportunities_with_a_shift_in_range(world, client):
    soon = opportunity_create(venue=world.venue_a, title="十天后")
    add_shift(soon, days=10)
    later = opportunity_create(venue=world.venue_a, title="二十天后")
    add_shift(later, days=20, hour=23)
    gone = opportunity_create(venue=world.venue_a, title="只有过去的班次")
    add_shift(gone, days=-2)
    opportunity_create(venue=world.venue_a, title="还没有班次")

    def day(n):
        return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()

    assert set(listed(client.get(LIST, {"date_from": day(15)}))) == {"二十天后"}
    assert set(listed(client.get(LIST, {"date_to": day(12)}))) == {"十天后"}
    assert set(listed(client.get(LIST, {"date_from": day(5), "date_to": day(25)}))) == {"十天后", "二十天后"}
    # Both ends are whole days: a shift at 23:00 on the last day is in range.
    assert set(listed(client.get(LIST, {"date_from": day(20), "date_to": day(20)}))) == {"二十天后"}
    # A past shift never counts, even if the range reaches back to it.
    assert set(listed(client.get(LIST, {"date_from": day(-3), "date_to": day(-1)}))) == set()
    assert set(listed(client.get(LIST, {"date_from": day(11), "date_to": day(19)}))) == set()


def test_free_places_filter_counts_offered_places_as_taken(world, client):
    confirmed, waiting, offered, cancelled = (
        Signup.Status.CONFIRMED,
        Signup.Status.WAITING,
        Signup.Status.OFFERED,
        Signup.Status.CANCELLED,
    )
    half = opportunity_create(venue=world.venue_a, title="还有一个空位")
    fill(add_shift(half, capacity=2), confirmed)
    full = opportunity_create(venue=world.venue_a, title="已满")
    fill(add_shift(full, capacity=1), confirmed, waiting)
    held_by_offer = opportunity_create(venue=world.venue_a, title="空位已留给候补")
    fill(add_shift(held_by_offer, capacity=2), confirmed, offered)
    freed = opportunity_create(venue=world.venue_a, title="有人取消了")
    fill(add_shift(freed, capacity=1), cancelled)
    mixed = opportunity_create(venue=world.venue_a, title="一满一空")
    fill(add_shift(mixed, days=4, capacity=1), confirmed)
    add_shift(mixed, days=6, capacity=1)
    called_off = opportunity_create(venue=world.venue_a, title="班次已取消")
    add_shift(called_off, capacity=2, status=Shift.Status.CANCELLED)
    past_free = opportunity_create(venue=world.venue_a, title="过去的空位")
    add_shift(past_free, days=-1, capacity=2)

    assert set(listed(client.get(LIST, {"free": "on"}))) == {"还有一个空位", "有人取消了", "一满一空"}
    assert len(listed(client.get(LIST))) == 7


def test_free_places_and_dates_must_hold_for_the_same_shift(world, client):
    page = opportunity_create(venue=world.venue_a, title="范围内已满")
    fill(add_shift(page, days=4, capacity=1), Signup.Status.CONFIRMED)
    add_shift(page, days=20, capacity=1)  # free, but outside the range
    in_range = {
        "free": "on",
        "date_from": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "date_to": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
    }
    assert listed(client.get(LIST, in_range)) == []
    assert listed(client.get(LIST, {"free": "on"})) == ["范围内已满"]


def test_qualified_filter_hides_what_the_signed_in_volunteer_may_not_take(world, client, volunteer):
    for title, kinds in (
        ("仅限律师", ["lawyer"]),
        ("人人可报", []),
        ("律师或志愿者", ["lawyer", "volunteer"]),
        ("基层法律服务工作者", ["grassroots_worker"]),
    ):
        add_shift(opportunity_create(venue=world.venue_a, title=title, eligible_kinds=kinds))
    sign_in(client, volunteer)
    assert set(listed(client.get(LIST, {"qualified": "on"}))) == {"人人可报", "律师或志愿者"}
    assert len(listed(client.get(LIST))) == 4
    client.force_login(world.lawyer)
    assert set(listed(client.get(LIST, {"qualified": "on"}))) == {"仅限律师", "人人可报", "律师或志愿者"}


def test_qualified_filter_for_a_visitor_who_is_not_signed_in_says_why_it_is_ignored(world, client):
    add_shift(opportunity_create(venue=world.venue_a, title="仅限律师", eligible_kinds=["lawyer"]))
    response = client.get(LIST, {"qualified": "on"})
    assert listed(response) == ["仅限律师"]
    assert shown(response, zh("Log in and complete your profile to filter by what you are qualified for."))


def test_text_search_looks_at_title_summary_and_description(world, client):
    opportunity_create(venue=world.venue_a, title="农民工欠薪咨询")
    other = opportunity_create(venue=world.venue_a, title="社区值班")
    other.description = "<p>为老年人提供遗嘱咨询</p>"
    other.save_revision().publish()
    opportunity_create(venue=world.venue_a, title="法治讲座")
    assert listed(client.get(LIST, {"q": "欠薪"})) == ["农民工欠薪咨询"]
    assert listed(client.get(LIST, {"q": "遗嘱"})) == ["社区值班"]
    assert listed(client.get(LIST, {"q": "讲座摘要"})) == ["法治讲座"]  # the factory's summary
    assert set(listed(client.get(LIST, {"q": "咨询"}))) == {"农民工欠薪咨询", "社区值班"}
    response = client.get(LIST, {"q": "不存在的词"})
    assert listed(response) == [] and shown(response, zh("No opportunity matches these filters."))


def test_more_than_a_page_of_opportunities_pages_and_keeps_the_filters(world, client):
    for n in range(PAGE_SIZE + 1):
        add_shift(opportunity_create(venue=world.venue_a, title=f"值班{n:02d}", slug=f"duty-{n:02d}"), days=2 + n)
    opportunity_create(venue=world.venue_b, title="卫东区的", slug="elsewhere")
    first = client.get(LIST, {"region": world.district_a.pk})
    assert listed(first) == [f"值班{n:02d}" for n in range(PAGE_SIZE)]  # soonest first
    next_link = re.search(r'href="\?([^"]*page=2)"', first.content.decode())
    assert next_link, "no link to page 2"
    query = next_link.group(1).replace("&amp;", "&")
    assert f"region={world.district_a.pk}" in query
    second = client.get(f"{LIST}?{query}")
    assert listed(second) == [f"值班{PAGE_SIZE:02d}"]
    assert listed(client.get(LIST, {"region": world.district_a.pk, "page": "abc"})) == listed(first)
    assert listed(client.get(LIST, {"region": world.district_a.pk, "page": "999"})) == listed(second)


def test_an_end_date_before_the_start_date_is_explained(world, client):
    add_shift(opportunity_create(venue=world.venue_a, title="值班"))
    today = timezone.localdate()
    response = client.get(
        LIST, {"date_from": (today + datetime.timedelta(days=5)).isoformat(), "date_to": today.isoformat(), "q": "值班"}
    )
    assert response.status_code == 200
    assert shown(response, zh("The end date is before the start date."))
    html = response.content.decode()
    assert f'value="{today.isoformat()}"' in html and 'value="值班"' in html  # nothing typed is lost


@pytest.mark.parametrize(
    "bad",
    [
        {"region": "999999"},
        {"region": "abc"},
        {"service_type": "999999"},
        {"date_from": "2026-13-45"},
    ],
)
def test_bad_filter_values_give_the_page_with_a_message(world, client, bad):
    add_shift(opportunity_create(venue=world.venue_a, title="值班"))
    response = client.get(LIST, bad)
    assert response.status_code == 200
    errors = response.context["filter_form"].errors
    assert errors, "the bad value was not noticed"
    for messages in errors.values():
        for message in messages:
            assert shown(response, message), f"error {message!r} for {bad} is not shown on the page"


# --- One opportunity's page -------------------------------------------------------------------------


def _rows(response):
    """{shift id: the HTML of its row} on an opportunity page."""
    assert response.status_code == 200
    return {
        int(pk): html
        for _tag, pk, html in re.findall(
            r'<(tr|li) data-shift="(\d+)"[^>]*>(.*?)</\1>', response.content.decode(), re.S
        )
    }


def test_the_opportunity_page_shows_upcoming_shifts_with_free_places_and_my_status(world, client):
    me = world.lawyer_contributor
    page = opportunity_create(venue=world.venue_a, title="热线值班", slug="hotline")
    free = add_shift(page, days=2, capacity=3)
    fill(free, Signup.Status.CONFIRMED, Signup.Status.OFFERED)
    mine = add_shift(page, days=3, capacity=2)
    Signup.objects.create(shift=mine, contributor=me, status=Signup.Status.CONFIRMED, seat=1)
    queued = add_shift(page, days=4, capacity=1)
    fill(queued, Signup.Status.CONFIRMED)
    Signup.objects.create(shift=queued, contributor=me, status=Signup.Status.WAITING)
    offered = add_shift(page, days=5, capacity=1)
    Signup.objects.create(
        shift=offered,
        contributor=me,
        status=Signup.Status.OFFERED,
        seat=1,
        offered_at=timezone.now(),
        offer_expires_at=timezone.now() + datetime.timedelta(hours=3),
    )
    full = add_shift(page, days=6, capacity=1)
    fill(full, Signup.Status.CONFIRMED, Signup.Status.WAITING, Signup.Status.WAITING)
    past = add_shift(page, days=-1)
    cancelled = add_shift(page, days=7, status=Shift.Status.CANCELLED)

    client.force_login(world.lawyer)
    response = client.get("/opportunities/hotline/")
    rows = _rows(response)
    assert list(rows) == [free.pk, mine.pk, queued.pk, offered.pk, full.pk]
    assert past.pk not in rows and cancelled.pk not in rows
    assert escape(zh("%(free)s of %(cap)s free") % {"free": 1, "cap": 3}) in rows[free.pk]
    assert 'name="shift"' in rows[free.pk] and f"?only={free.pk}" in rows[free.pk]
    assert escape(zh("You are signed up")) in rows[mine.pk]
    assert escape(zh("You are on the waiting list")) in rows[queued.pk]
    assert escape(zh("A place is offered to you")) in rows[offered.pk]
    assert escape(zh("Full")) in rows[full.pk]
    assert escape(zh("%(n)s waiting") % {"n": 2}) in rows[full.pk]
    assert f"/shifts/{full.pk}/waitlist/" in rows[full.pk] and 'name="shift"' not in rows[full.pk]


def test_someone_else_does_not_see_my_status(world, client):
    page = opportunity_create(venue=world.venue_a, title="热线值班", slug="hotline")
    shift = add_shift(page)
    Signup.objects.create(shift=shift, contributor=world.lawyer_contributor, status=Signup.Status.CONFIRMED, seat=1)
    client.force_login(world.other_lawyer)
    row = _rows(client.get("/opportunities/hotline/"))[shift.pk]
    assert escape(zh("You are signed up")) not in row
    assert escape(zh("%(free)s of %(cap)s free") % {"free": 1, "cap": 2}) in row


def test_sign_up_is_closed_after_the_deadline(world, client):
    page = opportunity_create(venue=world.venue_a, title="热线值班", slug="hotline")
    closed = add_shift(page, days=2, signup_deadline=timezone.now() - datetime.timedelta(minutes=5))
    open_ = add_shift(page, days=3)
    client.force_login(world.lawyer)
    rows = _rows(client.get("/opportunities/hotline/"))
    assert escape(zh("Sign-up closed")) in rows[closed.pk]
    assert 'name="shift"' not in rows[closed.pk] and "?only=" not in rows[closed.pk]
    assert escape(zh("Sign-up closed")) not in rows[open_.pk] and f"?only={open_.pk}" in rows[open_.pk]


def test_a_volunteer_is_told_a_lawyers_only_opportunity_is_not_for_them(world, client, volunteer):
    page = opportunity_create(venue=world.venue_a, title="值班律师", slug="duty-lawyer", eligible_kinds=["lawyer"])
    shift = add_shift(page)
    sign_in(client, volunteer)
    response = client.get("/opportunities/duty-lawyer/")
    html = response.content.decode()
    assert 'id="not-qualified"' in html
    assert escape(str(Contributor.Kind.LAWYER.label)) in html
    row = _rows(response)[shift.pk]
    assert 'name="shift"' not in row and "?only=" not in row
    client.force_login(world.lawyer)
    response = client.get("/opportunities/duty-lawyer/")
    assert 'id="not-qualified"' not in response.content.decode()
    assert f"?only={shift.pk}" in _rows(response)[shift.pk]


def test_a_visitor_is_asked_to_log_in_to_sign_up(world, client):
    page = opportunity_create(venue=world.venue_a, title="热线值班", slug="hotline")
    shift = add_shift(page)
    response = client.get("/opportunities/hotline/")
    assert "/accounts/login/?next=/opportunities/hotline/" in response.content.decode()
    assert "?only=" not in _rows(response)[shift.pk]


# --- Publishing copies the page's rules onto the shifts to come -------------------------------------


def test_publishing_updates_future_shifts_but_not_past_ones(world):
    page = opportunity_create(venue=world.venue_a, title="热线值班", service_type="hotline_12348")
    future = add_shift(page, days=3)
    past = add_shift(page, days=-3)
    page = OpportunityPage.objects.get(pk=page.pk)
    page.service_type = service_type("duty_lawyer")
    page.eligible_kinds = ["lawyer"]
    page.save_revision()  # a draft changes nothing yet
    future.refresh_from_db()
    assert future.service_type.code == "hotline_12348" and future.eligible_kinds == []

    page.get_latest_revision().publish()
    future.refresh_from_db()
    past.refresh_from_db()
    assert future.service_type.code == "duty_lawyer" and future.eligible_kinds == ["lawyer"]
    assert past.service_type.code == "hotline_12348" and past.eligible_kinds == []


def test_after_publishing_lawyers_only_a_volunteer_can_no_longer_sign_up(world, client, volunteer):
    page = opportunity_create(venue=world.venue_a, title="热线值班", slug="hotline")
    shift = add_shift(page)
    page = OpportunityPage.objects.get(pk=page.pk)
    page.eligible_kinds = ["lawyer"]
    page.save_revision().publish()
    sign_in(client, volunteer)
    response = client.post(f"/shifts/signup/?only={shift.pk}", {"shift": [shift.pk], "next": "/opportunities/hotline/"})
    assert response.status_code == 302
    assert not Signup.objects.filter(shift=shift, contributor=volunteer).exists()
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(
        zh("Only these may take this shift: %(kinds)s.") % {"kinds": Contributor.Kind.LAWYER.label} in t for t in texts
    ), texts


# --- Signing up through the pages -------------------------------------------------------------------


@pytest.fixture
def hotline(world):
    page = opportunity_create(venue=world.venue_a, title="热线值班", slug="hotline")
    return page, add_shift(page, days=3, hour=9), add_shift(page, days=4, hour=9)


def _messages(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_signing_up_for_two_ticked_shifts_takes_both_and_returns_to_the_page(world, client, hotline):
    page, first, second = hotline
    client.force_login(world.lawyer)
    response = client.post("/shifts/signup/", {"shift": [first.pk, second.pk], "next": "/opportunities/hotline/"})
    assert response.status_code == 302 and response["Location"] == "/opportunities/hotline/"
    taken = Signup.objects.filter(contributor=world.lawyer_contributor, status=Signup.Status.CONFIRMED)
    assert {s.shift_id for s in taken} == {first.pk, second.pk}
    assert ("success", signed_up_for(2)) in _messages(response)
    rows = _rows(client.get("/opportunities/hotline/"))
    assert all(escape(zh("You are signed up")) in rows[s.pk] for s in (first, second))


def test_a_rows_own_button_takes_only_that_shift(world, client, hotline):
    page, first, second = hotline
    client.force_login(world.lawyer)
    response = client.post(
        f"/shifts/signup/?only={second.pk}", {"shift": [first.pk, second.pk], "next": "/opportunities/hotline/"}
    )
    assert response.status_code == 302
    assert list(Signup.objects.filter(contributor=world.lawyer_contributor).values_list("shift_id", flat=True)) == [
        second.pk
    ]
    assert ("success", signed_up_for(1)) in _messages(response)


def test_a_full_shift_says_join_the_waiting_list_and_the_others_are_still_taken(world, client, hotline):
    page, first, second = hotline
    fill(first, Signup.Status.CONFIRMED, Signup.Status.CONFIRMED)
    client.force_login(world.lawyer)
    response = client.post(
        "/shifts/signup/", {"shift": [first.pk, second.pk], "next": "/opportunities/hotline/"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain == [("/opportunities/hotline/", 302)]
    assert shown(response, zh("This shift is full. You can join its waiting list."))
    assert shown(response, signed_up_for(1))
    assert not Signup.objects.filter(shift=first, contributor=world.lawyer_contributor).exists()
    assert Signup.objects.get(shift=second, contributor=world.lawyer_contributor).status == Signup.Status.CONFIRMED
    assert f"/shifts/{first.pk}/waitlist/" in _rows(response)[first.pk]


def test_nothing_ticked_is_explained(world, client, hotline):
    client.force_login(world.lawyer)
    response = client.post("/shifts/signup/", {"next": "/opportunities/hotline/"})
    assert response.status_code == 302 and response["Location"] == "/opportunities/hotline/"
    assert ("error", zh("Tick at least one shift to sign up for.")) in _messages(response)
    assert not Signup.objects.exists()


def test_the_waiting_list_button_queues_me(world, client, hotline):
    page, first, second = hotline
    fill(first, Signup.Status.CONFIRMED, Signup.Status.CONFIRMED)
    client.force_login(world.lawyer)
    response = client.post(f"/shifts/{first.pk}/waitlist/", {"next": "/opportunities/hotline/"})
    assert response.status_code == 302 and response["Location"] == "/opportunities/hotline/"
    signup = Signup.objects.get(shift=first, contributor=world.lawyer_contributor)
    assert signup.status == Signup.Status.WAITING and signup.seat is None
    assert (
        "success",
        zh("You are on the waiting list. If a place comes free and you are first in line, we will email you an offer."),
    ) in _messages(response)
    row = _rows(client.get("/opportunities/hotline/"))[first.pk]
    assert escape(zh("You are on the waiting list")) in row


@pytest.mark.parametrize("url", ["/shifts/signup/", "waitlist"])
def test_an_unsafe_next_address_is_not_followed(world, client, hotline, url):
    page, first, second = hotline
    client.force_login(world.lawyer)
    url = f"/shifts/{first.pk}/waitlist/" if url == "waitlist" else url
    response = client.post(url, {"shift": [first.pk], "next": "http://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert response["Location"] == "/my/shifts/"
    assert Signup.objects.get(shift=first, contributor=world.lawyer_contributor).status == Signup.Status.CONFIRMED


def test_signing_up_needs_a_signed_in_person(world, client, hotline):
    page, first, second = hotline
    response = client.post("/shifts/signup/", {"shift": [first.pk], "next": "/opportunities/hotline/"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Signup.objects.exists()
