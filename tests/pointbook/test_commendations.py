"""Annual commendations: drafted from the standings under the eligibility rules, adjusted with reasons,
on public notice with objections, approved once into certificates and an honour roll page."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from cms.models import HonourRollPage
from pointbook.commendations import services as commendations
from pointbook.commendations.certificates import certificate_revoke
from pointbook.models import (
    AwardCategory,
    Certificate,
    Complaint,
    Nomination,
    Objection,
    PublicHoliday,
    StandingsSnapshot,
)
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


@pytest.fixture
def newcomer(standings):
    """Registered in district A last week: no verified hours, profile not yet verified, and a complaint
    upheld this year."""
    person = ContributorFactory(legal_name="钱新", region=standings.village_a, verified_at=None)
    Complaint.objects.create(
        contributor=person,
        region=standings.district_a,
        date=datetime.date(YEAR, 1, 5),
        reason="未按时到岗",
        upheld_by=standings.staff_a,
    )
    return person


RULES_FAILED = [
    f"verified service hours in {YEAR} (none on that year's standings)",
    f"no upheld complaint in {YEAR}",
    "profile verified by the bureau",
]


@pytest.mark.django_db
def test_adding_someone_the_rules_exclude_is_refused_with_the_rules_they_fail(standings, newcomer):
    w = standings
    category = make_category(w, top_n=1)
    for override in ("", "   "):
        with pytest.raises(ValidationError) as caught:
            commendations.nomination_add(
                category_id=category.pk,
                actor=w.city_staff,
                contributor=newcomer,
                reason="社区推荐",
                override_reason=override,
            )
        errors = caught.value.message_dict["override_reason"]
        assert "钱新 does not meet these rules" in errors[0] and errors[1:] == RULES_FAILED
    assert not category.nominations.exists()
    assert not AuditEntry.objects.filter(action="nomination.add").exists()


@pytest.mark.django_db
def test_with_a_reason_to_set_the_rules_aside_they_are_added_and_the_audit_row_keeps_both(standings, newcomer):
    w = standings
    category = make_category(w, top_n=1)
    nomination = commendations.nomination_add(
        category_id=category.pk,
        actor=w.city_staff,
        contributor=newcomer,
        reason="社区推荐",
        override_reason="抗洪期间连续值守，经局务会研究同意",
    )
    nomination.refresh_from_db()
    assert nomination.status == Nomination.Status.NOMINATED and not nomination.drafted
    assert nomination.rules_failed == ["hours", "complaint", "verified"]
    assert nomination.override_reason == "抗洪期间连续值守，经局务会研究同意"
    row = AuditEntry.objects.get(action="nomination.add", object_id=str(nomination.pk))
    assert row.actor == w.city_staff
    assert row.data == {
        "reason": "社区推荐",
        "rules_failed": ["hours", "complaint", "verified"],
        "override_reason": "抗洪期间连续值守，经局务会研究同意",
    }


@pytest.mark.django_db
def test_someone_who_meets_the_rules_is_added_with_no_override(standings):
    w = standings
    category = make_category(w, top_n=1)
    nomination = commendations.nomination_add(
        category_id=category.pk, actor=w.city_staff, contributor=w.third_a, reason="长期驻村服务", override_reason="x"
    )
    assert (nomination.rules_failed, nomination.override_reason) == ([], "")
    assert (nomination.points, nomination.hours) == (Decimal("40.00"), Decimal("4.00"))
    assert nomination.counted_at == StandingsSnapshot.objects.get(year=YEAR, is_current=True).computed_at


@pytest.mark.django_db
@pytest.mark.parametrize(
    "award, failed",
    [
        (dict(basis=AwardCategory.Basis.POINTS_AT_LEAST, top_n=None, min_points=Decimal("50")), "at least 50"),
        (dict(basis=AwardCategory.Basis.STAR_LEVEL, top_n=None, min_stars=1), "1 stars: 100 verified hours"),
        (dict(firm_in_good_standing=True), "member of an organisation in good standing"),
    ],
)
def test_each_rule_of_the_award_is_checked_for_a_hand_added_nominee(standings, award, failed):
    """周敏 (40 points, 4 hours, verified, in no firm) fails the threshold, the star level, good standing."""
    category = make_category(standings, **award)
    with pytest.raises(ValidationError) as caught:
        commendations.nomination_add(
            category_id=category.pk, actor=standings.city_staff, contributor=standings.third_a, reason="推荐"
        )
    rules = caught.value.message_dict["override_reason"][1:]
    assert len(rules) == 1 and failed in rules[0]


@pytest.mark.django_db
def test_an_organisation_not_in_good_standing_needs_a_reason_too(standings):
    w = standings
    w.firm_b.good_standing = False
    w.firm_b.save()
    category = make_category(
        w,
        name_zh="优秀律师事务所",
        name_en="Outstanding firm",
        basis=AwardCategory.Basis.TOP_FIRMS,
        top_n=1,
        firm_in_good_standing=True,
    )
    with pytest.raises(ValidationError, match="organisation in good standing"):
        commendations.nomination_add(category_id=category.pk, actor=w.city_staff, organisation=w.firm_b, reason="推荐")
    nomination = commendations.nomination_add(
        category_id=category.pk, actor=w.city_staff, organisation=w.firm_b, reason="推荐", override_reason="整改已完成"
    )
    assert nomination.rules_failed == ["good_standing"]


@pytest.mark.django_db
def test_staff_see_the_failing_rules_on_the_page_and_the_public_notice_shows_nothing_of_the_override(
    standings, newcomer, client_for, client
):
    w = standings
    category = make_category(w, top_n=1)
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    staff = client_for("city_staff")
    url = reverse("staff_commendation_act", args=[category.pk, "add"])
    typed = {"who": newcomer.licence_number, "reason": "社区推荐"}
    refused = staff.post(url, typed)
    html = refused.content.decode()
    assert refused.status_code == 200
    with translation.override("zh-hans"):  # the rules, in the page's language
        assert all(commendations.rule_text(category, rule) in html for rule in ("hours", "complaint", "verified"))
    assert newcomer.licence_number in html and "社区推荐" in html  # what was typed is kept
    assert not category.nominations.filter(contributor=newcomer).exists()

    added = staff.post(url, {**typed, "override_reason": "抗洪期间连续值守"})
    assert added.status_code == 302
    page = staff.get(reverse("staff_commendation", args=[category.pk])).content.decode()
    nomination = category.nominations.get(contributor=newcomer)
    assert f'data-override="{nomination.pk}"' in page and "抗洪期间连续值守" in page

    commendations.notice_publish(category_id=category.pk, actor=w.city_staff)
    notice = client.get(reverse("notice", args=[category.pk])).content.decode()
    assert "钱新" in notice and nomination.hours == 0
    for hidden in ("抗洪期间连续值守", "社区推荐", "data-override"):
        assert hidden not in notice
    with translation.override("zh-hans"):
        assert not any(commendations.rule_text(category, r) in notice for r in ("hours", "complaint", "verified"))


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
@pytest.mark.parametrize(
    "posted, start, end",
    [
        # Posted on a Friday: the period starts on Monday and runs to Friday.
        (datetime.date(2031, 2, 14), datetime.date(2031, 2, 17), datetime.date(2031, 2, 21)),
        # Posted on a Saturday or a Sunday: the same Monday, the same Friday.
        (datetime.date(2031, 2, 15), datetime.date(2031, 2, 17), datetime.date(2031, 2, 21)),
        (datetime.date(2031, 2, 16), datetime.date(2031, 2, 17), datetime.date(2031, 2, 21)),
        # Posted on a Monday: Tuesday to the next Monday; the posting day is never one of the five.
        (datetime.date(2031, 2, 17), datetime.date(2031, 2, 18), datetime.date(2031, 2, 24)),
        # Posted on Friday 28 February before Monday 3 March, a holiday, and Tuesday 4, a holiday:
        # Wednesday 5 to Tuesday 11.
        (datetime.date(2031, 2, 28), datetime.date(2031, 3, 5), datetime.date(2031, 3, 11)),
    ],
)
def test_the_notice_period_starts_on_the_next_working_day_after_posting(standings, posted, start, end):
    for holiday in (datetime.date(2031, 3, 3), datetime.date(2031, 3, 4)):
        PublicHoliday.objects.get_or_create(date=holiday, defaults={"name": "清明节"})
    assert commendations.notice_period(posted, 5) == (start, end)


@pytest.mark.django_db
def test_a_notice_posted_on_friday_shows_its_monday_to_friday_period_and_takes_objections_at_once(
    standings, client, monkeypatch
):
    w = standings
    category = make_category(w)
    commendations.nominees_draft(category_id=category.pk, actor=w.city_staff)
    friday = datetime.date(2031, 2, 14)
    monkeypatch.setattr(commendations.timezone, "localdate", lambda *a: friday)
    category = commendations.notice_publish(category_id=category.pk, actor=w.city_staff)
    assert (category.notice_starts_on, category.notice_ends_on) == (
        datetime.date(2031, 2, 17),
        datetime.date(2031, 2, 21),
    )
    html = client.get(reverse("notice", args=[category.pk])).content.decode()
    assert "2031-02-17" in html and "2031-02-21" in html and 'id="objection-form"' in html
    listing = client.get(reverse("notices")).content.decode()
    assert "2031-02-17" in listing and "2031-02-21" in listing
    # Approval waits for the end of Friday the 21st.
    monkeypatch.setattr(commendations.timezone, "localdate", lambda *a: datetime.date(2031, 2, 21))
    assert commendations.notice_is_open(category)
    with pytest.raises(ValidationError, match="2031-02-21"):
        commendations.category_approve(category_id=category.pk, actor=w.city_staff)
    assert not commendations.notice_is_open(category, today=datetime.date(2031, 2, 22))


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
