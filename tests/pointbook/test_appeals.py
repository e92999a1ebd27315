"""Appeals through their pages: a contributor disputes one of their entries or a rejected record,
staff of the region answer in the thread and resolve it with an adjustment entry, by approving the
record after all, or with a reasoned refusal; one open appeal at a time; nobody else sees or acts on
it. After each scenario the ledger's invariants hold.

Texts are compared in the language the page was answered in (new msgids may not be translated yet).
"""

import re
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from pointbook.ledger import services
from pointbook.models import Appeal, AppealMessage, LedgerEntry
from volunteers.models import ServiceRecord
from volunteers.rota import services as rota_services

WHY = "当天实际服务了4小时，签到表可证明，请核实"


def _shown(response, msgid, **values):
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        text = gettext(msgid)
    return escape(text % values if values else text)


def _messages(response):
    box = re.search(r'<ul class="messages">(.*?)</ul>', response.content.decode(), re.S)
    return [m.strip() for m in re.findall(r"<li[^>]*>(.*?)</li>", box.group(1), re.S)] if box else []


def _thread(response):
    """The thread's messages as (from staff?, text), top to bottom."""
    thread = re.search(r'<ol class="thread" id="thread">(.*?)</ol>', response.content.decode(), re.S).group(1)
    return [
        (kind == "from-staff", body.strip())
        for kind, body in re.findall(
            r'<li class="(from-staff|from-contributor)">.*?<p class="prewrap">(.*?)</p></li>', thread, re.S
        )
    ]


@pytest.fixture
def award(world, rota):
    """The lawyer's attended 3-hour hotline shift at venue A yesterday, approved: a 30-point award."""
    record = rota_services.attendance_mark(
        actor=world.staff_a, scope=world.district_a, signup=rota.past_signup_a, attended=True
    )
    return services.record_approve(actor=world.staff_a, scope=world.district_a, record=record)


def _open(client, award, body=WHY):
    return client.post(f"/my/appeals/new/?entry={award.pk}", {"entry": award.pk, "body": body})


@pytest.mark.django_db
def test_an_appeal_about_an_entry_is_answered_and_resolved_with_an_adjustment(world, award, client_for):
    lawyer, staff = client_for("lawyer"), client_for("staff_a")
    form = lawyer.get(f"/my/appeals/new/?entry={award.pk}")
    assert form.status_code == 200 and f'name="entry" value="{award.pk}"' in form.content.decode()

    response = _open(lawyer, award)
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/my/appeals/{appeal.pk}/"
    assert (appeal.contributor, appeal.entry, appeal.record, appeal.region, appeal.status) == (
        world.lawyer_contributor,
        award,
        None,
        world.district_a,
        "open",
    )
    assert AppealMessage.objects.get().body == WHY

    # Staff of the region see it in their list and write back.
    listing = staff.get("/staff/appeals/")
    assert f'href="/staff/appeals/{appeal.pk}/"' in listing.content.decode()
    assert world.lawyer_contributor.legal_name in listing.content.decode()
    assert f"/staff/appeals/{appeal.pk}/" in client_for("city_staff").get("/staff/appeals/").content.decode()
    assert (
        staff.post(f"/staff/appeals/{appeal.pk}/", {"action": "reply", "reply-body": "请上传签到表照片"}).status_code
        == 302
    )
    assert lawyer.post(f"/my/appeals/{appeal.pk}/", {"body": "签到表照片已附上"}).status_code == 302

    response = staff.post(
        f"/staff/appeals/{appeal.pk}/",
        {"action": "adjust", "adjust-points": "10", "adjust-reason": "核实签到表，补记1小时"},
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ADJUSTED and appeal.resolved_by == world.staff_a
    adjustment = appeal.resolution
    assert (adjustment.kind, adjustment.source, adjustment.source_id, adjustment.points) == (
        "adjustment",
        "appeal",
        appeal.pk,
        Decimal("10.00"),
    )
    assert adjustment.contributor == world.lawyer_contributor and adjustment.actor == world.staff_a
    assert adjustment.explanation == "核实签到表，补记1小时"
    assert sum(e.points for e in LedgerEntry.objects.filter(contributor=world.lawyer_contributor)) == Decimal("40.00")

    # Both sides read the whole thread and the outcome.
    expected = [(False, WHY), (True, "请上传签到表照片"), (False, "签到表照片已附上"), (True, "核实签到表，补记1小时")]
    for client, url in ((lawyer, f"/my/appeals/{appeal.pk}/"), (staff, f"/staff/appeals/{appeal.pk}/")):
        page = client.get(url)
        assert page.status_code == 200
        assert _thread(page) == expected
        assert 'id="resolution"' in page.content.decode() and "+10" in page.content.decode()
        assert 'id="adjust"' not in page.content.decode()  # closed: no more forms
    assert "核实签到表，补记1小时" in lawyer.get("/my/points/").content.decode()

    # Closed: nothing more is posted, whoever tries.
    staff.post(f"/staff/appeals/{appeal.pk}/", {"action": "adjust", "adjust-points": "10", "adjust-reason": "再补"})
    lawyer.post(f"/my/appeals/{appeal.pk}/", {"body": "谢谢"})
    assert LedgerEntry.objects.filter(source="appeal").count() == 1 and AppealMessage.objects.count() == 4
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_staff_can_refuse_with_a_reason(world, award, client_for):
    lawyer, staff = client_for("lawyer"), client_for("staff_a")
    _open(lawyer, award)
    appeal = Appeal.objects.get()

    staff.post(f"/staff/appeals/{appeal.pk}/", {"action": "refuse", "refuse-body": "  "})
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.OPEN  # a refusal needs its reason

    response = staff.post(
        f"/staff/appeals/{appeal.pk}/", {"action": "refuse", "refuse-body": "签到记录显示服务3小时，维持原决定"}
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REFUSED and appeal.resolution is None and appeal.resolved_at is not None
    assert list(LedgerEntry.objects.all()) == [award]
    page = lawyer.get(f"/my/appeals/{appeal.pk}/")
    assert _thread(page)[-1] == (True, "签到记录显示服务3小时，维持原决定")
    assert 'id="reply"' not in page.content.decode()
    assert f"/staff/appeals/{appeal.pk}/" in staff.get("/staff/appeals/?status=refused").content.decode()
    assert f"/staff/appeals/{appeal.pk}/" not in staff.get("/staff/appeals/").content.decode()

    # Refused, the entry can be appealed again (a new thread).
    assert _open(lawyer, award, "补充新的证据").status_code == 302
    assert Appeal.objects.filter(status="open").count() == 1
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_an_appeal_against_a_rejection_is_resolved_by_approving_the_record(world, rota, client_for):
    record = rota_services.attendance_mark(
        actor=world.staff_a, scope=world.district_a, signup=rota.past_signup_a, attended=True
    )
    lawyer, staff = client_for("lawyer"), client_for("staff_a")
    # A record still waiting cannot be appealed: there is nothing to dispute yet.
    response = lawyer.post(f"/my/appeals/new/?record={record.pk}", {"record": record.pk, "body": WHY})
    assert response.status_code == 200 and not Appeal.objects.exists()

    services.record_reject(actor=world.staff_a, scope=world.district_a, record=record, reason="未见签到")
    form = lawyer.get(f"/my/appeals/new/?record={record.pk}")
    assert form.status_code == 200 and "未见签到" in form.content.decode()
    response = lawyer.post(f"/my/appeals/new/?record={record.pk}", {"record": record.pk, "body": WHY})
    appeal = Appeal.objects.get()
    assert response["Location"] == f"/my/appeals/{appeal.pk}/"
    assert (appeal.record, appeal.entry, appeal.region) == (record, None, world.district_a)

    response = staff.post(
        f"/staff/appeals/{appeal.pk}/", {"action": "approve_record", "refuse-body": "补交签到表核实无误，予以通过"}
    )
    assert response.status_code == 302
    record.refresh_from_db()
    appeal.refresh_from_db()
    assert record.status == ServiceRecord.Status.APPROVED and record.decided_by == world.staff_a
    award = LedgerEntry.objects.get()
    assert (award.kind, award.source, award.source_id, award.points) == (
        "award",
        "service_record",
        record.pk,
        Decimal("30.00"),
    )
    assert appeal.status == Appeal.Status.ADJUSTED and appeal.resolution == award
    page = lawyer.get(f"/my/appeals/{appeal.pk}/")
    assert _thread(page)[-1] == (True, "补交签到表核实无误，予以通过")
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_a_second_open_appeal_about_the_same_entry_is_refused(world, award, client_for):
    lawyer = client_for("lawyer")
    _open(lawyer, award)
    response = _open(lawyer, award, "再问一次")
    assert response.status_code == 200
    assert _shown(response, "An appeal about this is already open; add to its thread instead.") in (
        response.content.decode()
    )
    assert Appeal.objects.count() == 1 and AppealMessage.objects.count() == 1
    # The points page links to the open appeal instead of offering a new one.
    appeal = Appeal.objects.get()
    assert f"/my/appeals/{appeal.pk}/" in lawyer.get("/my/points/").content.decode()


@pytest.mark.django_db
def test_staff_of_another_district_get_404_on_the_appeal(world, award, client_for):
    _open(client_for("lawyer"), award)
    appeal = Appeal.objects.get()
    other = client_for("staff_b")
    assert f"/staff/appeals/{appeal.pk}/" not in other.get("/staff/appeals/").content.decode()
    assert other.get(f"/staff/appeals/{appeal.pk}/").status_code == 404
    for data in (
        {"action": "reply", "reply-body": "越权回复"},
        {"action": "adjust", "adjust-points": "100", "adjust-reason": "越权调整"},
        {"action": "refuse", "refuse-body": "越权驳回"},
    ):
        assert other.post(f"/staff/appeals/{appeal.pk}/", data).status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.OPEN and AppealMessage.objects.count() == 1
    assert list(LedgerEntry.objects.all()) == [award]
    # Contributors are not staff at all.
    assert client_for("lawyer").get(f"/staff/appeals/{appeal.pk}/").status_code == 403
    assert client_for("other_lawyer").get(f"/my/appeals/{appeal.pk}/").status_code == 404


@pytest.mark.django_db
def test_nobody_can_appeal_someone_elses_entry_or_record(world, award, client_for):
    other = client_for("other_lawyer")
    assert other.get(f"/my/appeals/new/?entry={award.pk}").status_code == 404
    assert other.post(f"/my/appeals/new/?entry={award.pk}", {"entry": award.pk, "body": "不是我的"}).status_code == 404
    record = ServiceRecord.objects.get()
    services.record_unapprove(actor=world.staff_a, scope=world.district_a, record=record, reason="复核")
    services.record_reject(actor=world.staff_a, scope=world.district_a, record=record, reason="未到岗")
    assert other.get(f"/my/appeals/new/?record={record.pk}").status_code == 404
    assert other.post(f"/my/appeals/new/?record={record.pk}", {"record": record.pk, "body": "x"}).status_code == 404
    assert not Appeal.objects.exists()
    assert services.ledger_verify() == []


# --- Four eyes on large adjustments -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_large_adjustment_waits_for_a_second_member_of_staff_and_posts_with_both_names(world, award, client_for):
    from core.models import AuditEntry

    _open(client_for("lawyer"), award)
    appeal = Appeal.objects.get()
    url = f"/staff/appeals/{appeal.pk}/"
    proposer, second = client_for("staff_a"), client_for("city_staff")
    response = proposer.post(
        url, {"action": "adjust", "adjust-points": "150", "adjust-reason": "补记全年夜班"}, follow=True
    )
    assert _messages(response) == [
        _shown(response, "Proposed. Another member of staff has to approve it before it posts.")
    ]
    appeal.refresh_from_db()
    # Proposed only: the appeal is open, nothing is posted, the contributor's balance has not moved.
    assert appeal.status == Appeal.Status.OPEN and appeal.proposed_points == Decimal("150")
    assert list(LedgerEntry.objects.all()) == [award]
    assert 'id="proposal"' in response.content.decode() and 'value="adjust_approve"' not in response.content.decode()
    # The proposer cannot approve it, even by forging the button.
    response = proposer.post(url, {"action": "adjust_approve"}, follow=True)
    assert _messages(response) == [
        _shown(response, "You proposed this adjustment: another member of staff has to approve it.")
    ]
    assert list(LedgerEntry.objects.all()) == [award]
    # Nor can a second proposal replace it.
    proposer.post(url, {"action": "adjust", "adjust-points": "9000", "adjust-reason": "再加"})
    appeal.refresh_from_db()
    assert appeal.proposed_points == Decimal("150")

    page = second.get(url).content.decode()
    assert 'value="adjust_approve"' in page and "补记全年夜班" in page
    second.post(url, {"action": "adjust_approve"})
    appeal.refresh_from_db()
    entry = appeal.resolution
    assert appeal.status == Appeal.Status.ADJUSTED and appeal.resolved_by == world.city_staff
    assert (entry.points, entry.kind, entry.contributor, entry.actor) == (
        Decimal("150"),
        LedgerEntry.Kind.ADJUSTMENT,
        world.lawyer_contributor,
        world.city_staff,
    )
    trail = AuditEntry.objects.get(action="adjustment_post", object_id=str(entry.pk))
    assert trail.actor == world.city_staff
    assert (trail.data["proposed_by"], trail.data["approved_by"]) == (world.staff_a.pk, world.city_staff.pk)
    assert AuditEntry.objects.filter(action="adjustment_propose", actor=world.staff_a).count() == 1
    assert services.ledger_verify() == []


@pytest.mark.django_db
def test_a_declined_proposal_posts_nothing_and_a_small_adjustment_needs_one_member_of_staff(world, award, client_for):
    _open(client_for("lawyer"), award)
    appeal = Appeal.objects.get()
    url = f"/staff/appeals/{appeal.pk}/"
    staff_a, city = client_for("staff_a"), client_for("city_staff")
    staff_a.post(url, {"action": "adjust", "adjust-points": "-120", "adjust-reason": "扣回"})
    city.post(url, {"action": "adjust_decline"})
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.OPEN and appeal.proposed_points is None
    assert list(LedgerEntry.objects.all()) == [award]
    # 100 either way is within the threshold: one member of staff posts it at once.
    staff_a.post(url, {"action": "adjust", "adjust-points": "-100", "adjust-reason": "扣回"})
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.ADJUSTED and appeal.resolution.points == Decimal("-100")


@pytest.mark.django_db
def test_the_city_sets_the_threshold_and_a_district_cannot(world, award, client_for):
    from pointbook.models import AdjustmentPolicy

    assert client_for("staff_a").post("/staff/rules/adjustments/", {"second_approval_above": "1000"}).status_code == 403
    assert AdjustmentPolicy.current().second_approval_above == Decimal("100")
    client_for("city_staff").post("/staff/rules/adjustments/", {"second_approval_above": "20"})
    assert AdjustmentPolicy.current().second_approval_above == Decimal("20")
    _open(client_for("lawyer"), award)
    appeal = Appeal.objects.get()
    client_for("staff_a").post(
        f"/staff/appeals/{appeal.pk}/", {"action": "adjust", "adjust-points": "25", "adjust-reason": "补记"}
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.OPEN and appeal.proposed_points == Decimal("25")
