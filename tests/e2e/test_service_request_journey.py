"""A service request on phones: a villager asks for help on the public form (no account), district
staff dispatch it to the lawyer, she accepts, finishes it with the outcome and a photo as evidence
and shows the rating link; the villager rates it; staff approve the service record and the points
appear on her page. Every page at 390×844: no server error, Chinese, nothing wider than the phone;
screenshots in test-artifacts/e2e/request-*.png."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from pointbook.models import LedgerEntry
from tests.e2e.phones import Phone, Shots
from volunteers.models import ServiceRecord, ServiceRequest, ServiceType

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESCRIPTION = "邻居占用我家宅基地修围墙，协商不成，想问问怎么办。"
OUTCOME = "上门调解，双方签订协议，围墙后移半米。"


def test_villager_asks_staff_dispatch_lawyer_finishes_villager_rates_staff_approve_points(
    live_server, chromium, artifacts_dir, world, tmp_path
):
    shots = Shots(artifacts_dir, "request")

    # === 1. A villager asks for help, without an account. ===========================================
    villager = Phone.open(chromium, live_server.url, shots, "villager")
    villager.go("/help/")
    villager.check("form")
    form = villager.page.locator("#request-form")
    form.locator("input[name=name]").fill("张大爷")
    form.locator("input[name=phone]").fill("13912345678")
    form.locator("select[name=region]").select_option(str(world.village_a.pk))
    form.locator("select[name=service_type]").select_option(str(ServiceType.objects.get(code="mediation").pk))
    form.locator("textarea[name=description]").fill(DESCRIPTION)
    form.locator("input[name=special_groups][value=elderly]").check()
    villager.submit(form.locator("button[type=submit]"))
    villager.check("registered")
    req = ServiceRequest.objects.get()
    expect(villager.page.locator("#reference")).to_have_text(req.reference)
    expect(villager.page.locator("main")).not_to_contain_text("13912345678")

    # === 2. District staff dispatch it to the lawyer. ============================================
    desk = Phone.open(chromium, live_server.url, shots, "staff")
    desk.log_in(world.staff_a.email)
    desk.go("/staff/requests/")
    desk.check("queue")
    desk.submit(desk.page.locator(f"tr[data-request='{req.pk}'] a"))
    desk.check("request")
    expect(desk.page.locator("#person-phone")).to_have_text("13912345678")
    desk.page.locator(f"#dispatch-form input[value='{world.lawyer_contributor.pk}']").check()
    desk.submit(desk.page.locator("#dispatch"))
    desk.check("dispatched")
    req.refresh_from_db()
    assert (req.state, req.assignee) == ("dispatched", world.lawyer_contributor)

    # === 3. The lawyer accepts and finishes it with evidence. ====================================
    lawyer = Phone.open(chromium, live_server.url, shots, "lawyer")
    lawyer.log_in(world.lawyer.email)
    lawyer.go("/my/requests/")
    lawyer.check("my-requests")
    lawyer.submit(lawyer.page.locator(f"tr[data-request='{req.pk}'] a"))
    lawyer.submit(lawyer.page.locator("#accept"))
    lawyer.check("accepted")
    expect(lawyer.page.locator("#person-phone")).to_have_text("13912345678")
    photo = tmp_path / "调解现场.png"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())
    close = lawyer.page.locator("#close-form")
    close.locator("textarea[name=outcome]").fill(OUTCOME)
    close.locator("input[name=hours]").fill("2")
    close.locator("input[name=self_score][value='5']").check()
    close.locator("input[name=files]").set_input_files(str(photo))
    lawyer.submit(close.locator("#close"))
    lawyer.check("closed")
    req.refresh_from_db()
    assert req.state == "closed" and req.record.status == ServiceRecord.Status.SUBMITTED
    assert req.record.evidence.count() == 1
    rating_url = lawyer.page.locator("#rating-url").inner_text()
    expect(lawyer.page.locator("#closing-slip svg")).to_have_count(1)

    # === 4. The villager rates it through the link. ==============================================
    villager.go(rating_url)
    villager.check("rate")
    villager.page.locator("input[name=score][value='5']").check()
    villager.submit(villager.page.locator("#rate-form button[type=submit]"))
    villager.check("rated")
    expect(villager.page.locator("#rate-thanks")).to_have_count(1)
    req.refresh_from_db()
    assert req.public_score == 5 and req.evaluation == 5

    # === 5. Staff approve the record; the points appear on the lawyer's page. ====================
    desk.go(f"/staff/requests/{req.pk}/")
    desk.check("finished")
    expect(desk.page.locator("#evaluation")).to_contain_text("5.00")
    desk.submit(desk.page.locator("#record-link"))
    desk.check("record")
    desk.submit(desk.page.locator("#approve button[type=submit]"))
    desk.check("approved")
    award = LedgerEntry.objects.get(source=LedgerEntry.Source.SERVICE_RECORD, source_id=req.record_id)
    assert award.points > 0
    lawyer.go("/my/points/")
    lawyer.check("points")
    expect(lawyer.page.locator("#entries")).to_contain_text(str(award.points.normalize()).split(".")[0])
