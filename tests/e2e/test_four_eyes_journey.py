"""Four eyes on a large adjustment, on phones: a lawyer appeals an award entry from My points; staff
of district A answer with +150 points, which is above the city's threshold (100 by default), so it
is only proposed: the appeal stays open, the proposal card names who proposed it and offers them
only "Withdraw the proposal", and her balance has not moved. City staff find the appeal in the list
marked as waiting for a second member of staff, open it and approve: the adjustment posts, the
appeal closes with it, and she sees the entry and the new balance on My points. Last, a member of
staff who is also a contributor cannot answer their own appeal (the refusal says 自己).

Each person uses their own browser context (their own session) at 390×844 in headless Chromium;
every page is checked for server errors, <html lang="zh-hans"> and horizontal overflow, and
photographed into test-artifacts/e2e/four-eyes-*.png.
"""

from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from core.models import AuditEntry
from pointbook.conduct import appeals
from pointbook.ledger import services
from pointbook.models import AdjustmentPolicy, Appeal, LedgerEntry
from tests.e2e.phones import Phone, Shots
from tests.factories import ContributorFactory
from tests.support.ledger import post
from volunteers.rota import services as rota_services

# serialized_rollback: the service catalogue and its default points rules are migration data,
# which any earlier transactional test would have flushed.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WHY = "我当晚实际值班到凌晨，另外还补接了全年夜班的热线，签到表可证明，请核实。"
REASON = "核实签到表：全年夜班热线未计分，补记150分。"


def tr(msgid, lang="zh-hans", **params):
    """What the site shows for `msgid` in `lang`, from the same catalogues the live server uses."""
    with translation.override(lang):
        text = gettext(msgid)
    return text % params if params else text


FOUR_EYES_MSGIDS = (
    "An adjustment of more than %(limit)s points either way is posted only when a second member of staff approves it.",
    "Proposed. Another member of staff has to approve it before it posts.",
    "Adjustment waiting for a second member of staff",
    "Proposed by %(who)s on %(when)s.",
    "Approve and post",
    "Withdraw the proposal",
    "Decline the proposal",
    "Approved: the adjustment is posted and the appeal closed.",
    "You cannot decide on your own work: another member of staff has to make this decision.",
)


def label(choice):
    with translation.override("zh-hans"):
        return str(choice.label)


def test_a_large_adjustment_is_proposed_by_one_member_of_staff_and_posted_when_another_approves(
    live_server, chromium, artifacts_dir, world, rota
):
    assert AdjustmentPolicy.current().second_approval_above == Decimal("100")
    # tr() falls back to the English msgid, which would let an untranslated page pass: Chinese first.
    untranslated = [msgid for msgid in FOUR_EYES_MSGIDS if tr(msgid) == msgid]
    assert not untranslated, f"missing from the Chinese catalogue: {untranslated}"
    # The lawyer's attended 3-hour hotline shift at venue A yesterday, approved: a 30-point award.
    record = rota_services.attendance_mark(
        actor=world.staff_a, scope=world.district_a, signup=rota.past_signup_a, attended=True
    )
    award = services.record_approve(actor=world.staff_a, scope=world.district_a, record=record)
    assert (award.kind, award.points, award.hours) == ("award", Decimal("30.00"), Decimal("3.00"))
    # Staff have names, as they would on a real site; the proposal card shows who proposed.
    for user, (family, given) in ((world.staff_a, ("陈", "静")), (world.city_staff, ("周", "建国"))):
        user.last_name, user.first_name = family, given
        user.save(update_fields=["last_name", "first_name"])

    shots = Shots(artifacts_dir, "four-eyes")
    her = Phone.open(chromium, live_server.url, shots, "lawyer")
    page = her.page
    entries = page.locator("#entries tbody tr")
    lifetime = page.locator("#points-summary .tile").nth(1).locator("strong")

    # === 1. She appeals the award from My points. ================================================
    her.log_in(world.lawyer.email)
    her.nav("/my/points/")
    her.check("my-points")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("+30")
    expect(lifetime).to_have_text("30")
    appeal_link = entries.first.locator(f"a.appeal-link[href='/my/appeals/new/?entry={award.pk}']")
    expect(appeal_link).to_have_text(tr("Appeal"))
    her.submit(appeal_link)
    her.check("appeal-form")
    expect(page.locator("main h1")).to_have_text(tr("Appeal"))
    expect(page.locator("main .card").first).to_contain_text("+30")
    page.locator("#id_body").fill(WHY)
    her.submit(page.locator("main form button[type=submit]"))
    appeal = Appeal.objects.get()
    assert page.url == f"{live_server.url}/my/appeals/{appeal.pk}/"
    her.check("appeal-sent")
    expect(her.messages).to_contain_text(tr("Your appeal is with bureau staff; their answer appears here."))
    expect(page.locator("main h1 .status")).to_have_text(label(Appeal.Status.OPEN))
    expect(page.locator("#thread li.from-contributor .prewrap")).to_have_text(WHY)

    # === 2. Staff of district A propose +150: above the threshold, so it waits. ==================
    desk = Phone.open(chromium, live_server.url, shots, "staff-a")
    desk.log_in(world.staff_a.email)
    desk.nav("/staff/")
    desk.submit(desk.page.locator("main a.tile[href='/staff/appeals/']"))
    desk.check("appeals")
    row = desk.page.locator("#appeals tbody tr").filter(has=desk.page.locator(f"a[href='/staff/appeals/{appeal.pk}/']"))
    expect(row).to_contain_text("李明")
    expect(row.locator(".badge.wait")).to_have_count(0)
    desk.submit(row.locator(f"a[href='/staff/appeals/{appeal.pk}/']"))
    desk.check("appeal")
    adjust = desk.page.locator("form#adjust")
    expect(adjust.locator("h2")).to_have_text(tr("Resolve with an adjustment"))
    expect(adjust).to_contain_text(tr(FOUR_EYES_MSGIDS[0], limit="100"))
    desk.page.locator("#id_adjust-points").fill("150")
    desk.page.locator("#id_adjust-reason").fill(REASON)
    desk.check("appeal-proposing")
    desk.submit(adjust.locator("button[type=submit]"))
    assert desk.page.url == f"{live_server.url}/staff/appeals/{appeal.pk}/"
    desk.check("proposed")
    expect(desk.messages).to_contain_text(tr("Proposed. Another member of staff has to approve it before it posts."))
    expect(desk.page.locator("main h1 .status")).to_have_text(label(Appeal.Status.OPEN))
    proposal = desk.page.locator("#proposal")
    expect(proposal.locator("h2")).to_have_text(tr("Adjustment waiting for a second member of staff"))
    expect(proposal).to_contain_text("+150")
    expect(proposal).to_contain_text(REASON)
    appeal.refresh_from_db()
    when = timezone.localtime(appeal.proposed_at).strftime("%Y-%m-%d %H:%M")
    expect(proposal.locator(".help")).to_have_text(tr("Proposed by %(who)s on %(when)s.", who="陈静", when=when))
    # The proposer cannot approve their own proposal: only withdraw it.
    expect(proposal.locator("button[value=adjust_approve]")).to_have_count(0)
    expect(proposal.locator("button[value=adjust_decline]")).to_have_text(tr("Withdraw the proposal"))
    expect(adjust).to_have_count(0)
    assert (appeal.status, appeal.proposed_points, appeal.proposed_by) == ("open", Decimal("150"), world.staff_a)
    assert list(LedgerEntry.objects.all()) == [award], "a proposal posts nothing"

    # === 3. Her balance has not moved. ============================================================
    her.nav("/my/points/")
    her.check("my-points-while-proposed")
    expect(entries).to_have_count(1)
    expect(lifetime).to_have_text("30")
    expect(entries.first.locator(f"a[href='/my/appeals/{appeal.pk}/']")).to_have_text(tr("Appeal open"))

    # === 4. City staff see it waiting, open it and approve. =======================================
    city = Phone.open(chromium, live_server.url, shots, "city-staff")
    city.log_in(world.city_staff.email)
    city.nav("/staff/")
    city.submit(city.page.locator("main a.tile[href='/staff/appeals/']"))
    city.check("appeals-waiting")
    row = city.page.locator("#appeals tbody tr").filter(has=city.page.locator(f"a[href='/staff/appeals/{appeal.pk}/']"))
    expect(row).to_contain_text("李明")
    expect(row.locator(".badge.wait")).to_have_text(tr("Adjustment waiting for a second member of staff"))
    city.submit(row.locator(f"a[href='/staff/appeals/{appeal.pk}/']"))
    city.check("appeal-to-approve")
    proposal = city.page.locator("#proposal")
    expect(proposal).to_contain_text("+150")
    expect(proposal).to_contain_text(REASON)
    expect(proposal.locator(".help")).to_have_text(tr("Proposed by %(who)s on %(when)s.", who="陈静", when=when))
    expect(proposal.locator("button[value=adjust_decline]")).to_have_text(tr("Decline the proposal"))
    approve = proposal.locator("button[value=adjust_approve]")
    expect(approve).to_have_text(tr("Approve and post"))
    city.submit(approve)
    assert city.page.url == f"{live_server.url}/staff/appeals/{appeal.pk}/"
    city.check("approved")
    expect(city.messages).to_contain_text(tr("Approved: the adjustment is posted and the appeal closed."))
    expect(city.page.locator("main h1 .status")).to_have_text(label(Appeal.Status.ADJUSTED))
    resolution = city.page.locator("#resolution")
    expect(resolution).to_contain_text("+150")
    expect(resolution).to_contain_text(label(LedgerEntry.Kind.ADJUSTMENT))
    expect(resolution).to_contain_text(REASON)
    expect(city.page.locator("#thread li.from-staff .prewrap").last).to_have_text(REASON)
    for closed in ("#proposal", "#adjust", "#refuse", "#reply"):
        expect(city.page.locator(closed)).to_have_count(0)
    appeal.refresh_from_db()
    entry = appeal.resolution
    assert (appeal.status, appeal.resolved_by) == ("adjusted", world.city_staff)
    assert (entry.kind, entry.points, entry.contributor, entry.actor) == (
        "adjustment",
        Decimal("150.00"),
        world.lawyer_contributor,
        world.city_staff,
    )
    trail = AuditEntry.objects.get(action="adjustment_post", object_id=str(entry.pk))
    assert (trail.data["proposed_by"], trail.data["approved_by"]) == (world.staff_a.pk, world.city_staff.pk)

    # === 5. She sees the adjustment and the new balance. ==========================================
    her.nav("/my/points/")
    her.check("my-points-adjusted")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("+150")
    expect(entries.first).to_contain_text(label(LedgerEntry.Kind.ADJUSTMENT))
    expect(entries.first).to_contain_text(REASON)
    expect(entries.nth(1)).to_contain_text("+30")
    expect(lifetime).to_have_text("180")
    her.go(f"/my/appeals/{appeal.pk}/")
    her.check("appeal-closed")
    expect(page.locator("main h1 .status")).to_have_text(label(Appeal.Status.ADJUSTED))
    expect(page.locator("#resolution")).to_contain_text("+150")
    expect(page.locator("#proposal")).to_have_count(0)
    expect(page.locator("#reply")).to_have_count(0)

    # === 6. Nobody answers their own appeal: staff A is also a contributor here. ==================
    own_profile = ContributorFactory(user=world.staff_a, legal_name="陈静", region=world.district_a)
    own_entry = post(own_profile, timezone.localdate(), "2", "20", text="社区法律咨询")
    own = appeals.appeal_open(user=world.staff_a, contributor=own_profile, entry=own_entry, body="少算了一小时。")
    desk.go(f"/staff/appeals/{own.pk}/")
    desk.check("own-appeal")
    # The page says so and offers no decision; a forged one is refused by the service.
    expect(desk.page.locator("#own-appeal")).to_have_text(
        tr("This is your own appeal: another member of staff decides it.")
    )
    expect(desk.page.locator("form#adjust, form#refuse, form#proposal")).to_have_count(0)
    token = desk.page.locator("form#reply input[name=csrfmiddlewaretoken]").input_value()
    forged = desk.page.request.post(
        f"{desk.page.url}",
        form={"csrfmiddlewaretoken": token, "action": "adjust", "adjust-points": "10", "adjust-reason": "补记"},
        headers={"Referer": desk.page.url},
        max_redirects=0,
    )
    assert forged.status == 302
    desk.go(f"/staff/appeals/{own.pk}/")
    desk.check("own-appeal-refused")
    refusal = tr("You cannot decide on your own work: another member of staff has to make this decision.")
    assert "自己" in refusal, refusal
    expect(desk.messages).to_contain_text(refusal)
    own.refresh_from_db()
    assert (own.status, own.proposed_points) == ("open", None)
    assert not LedgerEntry.objects.filter(kind="adjustment", contributor=own_profile).exists()
