"""Annual commendations: drafted from the standings under the eligibility rules, adjusted with reasons,
on public notice with objections, approved once into certificates and an honour roll page."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cms.models import HonourRollPage
from pointbook.commendations import services as commendations
from pointbook.commendations.certificates import certificate_revoke
from pointbook.models import AwardCategory, Certificate, Complaint, Nomination, Objection, PublicHoliday
from pointbook.standings.services import standings_refresh
from tests.factories import ContributorFactory
from tests.pointbook.test_standings import entry
from volunteers.models import AuditEntry

YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def english_errors():
    """Services raise their messages in the active language; these tests read them in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def standings(world, home_page):
    """District A: lawyer 80, applicant A 60, a third person 40; district B: other lawyer 70, applicant B 50."""
    w = world
    w.third_a = ContributorFactory(legal_name="周敏", region=w.village_a)
    for person, points in (
        (w.lawyer_contributor, 80),
        (w.applicant_a, 60),
        (w.third_a, 40),
        (w.other_lawyer_contributor, 70),
        (w.applicant_b, 50),
    ):
        person.verified_at = timezone.now()
        person.save()
        entry(person, points, hours=points / 10)
    standings_refresh(YEAR)
    return w


def make_category(world, actor=None, **overrides):
    fields = dict(
        region=world.city,
        year=YEAR,
        name_zh="优秀公益律师",
        name_en="Outstanding pro-bono lawyer",
        basis=AwardCategory.Basis.TOP_PER_DISTRICT,
        top_n=2,
    )
    fields.update(overrides)
    return commendations.category_create(actor=actor or world.city_staff, **fields)


def names(category):
    return sorted(
        n.contributor.legal_name if n.contributor else n.organisation.name
        for n in category.nominations.filter(status=Nomination.Status.NOMINATED)
    )


def on_notice_and_ended(category, staff):
    commendations.notice_publish(category_id=category.pk, actor=staff)
    AwardCategory.objects.filter(pk=category.pk).update(
        notice_ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )


# --- Drafting ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_top_n_per_district_drafts_each_districts_leaders(standings):
    category = make_category(standings)
    assert commendations.nominees_draft(category_id=category.pk, actor=standings.city_staff) == 4
    assert names(category) == sorted(["李明", "赵强", "王芳", "孙丽"])


@pytest.mark.django_db
def test_eligibility_skips_an_upheld_complaint_and_an_unverified_profile(standings):
    w = standings
    Complaint.objects.create(
        contributor=w.lawyer_contributor,
        region=w.district_a,
        date=datetime.date(YEAR, 2, 1),
        reason="迟到早退",
        upheld_by=w.staff_a,
    )
    w.other_lawyer_contributor.verified_at = None
    w.other_lawyer_contributor.save()
    category = make_category(w)
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    # The next in line take their places.
    assert names(category) == sorted(["赵强", "周敏", "孙丽"])


@pytest.mark.django_db
def test_firm_in_good_standing_rule(standings):
    w = standings
    w.firm_b.good_standing = False
    w.firm_b.save()
    category = make_category(w, basis=AwardCategory.Basis.TOP_OVERALL, top_n=10, firm_in_good_standing=True)
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    assert names(category) == ["李明"]  # the only member of a firm in good standing


@pytest.mark.django_db
def test_points_threshold_and_top_firms(standings):
    w = standings
    star = make_category(
        w,
        name_zh="公益之星",
        name_en="Public-service star",
        basis=AwardCategory.Basis.POINTS_AT_LEAST,
        top_n=None,
        min_points=Decimal("60"),
    )
    commendations.nominees_draft(category_id=star.pk, actor=w.city_staff)
    assert names(star) == sorted(["李明", "王芳", "赵强"])
    firms = make_category(
        w, name_zh="优秀律师事务所", name_en="Outstanding firm", basis=AwardCategory.Basis.TOP_FIRMS, top_n=1
    )
    commendations.nominees_draft(category_id=firms.pk, actor=w.city_staff)
    assert names(firms) == ["河南新华律师事务所"]


@pytest.mark.django_db
def test_a_category_needs_its_numbers_and_five_working_days_of_notice(standings):
    with pytest.raises(ValidationError) as caught:
        make_category(standings, top_n=None, notice_working_days=3)
    assert set(caught.value.message_dict) == {"top_n", "notice_working_days"}
    assert not AwardCategory.objects.exists()


@pytest.mark.django_db
def test_drafting_needs_standings(world, home_page):
    category = make_category(world)
    with pytest.raises(ValidationError, match="standings"):
        commendations.nominees_draft(category_id=category.pk, actor=world.city_staff)


# --- Adjusting with reasons ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_add_and_remove_with_a_reason_and_a_redraft_keeps_their_changes(standings):
    w = standings
    category = make_category(w, top_n=1)
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    assert names(category) == ["李明", "王芳"]
    lawyer = category.nominations.get(contributor=w.lawyer_contributor)
    with pytest.raises(ValidationError):
        commendations.nomination_remove(nomination_id=lawyer.pk, actor=w.city_staff, reason=" ")
    commendations.nomination_remove(nomination_id=lawyer.pk, actor=w.city_staff, reason="已获省级表彰")
    commendations.nomination_add(
        category_id=category.pk, actor=w.city_staff, contributor=w.third_a, reason="长期驻村服务"
    )
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    assert names(category) == ["周敏", "王芳"]
    lawyer.refresh_from_db()
    assert (lawyer.status, lawyer.reason) == (Nomination.Status.REMOVED, "已获省级表彰")
    assert AuditEntry.objects.filter(action="nomination.remove", object_id=str(lawyer.pk)).exists()


@pytest.mark.django_db
def test_nobody_from_outside_the_region_can_be_added(standings):
    w = standings
    category = make_category(w, region=w.district_a, top_n=1)
    with pytest.raises(ValidationError):
        commendations.nomination_add(
            category_id=category.pk, actor=w.staff_a, contributor=w.other_lawyer_contributor, reason="x"
        )


# --- Notice and objections ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_notice_lasts_five_working_days_skipping_weekends_and_holidays(standings):
    friday = datetime.date(2031, 2, 28)
    PublicHoliday.objects.get_or_create(date=datetime.date(2031, 3, 4), defaults={"name": "调休"})
    # Fri 28 Feb, Mon 3, (Tue 4 a holiday), Wed 5, Thu 6, Fri 7 March.
    assert commendations.working_days_after(friday, 5) == datetime.date(2031, 3, 7)


@pytest.mark.django_db
def test_an_empty_list_cannot_go_on_notice(standings):
    category = make_category(standings)
    with pytest.raises(ValidationError):
        commendations.notice_publish(category_id=category.pk, actor=standings.city_staff)


@pytest.mark.django_db
def test_anyone_can_object_on_the_notice_page_while_it_is_up(standings, client):
    w = standings
    category = make_category(w)
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    commendations.notice_publish(category_id=category.pk, actor=w.city_staff)
    page = client.get(reverse("notice", args=[category.pk]))
    assert page.status_code == 200 and "李明" in page.content.decode()
    nominee = category.nominations.get(contributor=w.lawyer_contributor)

    empty = client.post(reverse("notice", args=[category.pk]), {"nomination": nominee.pk, "body": "  "})
    assert empty.status_code == 200 and not Objection.objects.exists()
    sent = client.post(
        reverse("notice", args=[category.pk]),
        {"nomination": nominee.pk, "body": "该律师本年度曾被投诉。", "contact": "13800000000"},
    )
    assert sent.status_code == 302
    assert Objection.objects.get().nomination == nominee

    AwardCategory.objects.filter(pk=category.pk).update(
        notice_ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    late = client.post(reverse("notice", args=[category.pk]), {"body": "还有一条"})
    assert "objections can no longer be lodged" in late.content.decode() or "不再受理" in late.content.decode()
    assert Objection.objects.count() == 1


@pytest.mark.django_db
def test_a_draft_is_not_public(standings, client):
    category = make_category(standings)
    assert client.get(reverse("notice", args=[category.pk])).status_code == 404


@pytest.mark.django_db
def test_the_notice_shows_only_the_family_name_of_someone_who_opted_out(standings, client):
    w = standings
    w.lawyer_contributor.public_listing = False
    w.lawyer_contributor.save()
    category = make_category(w)
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    commendations.notice_publish(category_id=category.pk, actor=w.city_staff)
    html = client.get(reverse("notice", args=[category.pk])).content.decode()
    assert "李**" in html and "李明" not in html


@pytest.mark.django_db
def test_an_upheld_objection_removes_its_nominee_and_approval_waits_for_every_objection(standings):
    w = standings
    category = make_category(w)
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    commendations.notice_publish(category_id=category.pk, actor=w.city_staff)
    nominee = category.nominations.get(contributor=w.lawyer_contributor)
    first = commendations.objection_lodge(category_id=category.pk, nomination_id=nominee.pk, body="曾被投诉")
    commendations.objection_lodge(category_id=category.pk, body="名单不全")
    with pytest.raises(ValidationError, match="notice runs until"):
        commendations.category_approve(category_id=category.pk, actor=w.city_staff)
    AwardCategory.objects.filter(pk=category.pk).update(
        notice_ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="objection"):
        commendations.category_approve(category_id=category.pk, actor=w.city_staff)

    commendations.objection_resolve(objection_id=first.pk, actor=w.city_staff, upheld=True, resolution="核实属实")
    nominee.refresh_from_db()
    assert nominee.status == Nomination.Status.REMOVED and "核实属实" in nominee.reason
    second = Objection.objects.exclude(pk=first.pk).get()
    with pytest.raises(ValidationError):
        commendations.objection_resolve(objection_id=second.pk, actor=w.city_staff, upheld=False, resolution="")
    commendations.objection_resolve(objection_id=second.pk, actor=w.city_staff, upheld=False, resolution="名单依规产生")
    issued = commendations.category_approve(category_id=category.pk, actor=w.city_staff)
    assert sorted(c.holder_name for c in issued) == sorted(["赵强", "王芳", "孙丽"])


# --- Approval: certificates and the honour roll, once ------------------------------------------------------


@pytest.mark.django_db
def test_approving_twice_issues_nothing_more_and_publishes_one_honour_roll(
    standings, eager_celery, django_capture_on_commit_callbacks
):
    w = standings
    category = make_category(w)
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    on_notice_and_ended(category, w.city_staff)
    with django_capture_on_commit_callbacks(execute=True):
        first = commendations.category_approve(category_id=category.pk, actor=w.city_staff)
    with django_capture_on_commit_callbacks(execute=True):
        second = commendations.category_approve(category_id=category.pk, actor=w.city_staff)
    from tasks.recognition import publish_honour_roll

    publish_honour_roll.delay(category.pk)  # the job re-run
    assert len(first) == 4 and {c.pk for c in second} == {c.pk for c in first}
    assert Certificate.objects.count() == 4
    assert len({c.number for c in first}) == 4 and all(c.number.startswith(f"ZS{YEAR}-") for c in first)
    page = HonourRollPage.objects.get(category__isnull=False)
    assert page.live and page.category == category
    # …and its English translation, which holds only the words.
    assert [p.title for p in HonourRollPage.objects.filter(category__isnull=True)] == [
        f"Honour roll: Outstanding pro-bono lawyer {YEAR}"
    ]


@pytest.mark.django_db
def test_the_honour_roll_lists_the_honourees_and_drops_a_revoked_certificate(
    standings, client, eager_celery, django_capture_on_commit_callbacks
):
    w = standings
    category = make_category(w)
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    on_notice_and_ended(category, w.city_staff)
    with django_capture_on_commit_callbacks(execute=True):
        commendations.category_approve(category_id=category.pk, actor=w.city_staff)
    page = HonourRollPage.objects.get(category=category)
    html = client.get(page.url).content.decode()
    assert "李明" in html and "王芳" in html
    client.cookies["pb_language"] = "en"
    english = client.get(page.url).content.decode()
    assert "Honour roll: Outstanding pro-bono lawyer" in english and "李明" in english
    del client.cookies["pb_language"]
    certificate = Certificate.objects.get(contributor=w.lawyer_contributor)
    certificate_revoke(certificate_id=certificate.pk, actor=w.city_staff, reason="材料造假")
    html = client.get(page.url).content.decode()
    assert "李明" not in html and "王芳" in html


@pytest.mark.django_db
def test_the_verification_page_says_genuine_then_revoked(standings, client, django_capture_on_commit_callbacks):
    w = standings
    category = make_category(w)
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    on_notice_and_ended(category, w.city_staff)
    commendations.category_approve(category_id=category.pk, actor=w.city_staff)
    certificate = Certificate.objects.get(contributor=w.lawyer_contributor)
    url = reverse("certificate_verify", args=[certificate.code])
    html = client.get(url).content.decode()
    assert 'id="verify-genuine"' in html and certificate.number in html
    assert "平顶山市司法局" in html  # no PB_BUREAU_NAME set: the city's justice bureau issues
    with pytest.raises(ValidationError):
        certificate_revoke(certificate_id=certificate.pk, actor=w.city_staff, reason="")
    certificate_revoke(certificate_id=certificate.pk, actor=w.city_staff, reason="材料造假")
    html = client.get(url).content.decode()
    assert 'id="verify-revoked"' in html and "材料造假" in html
    forged = certificate.code[:-1] + ("x" if certificate.code[-1] != "x" else "y")
    assert client.get(reverse("certificate_verify", args=[forged])).status_code == 404
    assert len(certificate.code) >= 32


# --- Who may do what ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_of_another_district_cannot_see_or_act_on_a_category(standings, client_for):
    w = standings
    category = make_category(w, region=w.district_a, actor=w.staff_a, top_n=1)
    assert client_for("staff_a").get(reverse("staff_commendation", args=[category.pk])).status_code == 200
    assert client_for("city_staff").get(reverse("staff_commendation", args=[category.pk])).status_code == 200
    assert client_for("staff_b").get(reverse("staff_commendation", args=[category.pk])).status_code == 404
    assert client_for("staff_b").post(reverse("staff_commendation_act", args=[category.pk, "draft"])).status_code == 404
    assert client_for("lawyer").get(reverse("staff_commendation", args=[category.pk])).status_code == 403
    assert not category.nominations.exists()


@pytest.mark.django_db
def test_the_staff_pages_walk_the_whole_path(standings, client_for, eager_celery):
    w = standings
    staff = client_for("city_staff")
    created = staff.post(
        reverse("staff_commendations"),
        {
            "year": YEAR,
            "region": w.city.pk,
            "name_zh": "优秀公益律师",
            "name_en": "Outstanding pro-bono lawyer",
            "basis": "top_district",
            "top_n": 1,
            "no_upheld_complaint": "on",
            "profile_verified": "on",
            "notice_working_days": 5,
        },
    )
    assert created.status_code == 302
    category = AwardCategory.objects.get()
    act = lambda action, **data: staff.post(reverse("staff_commendation_act", args=[category.pk, action]), data)  # noqa: E731
    act("draft")
    assert names(category) == ["李明", "王芳"]
    act("add", who=w.applicant_b.licence_number, reason="表现突出")
    act("remove", nomination=category.nominations.get(contributor=w.lawyer_contributor).pk, reason="")
    assert "李明" in names(category)  # no reason: nothing removed
    act("notice")
    category.refresh_from_db()
    assert category.status == AwardCategory.Status.NOTICE
    page = staff.get(reverse("staff_commendation", args=[category.pk])).content.decode()
    assert "王芳" in page and "孙丽" in page


@pytest.mark.django_db
def test_a_bad_category_form_shows_errors_and_creates_nothing(standings, client_for):
    response = client_for("staff_a").post(
        reverse("staff_commendations"),
        {
            "year": YEAR,
            "region": standings.district_b.pk,
            "name_zh": "",
            "name_en": "",
            "basis": "top_district",
            "notice_working_days": 2,
        },
    )
    assert response.status_code == 200 and not AwardCategory.objects.exists()
    assert response.context["form"].errors


# --- From the review of the whole diff -----------------------------------------------------------------------


def approved(world, **overrides):
    category = make_category(world, **overrides)
    commendations.nominees_draft(category_id=category.pk, actor=world.city_staff)
    on_notice_and_ended(category, world.city_staff)
    commendations.category_approve(category_id=category.pk, actor=world.city_staff)
    return category


@pytest.mark.django_db
def test_the_verification_page_masks_someone_who_opted_out_of_public_lists(standings, client):
    w = standings
    approved(w)
    w.lawyer_contributor.public_listing = False
    w.lawyer_contributor.save()
    certificate = Certificate.objects.get(contributor=w.lawyer_contributor)
    html = client.get(reverse("certificate_verify", args=[certificate.code])).content.decode()
    assert "李**" in html and "李明" not in html and certificate.number in html


@pytest.mark.django_db
def test_approving_again_publishes_a_lost_honour_roll(standings, eager_celery, django_capture_on_commit_callbacks):
    w = standings
    category = approved(w)  # on_commit callbacks not run: the honour roll job was "lost"
    assert not HonourRollPage.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        again = commendations.category_approve(category_id=category.pk, actor=w.city_staff)
    assert len(again) == Certificate.objects.count() == 4
    assert HonourRollPage.objects.filter(category=category).exists()


@pytest.mark.django_db
def test_odd_ids_in_staff_forms_are_404_not_errors(standings, client_for):
    category = make_category(standings)
    staff = client_for("city_staff")
    for action, field in (("remove", "nomination"), ("resolve", "objection")):
        for value in ("abc", "", "1e5", "99999999999999999999"):
            response = staff.post(reverse("staff_commendation_act", args=[category.pk, action]), {field: value})
            assert response.status_code == 404, (action, value)


@pytest.mark.django_db
def test_an_award_year_out_of_range_is_a_form_error(standings, client_for):
    response = client_for("city_staff").post(
        reverse("staff_commendations"),
        {
            "year": 1990,
            "region": standings.city.pk,
            "name_zh": "优秀",
            "name_en": "Outstanding",
            "basis": "top_district",
            "top_n": 1,
            "notice_working_days": 5,
        },
    )
    assert response.status_code == 200 and "year" in response.context["form"].errors
    assert not AwardCategory.objects.exists()


@pytest.mark.django_db
def test_objections_are_limited_per_notice_and_address(standings, client, settings):
    settings.PB_RATE_LIMITS = {**settings.PB_RATE_LIMITS, "objection": "3/h"}
    w = standings
    first, second = make_category(w), make_category(w, name_zh="其他奖项", name_en="Another award")
    for category in (first, second):
        commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
        commendations.notice_publish(category_id=category.pk, actor=w.city_staff)
    for _ in range(3):
        assert client.post(reverse("notice", args=[first.pk]), {"body": "异议"}).status_code == 302
    assert client.post(reverse("notice", args=[first.pk]), {"body": "再一条"}).status_code == 429
    assert client.post(reverse("notice", args=[second.pk]), {"body": "另一项"}).status_code == 302
    assert Objection.objects.filter(category=first).count() == 3


@pytest.mark.django_db
def test_a_long_notice_is_shown_a_page_at_a_time(standings, client, django_assert_max_num_queries):
    from pointbook.commendations.views import LIST_PAGE

    w = standings
    category = make_category(w, basis=AwardCategory.Basis.POINTS_AT_LEAST, top_n=None, min_points=Decimal("1"))
    Nomination.objects.bulk_create(
        Nomination(
            category=category,
            contributor=ContributorFactory(region=w.village_b),
            points=Decimal(10),
            hours=Decimal(1),
            rank=n,
        )
        for n in range(LIST_PAGE + 10)
    )
    commendations.notice_publish(category_id=category.pk, actor=w.city_staff)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("notice", args=[category.pk]))
    assert len(first.context["nominees"].object_list) == LIST_PAGE
    second = client.get(reverse("notice", args=[category.pk]), {"page": 2})
    assert len(second.context["nominees"].object_list) == 10
