"""A firm's public-service record: the figures (from the ledger, counted only on the days each person
belonged), the page, the XLSX export, the PDF statement with its number and QR code, and who may see it.

Dates are in the previous calendar year so every month and the year's end are in the past."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext, pgettext
from openpyxl import load_workbook
from pypdf import PdfReader

from pointbook.commendations.certificates import certificate_issue, certificate_revoke, verify_url
from pointbook.commendations.documents import certificate_pdf
from pointbook.firm_record.selectors import GUIDELINE_HOURS, firm_record
from pointbook.firm_record.services import statement_issue
from pointbook.models import Certificate, LedgerEntry, Standing, StandingsSnapshot
from pointbook.spreadsheets import safe_cell
from tests.factories import ContributorFactory, MembershipFactory, UserFactory
from tests.support.ledger import post
from volunteers.models import AuditEntry, Membership, ServiceType

YEAR = timezone.localdate().year - 1
ACTIVE, ENDED = Membership.Status.ACTIVE, Membership.Status.ENDED


def day(month, dom):
    return datetime.date(YEAR, month, dom)


def url(name, organisation, year=YEAR):
    return f"{reverse(name, args=[organisation.pk])}?year={year}"


def issue(client, organisation, year=YEAR):
    """The firm admin presses "Issue the PDF statement" on the record page."""
    return client.post(reverse("firm_statement_issue", args=[organisation.pk]) + f"?year={year}")


def pdf_text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def workbook(content):
    return load_workbook(io.BytesIO(content))


def _t(response, msgid, context=None):
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return pgettext(context, msgid) if context else gettext(msgid)


@pytest.fixture
def firm(world):
    """Firm A's year: 李明 all year, 陈静 who moved from firm A to firm B on 1 July, and 周伟 who joined
    firm A on 1 October; entries before, on and after the days each belonged."""
    f = type("Firm", (), {})()
    f.consult = ServiceType.objects.get(code="consultation")
    f.hotline = ServiceType.objects.get(code="hotline_12348")
    lawyer = world.lawyer_contributor
    # The fixture's lawyer has belonged to firm A for the last 365 days; make it all of last year.
    Membership.objects.filter(pk=world.lawyer_membership.pk).update(started_on=datetime.date(YEAR - 1, 6, 1))
    Membership.objects.filter(pk=world.other_lawyer_membership.pk).update(started_on=datetime.date(YEAR - 1, 6, 1))
    f.lawyer = lawyer
    f.mover = ContributorFactory(legal_name="陈静", region=world.district_a)
    MembershipFactory(
        contributor=f.mover,
        organisation=world.firm_a,
        status=ENDED,
        started_on=datetime.date(YEAR - 1, 3, 1),
        ended_on=day(7, 1),
    )
    MembershipFactory(contributor=f.mover, organisation=world.firm_b, status=ACTIVE, started_on=day(7, 1))
    f.joiner = ContributorFactory(legal_name="周伟", region=world.district_a)
    MembershipFactory(contributor=f.joiner, organisation=world.firm_a, status=ACTIVE, started_on=day(10, 1))

    # 李明: 40 h + 20 h consultation, a penalty with no service type; and 200 h the year before (stars).
    post(lawyer, day(1, 10), "40", "400", service_type=f.consult)
    post(lawyer, day(3, 5), "20", "300", service_type=f.hotline)
    post(lawyer, day(3, 20), None, "-15", kind=LedgerEntry.Kind.PENALTY)
    post(lawyer, datetime.date(YEAR - 1, 8, 1), "200", "2000", service_type=f.consult)
    # 陈静: 10 h in firm A (June 30, the last day), 30 h in firm B (July 1, the day she moved, onward).
    post(f.mover, day(6, 30), "10", "100", service_type=f.consult)
    post(f.mover, day(7, 1), "30", "450", service_type=f.hotline)
    # 周伟: 5 h before joining (counts for nobody), 8 h after.
    post(f.joiner, day(9, 30), "5", "50", service_type=f.consult)
    post(f.joiner, day(11, 2), "8", "80", service_type=f.consult)
    # 王芳 of firm B: never in firm A's figures.
    post(world.other_lawyer_contributor, day(2, 1), "70", "700", service_type=f.consult)
    return f


def test_figures_are_ledger_sums_counted_on_the_days_each_belonged(world, firm):
    record = firm_record(world.firm_a, YEAR)
    by_name = {m.legal_name: m for m in record.members}
    assert set(by_name) == {"李明", "陈静", "周伟"}
    li, chen, zhou = by_name["李明"], by_name["陈静"], by_name["周伟"]
    assert (li.hours, li.points) == (Decimal("60.00"), Decimal("685.00"))
    assert (chen.hours, chen.points) == (Decimal("10.00"), Decimal("100.00"))
    assert (zhou.hours, zhou.points) == (Decimal("8.00"), Decimal("80.00"))
    assert (record.hours, record.points) == (Decimal("78.00"), Decimal("865.00"))
    assert li.stars == 1  # 260 h up to the year's end
    assert [m.legal_name for m in record.below_guideline] == ["陈静", "周伟"]
    assert not li.part_year and chen.part_year and zhou.part_year
    assert chen.days == (day(7, 1) - day(1, 1)).days

    # The same person in firm B: only from the day she moved.
    other = {m.legal_name: m for m in firm_record(world.firm_b, YEAR).members}
    assert (other["陈静"].hours, other["陈静"].points) == (Decimal("30.00"), Decimal("450.00"))
    assert (other["王芳"].hours, other["王芳"].points) == (Decimal("70.00"), Decimal("700.00"))

    types = {line.service_type_id: (line.hours, line.points) for line in record.by_type}
    assert types == {
        firm.consult.pk: (Decimal("58.00"), Decimal("580.00")),
        firm.hotline.pk: (Decimal("20.00"), Decimal("300.00")),
        None: (Decimal("0.00"), Decimal("-15.00")),
    }
    assert record.by_type[-1].service_type_id is None  # "other" last
    months = [(line.month, line.hours, line.points) for line in record.by_month]
    assert len(months) == 12
    assert months[0] == (1, Decimal("40.00"), Decimal("400.00"))
    assert months[2] == (3, Decimal("20.00"), Decimal("285.00"))
    assert months[5] == (6, Decimal("10.00"), Decimal("100.00"))
    assert months[6] == (7, Decimal("0.00"), Decimal("0.00"))
    assert months[8] == (9, Decimal("0.00"), Decimal("0.00"))
    assert months[10] == (11, Decimal("8.00"), Decimal("80.00"))
    assert sum(line.points for line in record.by_month) == record.points
    assert record.rank is None


def test_commendations_of_the_year_are_listed_and_revoked_ones_are_not(world, firm):
    kept = certificate_issue(
        kind=Certificate.Kind.AWARD,
        contributor=firm.lawyer,
        holder_name="李明",
        title_zh="优秀公益律师",
        title_en="Outstanding pro-bono lawyer",
        year=YEAR,
        hours=Decimal(60),
        points=Decimal(685),
    )
    revoked = certificate_issue(
        kind=Certificate.Kind.AWARD,
        contributor=firm.lawyer,
        holder_name="李明",
        title_zh="撤销的奖项",
        title_en="Revoked award",
        year=YEAR,
        hours=1,
        points=1,
    )
    certificate_revoke(certificate_id=revoked.pk, actor=world.staff_a, reason="测试")
    certificate_issue(
        kind=Certificate.Kind.AWARD,
        contributor=firm.lawyer,
        holder_name="李明",
        title_zh="往年奖项",
        title_en="An older award",
        year=YEAR - 1,
        hours=1,
        points=1,
    )
    certificate_issue(
        kind=Certificate.Kind.AWARD,
        organisation=world.firm_a,
        holder_name=world.firm_a.name,
        title_zh="优秀公益律师事务所",
        title_en="Outstanding pro-bono firm",
        year=YEAR,
        hours=78,
        points=865,
    )
    certificate_issue(
        kind=Certificate.Kind.AWARD,
        organisation=world.firm_b,
        holder_name=world.firm_b.name,
        title_zh="别家的奖项",
        title_en="Another firm's award",
        year=YEAR,
        hours=1,
        points=1,
    )
    record = firm_record(world.firm_a, YEAR)
    li = next(m for m in record.members if m.legal_name == "李明")
    assert [c.title_zh for c in li.commendations] == [kept.title_zh]
    assert [c.title_zh for c in record.firm_commendations] == ["优秀公益律师事务所"]
    assert record.commendations == 1


def test_firm_admin_sees_the_page_with_rank_and_below_guideline_members(world, firm, client_for):
    snapshot = StandingsSnapshot.objects.create(year=YEAR, is_current=True)
    Standing.objects.create(
        snapshot=snapshot,
        scope=Standing.Scope.ORGANISATION,
        organisation=world.firm_b,
        rank=1,
        points=Decimal("1150"),
        hours=Decimal("100"),
    )
    Standing.objects.create(
        snapshot=snapshot,
        scope=Standing.Scope.ORGANISATION,
        organisation=world.firm_a,
        rank=2,
        points=Decimal("865"),
        hours=Decimal("78"),
    )
    # An older snapshot that is no longer current says something else: not shown.
    old = StandingsSnapshot.objects.create(year=YEAR, is_current=False)
    Standing.objects.create(
        snapshot=old,
        scope=Standing.Scope.ORGANISATION,
        organisation=world.firm_a,
        rank=9,
        points=Decimal("1"),
        hours=Decimal("1"),
    )

    response = client_for("firm_admin").get(url("firm_record", world.firm_a))
    assert response.status_code == 200
    page = response.content.decode()
    rank = re.search(r'id="firm-rank">(.*?)</div>', page, re.S).group(1)
    assert "2" in rank and "9" not in rank
    assert 'id="firm-hours">78<' in page and 'id="firm-points">865<' in page
    rows = re.findall(r"<tr( class=\"below-guideline\")?>\s*<td[^>]*>(\S+?)[ <]", page)
    marked = {name for below, name in rows if below}
    assert marked == {"陈静", "周伟"}
    assert "王芳" not in page  # firm B's member
    assert f'href="{url("firm_record_xlsx", world.firm_a)}"' in page
    # No statement yet: the button that issues one (a POST), no download link.
    assert f'action="{url("firm_statement_issue", world.firm_a)}"' in page
    assert 'id="statement-none"' in page and 'id="download-pdf"' not in page

    # A year with no snapshot: not ranked yet.
    response = client_for("firm_admin").get(url("firm_record", world.firm_a, YEAR - 1))
    rank = re.search(r'id="firm-rank">(.*?)</div>', response.content.decode(), re.S).group(1)
    assert escape(_t(response, "not ranked yet")) in rank


@pytest.mark.parametrize("year", ["abc", "1999", "99999", "²⁰²⁴", "２０２４", "-1", ""])
def test_a_bad_year_shows_the_current_year(world, client_for, year):
    for name in ("firm_record", "firm_record_xlsx"):
        response = client_for("firm_admin").get(f"{reverse(name, args=[world.firm_a.pk])}?year={year}")
        assert response.status_code == 200, name
    # No statement of this year: the page saying so, for the current year.
    response = client_for("firm_admin").get(f"{reverse('firm_record_pdf', args=[world.firm_a.pk])}?year={year}")
    assert response.status_code == 404 and f"?year={timezone.localdate().year}" in response.content.decode()
    page = client_for("firm_admin").get(f"{reverse('firm_record', args=[world.firm_a.pk])}?year={year}")
    assert f'<option value="{timezone.localdate().year}" selected>' in page.content.decode()


def test_xlsx_has_the_members_with_their_hours_and_only_this_firm(world, firm, client_for):
    response = client_for("firm_admin").get(url("firm_record_xlsx", world.firm_a))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = workbook(response.content)
    assert len(book.sheetnames) == 4
    members = book.worksheets[0]
    rows = {row[0]: row for row in members.iter_rows(min_row=2, values_only=True)}
    assert rows["李明"][5] == 60 and rows["李明"][6] == 685
    assert rows["陈静"][5] == 10
    assert "王芳" not in rows
    assert members.cell(1, 1).value == _t(response, "Name", "person")
    months = list(book.worksheets[2].iter_rows(min_row=2, max_row=13, values_only=True))
    assert [m[0] for m in months] == [f"{YEAR}-{n:02d}" for n in range(1, 13)]
    summary = {row[0]: row[1] for row in book.worksheets[3].iter_rows(min_row=2, values_only=True)}
    assert summary[_t(response, "Organisation")] == world.firm_a.name


def test_xlsx_headers_follow_the_language(world, firm, client_for):
    client = client_for("firm_admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url("firm_record_xlsx", world.firm_a))
    book = workbook(english.content)
    assert book.sheetnames == ["Members", "By service type", "By month", "Summary"]
    assert [c.value for c in book.worksheets[0][1]][:2] == ["Name", "Kind"]


def test_formula_looking_names_are_plain_text_in_the_xlsx(world, client_for):
    for name in ['=HYPERLINK("http://evil","x")', "+1+2", "-3", "@SUM(A1)", "\tTab", "\rCR"]:
        person = ContributorFactory(legal_name=name, region=world.district_a)
        MembershipFactory(contributor=person, organisation=world.firm_a, started_on=day(1, 1))
    response = client_for("firm_admin").get(url("firm_record_xlsx", world.firm_a))
    sheet = workbook(response.content).worksheets[0]
    names = [cell.value for cell in sheet["A"][1:] if cell.value != _t(response, "Total")]
    dangerous = [v for v in names if v and v[0] in "=+-@\t\r"]
    assert dangerous == []
    assert '\'=HYPERLINK("http://evil","x")' in names and "'@SUM(A1)" in names
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_safe_cell():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("李明") == "李明"
    assert safe_cell("a\x00b") == "ab"
    assert safe_cell(Decimal("-5")) == Decimal("-5")
    assert safe_cell(-5) == -5
    assert safe_cell(None) is None
    assert safe_cell(datetime.date(2025, 1, 1)) == datetime.date(2025, 1, 1)


def test_pdf_statement_names_the_firm_and_its_members_and_verifies(world, firm, client_for):
    client = client_for("firm_admin")
    issued = issue(client, world.firm_a)
    assert issued.status_code == 302 and issued["Location"] == url("firm_record", world.firm_a) + "#statement"
    response = client.get(url("firm_record_pdf", world.firm_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    statement = Certificate.objects.get(kind=Certificate.Kind.STATEMENT, organisation=world.firm_a)
    assert (statement.year, statement.hours, statement.points) == (YEAR, Decimal("78.00"), Decimal("865.00"))
    assert statement.holder_name == world.firm_a.name
    assert AuditEntry.objects.filter(
        action="certificate.issue", object_id=str(statement.pk), actor=world.firm_admin
    ).exists()
    text = pdf_text(response.content)
    for expected in (
        "李明",
        "陈静",
        "周伟",
        world.firm_a.name,
        world.firm_a.licence_number,
        statement.number,
        statement.issuer,
    ):
        assert expected in text, expected
    assert "王芳" not in text

    verify = client.get(reverse("certificate_verify", args=[statement.code]))
    assert verify.status_code == 200
    assert 'id="verify-genuine"' in verify.content.decode() and statement.number in verify.content.decode()
    assert verify_url(statement).endswith(f"/verify/{statement.code}/")


def test_pdf_statement_follows_the_language(world, firm, client_for):
    client = client_for("firm_admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    issue(client, world.firm_a)
    response = client.get(url("firm_record_pdf", world.firm_a))
    text = pdf_text(response.content)
    assert "Public-service record" in text and "Members" in text and "李明" in text


def test_downloading_never_issues_a_statement_and_issuing_twice_reuses_it_until_the_figures_change(
    world, firm, client_for
):
    client = client_for("firm_admin")
    statements = Certificate.objects.filter(kind=Certificate.Kind.STATEMENT, organisation=world.firm_a)
    # A download (a link anything may follow: a prefetch, a crawler) before any statement: a page saying
    # so with the button, and nothing issued.
    missing = client.get(url("firm_record_pdf", world.firm_a))
    assert missing.status_code == 404
    assert 'id="statement-none"' in missing.content.decode() and 'id="issue-statement"' in missing.content.decode()
    assert not statements.exists() and not AuditEntry.objects.filter(action="certificate.issue").exists()

    first_press = issue(client, world.firm_a)
    second_press = issue(client, world.firm_a)
    assert statements.count() == 1
    first = statements.get()
    page = client.get(second_press["Location"]).content.decode()
    assert (
        escape(
            _t(first_press, "Statement %(number)s already certifies these figures; nothing new was issued.")
            % {"number": first.number}
        )
        in page
    )
    assert 'id="statement-current"' in page and first.number in page
    for _ in range(2):
        assert first.number in pdf_text(client.get(url("firm_record_pdf", world.firm_a)).content)
    assert statements.count() == 1

    # New figures: the old statement is not handed out for them (its number certifies the old ones).
    post(firm.lawyer, day(12, 1), "2", "20", service_type=firm.consult)
    outdated = client.get(url("firm_record_pdf", world.firm_a))
    assert outdated.status_code == 404 and 'id="statement-outdated"' in outdated.content.decode()
    assert first.number in outdated.content.decode() and statements.count() == 1
    issue(client, world.firm_a)
    assert statements.count() == 2
    second = statements.exclude(pk=first.pk).get()
    assert second.hours == Decimal("80.00")
    text = pdf_text(client.get(url("firm_record_pdf", world.firm_a)).content)
    assert second.number in text and first.number not in text

    # A revoked statement is never handed out again.
    certificate_revoke(certificate_id=second.pk, actor=world.staff_a, reason="测试")
    assert client.get(url("firm_record_pdf", world.firm_a)).status_code == 404
    issue(client, world.firm_a)
    assert statements.count() == 3


def test_a_statement_is_issued_only_with_the_page_s_csrf_token(world, firm):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.firm_admin)
    assert issue(client, world.firm_a).status_code == 403
    assert not Certificate.objects.exists()
    page = client.get(url("firm_record", world.firm_a)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        reverse("firm_statement_issue", args=[world.firm_a.pk]) + f"?year={YEAR}", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Certificate.objects.filter(kind=Certificate.Kind.STATEMENT, organisation=world.firm_a).count() == 1


def test_staff_find_a_statement_by_number_and_revoke_it_with_a_reason(world, firm, client_for):
    """Staff of the firm's district find the statement, revoke it; its QR link then says revoked and the
    firm's next download issues a new statement."""
    admin = client_for("firm_admin")
    issue(admin, world.firm_a)
    statement = Certificate.objects.get(kind=Certificate.Kind.STATEMENT, organisation=world.firm_a)
    staff = client_for("staff_a")
    listing = staff.get(reverse("staff_statements"), {"q": statement.number}).content.decode()
    assert statement.number in listing and escape(world.firm_a.name) in listing
    assert statement.number not in staff.get(reverse("staff_statements"), {"q": "SM1999"}).content.decode()

    # No reason: refused in Chinese, nothing revoked.
    response = staff.post(reverse("staff_certificate_revoke", args=[statement.pk]), {"reason": "  "}, follow=True)
    assert _t(response, "Give the reason for revoking.") in response.content.decode()
    statement.refresh_from_db()
    assert statement.revoked_at is None

    response = staff.post(reverse("staff_certificate_revoke", args=[statement.pk]), {"reason": "统计有误"})
    assert response.status_code == 302 and reverse("staff_statements") in response["Location"]
    statement.refresh_from_db()
    assert statement.revoked_at is not None and statement.revoke_reason == "统计有误"
    assert AuditEntry.objects.filter(
        action="certificate.revoke", object_id=str(statement.pk), actor=world.staff_a
    ).exists()
    verify = admin.get(reverse("certificate_verify", args=[statement.code])).content.decode()
    assert 'id="verify-revoked"' in verify and "统计有误" in verify
    issue(admin, world.firm_a)
    assert (
        Certificate.objects.filter(
            kind=Certificate.Kind.STATEMENT, organisation=world.firm_a, revoked_at__isnull=True
        ).count()
        == 1
    )


def test_staff_of_another_district_can_neither_see_nor_revoke_a_statement(world, firm, client_for):
    issue(client_for("firm_admin"), world.firm_a)
    statement = Certificate.objects.get(kind=Certificate.Kind.STATEMENT, organisation=world.firm_a)
    other = client_for("staff_b")
    assert statement.number not in other.get(reverse("staff_statements")).content.decode()
    response = other.post(reverse("staff_certificate_revoke", args=[statement.pk]), {"reason": "越权"})
    assert response.status_code == 404
    # A statement is not an award certificate: no award PDF of it, even in scope.
    assert client_for("staff_a").get(reverse("staff_certificate_pdf", args=[statement.pk])).status_code == 404
    statement.refresh_from_db()
    assert statement.revoked_at is None
    assert client_for("firm_admin").get(reverse("staff_statements")).status_code in (302, 403)


def test_statement_issue_reuses_only_the_same_figures(world, firm):
    first, issued = statement_issue(organisation=world.firm_a, year=YEAR, actor=world.firm_admin)
    assert issued and (first.hours, first.points) == (Decimal("78.00"), Decimal("865.00"))
    assert statement_issue(organisation=world.firm_a, year=YEAR, actor=world.firm_admin) == (first, False)
    assert statement_issue(organisation=world.firm_a, year=YEAR - 1, actor=world.firm_admin)[0] != first
    assert statement_issue(organisation=world.firm_b, year=YEAR, actor=None)[0].organisation == world.firm_b
    # Renamed: the statement names the firm, so the old one no longer certifies it.
    world.firm_a.name += "（更名）"
    world.firm_a.save()
    renamed, issued = statement_issue(organisation=world.firm_a, year=YEAR, actor=world.firm_admin)
    assert issued and renamed.holder_name == world.firm_a.name and renamed != first


@pytest.mark.parametrize("name", ["firm_record", "firm_record_xlsx", "firm_record_pdf"])
def test_another_firms_admin_gets_404_and_a_non_admin_403(world, firm, client_for, name):
    from django.test import Client

    admin_b = UserFactory(email="admin.b@example.cn")
    world.firm_b.admins.add(admin_b)
    other = Client()
    other.force_login(admin_b)
    assert other.get(url(name, world.firm_a)).status_code == 404
    assert client_for("firm_admin").get(url(name, world.firm_b)).status_code == 404
    assert client_for("lawyer").get(url(name, world.firm_a)).status_code == 403
    assert client_for("staff_a").get(url(name, world.firm_a)).status_code == 403
    assert client_for("city_staff").get(url(name, world.firm_a)).status_code == 403
    anonymous = client_for("anonymous").get(url(name, world.firm_a))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert client_for("firm_admin").get(f"/org/{world.firm_a.pk + 1000}/record/").status_code == 404
    # Refused presses of "Issue" issue nothing.
    assert issue(other, world.firm_a).status_code == 404
    assert issue(client_for("firm_admin"), world.firm_b).status_code == 404
    assert issue(client_for("lawyer"), world.firm_a).status_code == 403
    assert issue(client_for("city_staff"), world.firm_a).status_code == 403
    assert not Certificate.objects.exists()

    if name == "firm_record_pdf":
        issue(other, world.firm_b)
    mine = other.get(url(name, world.firm_b))
    assert mine.status_code == 200
    if name == "firm_record_pdf":
        assert world.firm_b.name in pdf_text(mine.content) and world.firm_a.name not in pdf_text(mine.content)
    elif name == "firm_record_xlsx":
        names = [c.value for c in workbook(mine.content).worksheets[0]["A"]]
        assert "王芳" in names and "李明" not in names
    else:
        assert "王芳" in mine.content.decode() and "李明" not in mine.content.decode()


def _grow(world, firm, members, entries_each):
    consult = firm.consult
    for _ in range(members):
        person = ContributorFactory(region=world.district_a)
        MembershipFactory(contributor=person, organisation=world.firm_a, started_on=datetime.date(YEAR - 1, 1, 1))
        for n in range(entries_each):
            post(person, day(1 + n % 12, 1 + n % 28), "1.5", "15", service_type=consult)
        certificate_issue(
            kind=Certificate.Kind.AWARD,
            contributor=person,
            holder_name=person.legal_name,
            title_zh="优秀",
            title_en="Outstanding",
            year=YEAR,
            hours=1,
            points=1,
        )


def test_the_page_runs_a_constant_number_of_queries(world, firm, client_for):
    client = client_for("firm_admin")
    snapshot = StandingsSnapshot.objects.create(year=YEAR, is_current=True)
    Standing.objects.create(
        snapshot=snapshot,
        scope=Standing.Scope.ORGANISATION,
        organisation=world.firm_a,
        rank=1,
        points=Decimal("865"),
        hours=Decimal("78"),
    )
    target = url("firm_record", world.firm_a)

    def count():
        assert client.get(target).status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(target).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    _grow(world, firm, members=25, entries_each=8)
    big = count()
    assert small == big, f"{small} queries with 3 members, {big} with 28"
    print(f"firm record page: {big} queries")
    assert big <= 15
    assert len(firm_record(world.firm_a, YEAR).members) == 28

    # The statement's members table runs over to another page, its header repeated.
    issue(client, world.firm_a)
    reader = PdfReader(io.BytesIO(client.get(url("firm_record_pdf", world.firm_a)).content))
    assert len(reader.pages) >= 2
    last = firm_record(world.firm_a, YEAR).members[-1].legal_name
    assert last in reader.pages[-1].extract_text() or last in reader.pages[-2].extract_text()


def test_certificate_pdf_has_the_name_and_number(world, firm):
    certificate = certificate_issue(
        kind=Certificate.Kind.AWARD,
        contributor=firm.lawyer,
        holder_name="李明",
        title_zh="优秀公益律师",
        title_en="Outstanding pro-bono lawyer",
        year=YEAR,
        hours=Decimal("60"),
        points=Decimal("685"),
        actor=world.staff_a,
    )
    with translation.override("zh-hans"):
        text = pdf_text(certificate_pdf(certificate))
    assert "李明" in text and certificate.number in text and "优秀公益律师" in text
    assert certificate.issuer in text and "685" in text
    with translation.override("en"):
        text = pdf_text(certificate_pdf(certificate))
    assert "李明" in text and certificate.number in text and "Outstanding pro-bono lawyer" in text


def test_guideline_is_fifty_hours():
    assert GUIDELINE_HOURS == 50


def test_org_records_survives_a_superscript_year(world, client_for):
    response = client_for("firm_admin").get(f"{reverse('org_records', args=[world.firm_a.pk])}?year=²")
    assert response.status_code == 200
