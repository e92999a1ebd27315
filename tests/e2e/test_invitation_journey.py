"""Invited by an import, on a phone: a staff member of district A imports a two-person roster and ticks
"email an invitation"; the job page says two invitations are queued. One invitee opens the link from
her email, chooses a password and lands signed in; she opens the account page (email, password,
two-factor, language), adds a second address and confirms it on the confirm page, which reads
naturally in Chinese. Every page is photographed into /tmp/pb-shots/invite-*.png at 390×844.
"""

import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.phones import Phone, Shots
from volunteers.models import ImportJob, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path("/tmp/pb-shots")
HEADERS = "姓名*,类型*,执业证号,所属机构执业许可证号,手机号码*,电子邮箱*,区划代码*"
PEOPLE = [
    ("吴婷", "14104202010000031", "13900000031", "wu.ting@example.cn"),
    ("郑凯", "14104202010000032", "13900000032", "zheng.kai@example.cn"),
]
PASSWORD = "Gongyi-Yaoqing-2025"


def roster(world):
    lines = [HEADERS] + [
        ",".join([name, "律师", licence, world.firm_a.licence_number, mobile, email, world.district_a.code])
        for name, licence, mobile, email in PEOPLE
    ]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def test_staff_invite_an_imported_roster_and_an_invitee_sets_her_password(live_server, chromium, world, eager_celery):
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = Shots(SHOTS, "invite")
    mail.outbox.clear()

    # === Staff: import with invitations ticked. =====================================================
    desk = Phone.open(chromium, live_server.url, shots, "staff")
    page = desk.page
    desk.log_in(world.staff_a.email)
    desk.go("/staff/imports/")
    page.locator("#import-upload #id_kind").select_option("contributors")
    page.locator("#import-upload #id_file").set_input_files(
        {"name": "花名册.csv", "mimeType": "text/csv", "buffer": roster(world)}
    )
    desk.submit(page.locator("#import-upload button[type=submit]"))
    desk.check("preview")
    invite = page.locator("#import-invite input[name=invite]")
    expect(page.locator("#import-invite")).to_contain_text("给新增人员发送邀请邮件")
    expect(invite).not_to_be_checked()  # staff choose explicitly
    invite.check()
    desk.submit(page.locator("#import-confirm button[type=submit]"))
    desk.check("job")
    job = ImportJob.objects.get()
    assert (job.status, job.invited) == ("done", 2)
    expect(page.locator("#count-invited")).to_have_text("2")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p[3] for p in PEOPLE)

    # === The invitee: the email's link, a password, signed in. =====================================
    message = next(m for m in mail.outbox if m.to == [PEOPLE[0][3]])
    assert message.subject == "公共法律服务公益积分：请设置您的密码"
    assert "吴婷 您好：" in message.body
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", message.body).group(0)
    assert link.startswith(live_server.url)
    her = Phone.open(chromium, live_server.url, shots, "invitee")
    her.go(link)
    her.check("set-password")
    expect(her.page.locator("h1")).to_have_text("设置您的密码")
    her.page.locator("input[name=password1]").fill(PASSWORD)
    her.page.locator("input[name=password2]").fill(PASSWORD)
    her.submit(her.page.locator("main button[type=submit]"))
    her.check("signed-in")
    expect(her.messages).to_contain_text("密码已保存。")
    expect(her.page.locator("header.site form[action='/accounts/logout/']")).to_have_count(1)
    user = User.objects.get(email=PEOPLE[0][3])
    assert user.check_password(PASSWORD)
    assert EmailAddress.objects.get(user=user, email=PEOPLE[0][3]).verified

    # === The account page from the nav. ============================================================
    her.nav("/account/")
    her.check("account")
    main = her.page.locator("main")
    expect(main.locator("h1")).to_have_text("我的账号")
    expect(main.locator("#account-email")).to_contain_text(PEOPLE[0][3])
    expect(main.locator("#account-email")).to_contain_text("已确认")
    expect(main.locator("#account-password a")).to_have_text("修改密码")
    expect(main.locator("#mfa-state")).to_have_text("未开启")
    expect(main.locator("#account-language button[value=en]")).to_have_count(1)

    # === The password and two-factor pages it links to.
    her.submit(main.locator("#account-password a"))
    her.check("password-change")
    her.go("/account/")
    her.submit(her.page.locator("main #account-mfa a"))
    her.check("mfa")
    her.go("/account/")
    main = her.page.locator("main")

    # === A second address, confirmed on the confirm page. ==========================================
    her.submit(main.locator("#account-email a"))
    her.check("email-page")
    mail.outbox.clear()
    her.page.locator("main #id_email").fill("wu.ting@home.example.cn")
    her.submit(her.page.locator("main button[name=action_add]"))
    [confirmation] = mail.outbox
    assert confirmation.subject == "公共法律服务公益积分：请确认您的电子邮箱"
    assert "请确认 wu.ting@home.example.cn 是您在公共法律服务公益积分使用的电子邮箱" in confirmation.body
    her.go(re.search(r"https?://\S+/accounts/confirm-email/\S+/", confirmation.body).group(0))
    her.check("confirm-email")
    expect(her.page.locator("#confirm-what")).to_have_text(
        "wu.ting@home.example.cn 是您的电子邮箱吗？点击“确认”后，即可在公共法律服务公益积分使用这个邮箱。"
    )
    her.submit(her.page.locator("main button[type=submit]"))
    assert EmailAddress.objects.get(email="wu.ting@home.example.cn").verified

    # === The account page in English. ==============================================================
    her.go("/account/")
    her.submit(her.page.locator("#account-language button[value=en]"))
    her.page.screenshot(path=shots.path("invitee-account-en"), full_page=True)
    expect(her.page.locator("html")).to_have_attribute("lang", "en")
    expect(her.page.locator("main h1")).to_have_text("My account")
    assert her.page.evaluate("document.documentElement.scrollWidth") <= 390
    assert User.objects.get(pk=user.pk).language == "en"
