"""Names that look like what they are: every form and import where staff or contributors type a name
refuses direction-changing, invisible and line-breaking characters, and stores full-width letters as
ordinary ones; emails typed with full-width characters are read as the ordinary address."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from cms.models import HonourRollPage
from core.text import INVISIBLE, LINE_BREAK
from pointbook.models import AwardCategory, PublicHoliday
from tests.factories import PASSWORD, UserFactory
from tests.support.i18n import zh
from tests.volunteers.test_imports import confirm, csv_file, roster, roster_rows, upload
from volunteers.models import Contributor, Organisation, Region, ServiceType, User, Venue

BAD_NAMES = {
    "right-to-left override": ("李明\u202e师律", INVISIBLE),
    "zero-width characters only": ("\u200b\u200b\u200b", INVISIBLE),
    "bidi isolates": ("\u2066李明\u2069", INVISIBLE),
    "line break": ("李\n明", LINE_BREAK),
}
# Full-width letters, ideographic spaces around and inside, and Chinese brackets (which stay).
FULL_WIDTH, NORMALISED = "\u3000Ｌｉ\u3000Ｍｉｎｇ（二）\u3000", "Li Ming（二）"


@dataclass
class NameForm:
    who: str  # a named user of `world`, "newcomer" (no profile yet) or "superuser"
    url: Callable
    data: Callable  # (world, name) -> the POST
    names: Callable  # (world) -> every stored value of the field, to see what a POST saved


def _profile(w, name):
    return {
        "kind": "lawyer",
        "legal_name": name,
        "phone": "13912345678",
        "region": w.township_a.pk,
        "licence_number": "14104201810654321",
    }


def _staff_person(w, name):
    return {
        "kind": "lawyer",
        "legal_name": name,
        "phone": w.lawyer_contributor.phone,
        "region": w.district_a.pk,
        "licence_number": w.lawyer_contributor.licence_number or "14104201810600001",
    }


def _award(field):
    def data(w, name):
        names = {"name_zh": "优秀公益律师", "name_en": "Outstanding pro-bono lawyer", field: name}
        return {
            "year": timezone.localdate().year,
            "region": w.city.pk,
            "basis": "top_district",
            "top_n": 1,
            "notice_working_days": 5,
            **names,
        }

    return data


def _values(model, field):
    return lambda w: sorted(model.objects.values_list(field, flat=True))


FORMS = {
    "contributor's own profile": NameForm(
        "newcomer", lambda w: "/profile/edit/", _profile, _values(Contributor, "legal_name")
    ),
    "contributor edited by staff": NameForm(
        "staff_a",
        lambda w: f"/staff/people/{w.lawyer_contributor.pk}/",
        _staff_person,
        _values(Contributor, "legal_name"),
    ),
    "organisation": NameForm(
        "staff_a",
        lambda w: "/staff/organisations/new/",
        lambda w, name: {
            "name": name,
            "kind": "law_firm",
            "region": w.township_a.pk,
            "licence_number": "31410000123",
            "address": "",
            "phone": "",
        },
        _values(Organisation, "name"),
    ),
    "venue": NameForm(
        "staff_a",
        lambda w: "/staff/venues/new/",
        lambda w, name: {"name": name, "kind": "village_room", "region": w.village_a.pk, "is_active": "on"},
        _values(Venue, "name"),
    ),
    "region": NameForm(
        "staff_a",
        lambda w: f"/staff/regions/{w.township_a.pk}/add/",
        lambda w, name: {"code": "410402001002", "name": name},
        _values(Region, "name"),
    ),
    "award (Chinese name)": NameForm(
        "city_staff", lambda w: reverse("staff_commendations"), _award("name_zh"), _values(AwardCategory, "name_zh")
    ),
    "award (English name)": NameForm(
        "city_staff", lambda w: reverse("staff_commendations"), _award("name_en"), _values(AwardCategory, "name_en")
    ),
    "service type (Wagtail snippet)": NameForm(
        "superuser",
        lambda w: "/cms-admin/snippets/volunteers/servicetype/add/",
        lambda w, name: {"code": "new-type", "name_zh": name, "name_en": "New type", "sort_order": 100},
        _values(ServiceType, "name_zh"),
    ),
    "public holiday (Django admin)": NameForm(
        "superuser",
        lambda w: "/django-admin/pointbook/publicholiday/add/",
        lambda w, name: {"date": "2031-10-01", "name": name},
        _values(PublicHoliday, "name"),
    ),
}


def _client(world, who):
    if who == "newcomer":
        user = UserFactory(email="newcomer@example.cn")
    elif who == "superuser":
        user = UserFactory(email="root@example.cn", is_staff=True, is_superuser=True)
    else:
        user = getattr(world, who)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("kind", FORMS)
@pytest.mark.parametrize("problem", BAD_NAMES)
def test_a_name_with_invisible_or_line_breaking_characters_is_refused_and_nothing_is_saved(world, kind, problem):
    form, (name, message) = FORMS[kind], BAD_NAMES[problem]
    before = form.names(world)
    response = _client(world, form.who).post(form.url(world), form.data(world, name))
    assert response.status_code == 200  # the form again, not a redirect to what was saved
    assert zh(message) in response.content.decode()
    assert form.names(world) == before


@pytest.mark.parametrize("kind", FORMS)
def test_a_name_typed_with_full_width_letters_is_stored_with_ordinary_ones(world, kind):
    form = FORMS[kind]
    before = form.names(world)
    response = _client(world, form.who).post(form.url(world), form.data(world, FULL_WIDTH))
    assert response.status_code == 302, response.content.decode()[-3000:]
    after = form.names(world)
    assert NORMALISED in after and NORMALISED not in before
    assert not any("Ｌ" in name or "\u3000" in name for name in after)


@pytest.mark.parametrize("problem", BAD_NAMES)
def test_the_objection_form_refuses_such_a_name_too(problem):
    from pointbook.commendations.forms import ObjectionForm

    name, message = BAD_NAMES[problem]
    form = ObjectionForm(data={"body": "该律师本年度曾被投诉。", "name": name})
    assert not form.is_valid() and form.errors["name"] == [str(message)]
    form = ObjectionForm(data={"body": "该律师本年度曾被投诉。", "name": FULL_WIDTH})
    assert form.is_valid() and form.cleaned_data["name"] == NORMALISED


# --- Wagtail pages whose titles are names: opportunities and honour rolls --------------------------------


def _page_form(page, **changes):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    fields = {"title": page.title, "slug": page.slug, "comments": inline_formset([])}
    if isinstance(page, HonourRollPage):
        fields["intro"] = rich_text("<p>表彰名单</p>")
    else:
        fields.update(
            summary=page.summary,
            service_type=page.service_type_id,
            region=page.region_id,
            venue=page.venue_id,
            description=rich_text("<p>说明</p>"),
            contact_name="",
            contact_phone="",
            contact_email="",
            min_years_in_practice=page.min_years_in_practice,
            no_complaint_years=page.no_complaint_years,
        )
    return nested_form_data({**fields, **changes})


def _saved(page, field):
    """`field` of the page as last saved in the editor (a draft revision until published)."""
    fresh = Page.objects.get(pk=page.pk)
    latest = fresh.get_latest_revision()
    return getattr(latest.as_object() if latest else fresh.specific, field)


@pytest.fixture
def honour_roll(world, home_page):
    return home_page.add_child(instance=HonourRollPage(title="年度优秀公益律师光荣榜", slug="honour-roll"))


@pytest.fixture
def pages(world, rota, honour_roll):
    root = UserFactory(email="root@example.cn", is_staff=True, is_superuser=True)
    return {
        "opportunity title": (rota.opportunity_a, "title", "staff_a"),
        "opportunity contact person": (rota.opportunity_a, "contact_name", "staff_a"),
        "honour roll title": (honour_roll, "title", root),
    }


def _editor(world, who):
    client = Client()
    client.force_login(getattr(world, who) if isinstance(who, str) else who)
    return client


@pytest.mark.parametrize("kind", ["opportunity title", "opportunity contact person", "honour roll title"])
@pytest.mark.parametrize("problem", BAD_NAMES)
def test_a_page_title_or_contact_with_such_characters_is_refused(world, pages, kind, problem):
    page, field, who = pages[kind]
    name, message = BAD_NAMES[problem]
    before = _saved(page, field)
    response = _editor(world, who).post(f"/cms-admin/pages/{page.pk}/edit/", _page_form(page, **{field: name}))
    assert response.status_code == 200
    assert zh(message) in response.content.decode()
    assert _saved(page, field) == before


@pytest.mark.parametrize("kind", ["opportunity title", "opportunity contact person", "honour roll title"])
def test_a_page_title_or_contact_typed_full_width_is_saved_normalised(world, pages, kind):
    page, field, who = pages[kind]
    response = _editor(world, who).post(f"/cms-admin/pages/{page.pk}/edit/", _page_form(page, **{field: FULL_WIDTH}))
    assert response.status_code == 302, response.context["form"].errors
    assert _saved(page, field) == NORMALISED


# --- The model refuses it whoever writes it ------------------------------------------------------------


@pytest.mark.parametrize("problem", BAD_NAMES)
def test_full_clean_refuses_such_a_name_on_every_name_field(world, problem):
    name, message = BAD_NAMES[problem]
    for obj, field in (
        (world.lawyer_contributor, "legal_name"),
        (world.firm_a, "name"),
        (world.venue_a, "name"),
        (world.township_a, "name"),
    ):
        setattr(obj, field, name)
        with pytest.raises(ValidationError) as refused:
            obj.full_clean()
        assert refused.value.message_dict[field] == [str(message)], (obj, field)


def test_full_clean_refuses_a_name_of_spaces_only(world):
    world.firm_a.name = "\u3000 "
    with pytest.raises(ValidationError) as refused:
        world.firm_a.full_clean()
    assert "name" in refused.value.message_dict


# --- Imports -----------------------------------------------------------------------------------------


def _organisations(world, names):
    rows = [f"{name},律师事务所,4100000000000{n:04d},{world.district_a.code},,,是" for n, name in enumerate(names)]
    return "名称,类别,执业许可证号,区划代码,地址,电话,信誉良好\n" + "\n".join(rows) + "\n"


def _regions(world, names):
    rows = [f"41040200{n + 5},{name},{world.district_a.code}" for n, name in enumerate(names)]
    return "区划代码,名称,上级区划代码\n" + "\n".join(rows) + "\n"


def _venues(world, names):
    rows = [f"{name},村（社区）法律服务室,{world.village_a.code},,是,是" for name in names]
    return "名称,类别,区划代码,地址,农村或偏远,在用\n" + "\n".join(rows) + "\n"


def _roster(world, names):
    rows = roster_rows(world, len(names))
    return roster(world, [f"{name},{row.split(',', 1)[1]}" for name, row in zip(names, rows, strict=True)])


IMPORTS = {
    "contributors": (_roster, "姓名", _values(Contributor, "legal_name")),
    "organisations": (_organisations, "名称", _values(Organisation, "name")),
    "regions": (_regions, "名称", _values(Region, "name")),
    "venues": (_venues, "名称", _values(Venue, "name")),
}


@pytest.mark.parametrize("kind", IMPORTS)
@pytest.mark.parametrize("problem", ["right-to-left override", "zero-width characters only", "bidi isolates"])
def test_an_import_with_one_such_name_among_good_rows_writes_nothing_and_names_the_row(
    world, client_for, kind, problem
):
    make, column, names = IMPORTS[kind]
    client = client_for("staff_a")
    before = names(world)
    text = make(world, ["甲一", "乙二", BAD_NAMES[problem][0], "丁四"])
    response = upload(client, kind, csv_file(text))
    plan = response.context["plan"]
    assert not plan.ok and plan.problem_count == 1
    problem_row = plan.problems[0]
    assert (problem_row.row, problem_row.column) == (4, column)  # the header is row 1
    assert zh(BAD_NAMES[problem][1]) in problem_row.message
    # The cell is quoted with the invisible characters spelt out, so the message reads as written.
    assert "<U+" in problem_row.message and "\u202e" not in problem_row.message
    assert response.context["token"] is None  # nothing to confirm
    assert names(world) == before


def test_a_line_break_inside_a_name_cell_is_a_row_error(world, client_for):
    client = client_for("staff_a")
    text = _venues(world, ["甲一", '"光明\n社区服务室"'])
    plan = upload(client, "venues", csv_file(text)).context["plan"]
    assert [(p.row, p.column) for p in plan.problems] == [(3, "名称")]
    assert zh(LINE_BREAK) in plan.problems[0].message
    assert not Venue.objects.filter(name__startswith="光明").exists()


def test_an_imported_name_with_full_width_letters_is_stored_normalised(world, client_for):
    client = client_for("staff_a")
    response = upload(client, "venues", csv_file(_venues(world, ["Ｘ村法律服务室（东）"])))
    assert response.context["plan"].ok, response.context["plan"].problems
    confirm(client, response)
    assert Venue.objects.filter(name="X村法律服务室（东）", region=world.village_a).exists()


# --- Emails ------------------------------------------------------------------------------------------


def test_an_email_written_with_full_width_characters_imports_the_person_with_the_ordinary_address(world, client_for):
    client = client_for("staff_a")
    row = roster_rows(world, 1)[0].replace("qian0@example.cn", "ｂａｄ１＠Ｅｘａｍｐｌｅ.ｃｎ")
    response = upload(client, "contributors", csv_file(roster(world, [row])))
    assert response.context["plan"].ok, response.context["plan"].problems
    confirm(client, response)
    person = Contributor.objects.get(legal_name="钱律师0")
    assert person.user.email == "bad1@example.cn"
    assert person.user.emailaddress_set.get().email == "bad1@example.cn"
    # The same file again finds the person.
    assert upload(client, "contributors", csv_file(roster(world, [row]))).context["plan"].unchanged == 1


def test_an_email_with_a_zero_width_space_in_the_domain_is_refused_by_the_import(world, client_for):
    client = client_for("staff_a")
    row = roster_rows(world, 1)[0].replace("qian0@example.cn", "qian0@exa\u200bmple.cn")
    plan = upload(client, "contributors", csv_file(roster(world, [row]))).context["plan"]
    assert [(p.row, p.column) for p in plan.problems] == [(2, "电子邮箱")]
    assert not User.objects.filter(email__startswith="qian0@").exists()


def test_staff_add_an_organisation_admin_by_an_email_typed_full_width(world, client_for):
    newcomer = UserFactory(email="new.admin@example.cn")
    response = client_for("staff_a").post(
        f"/staff/organisations/{world.firm_a.pk}/admins/", {"email": "ｎｅｗ.ａｄｍｉｎ＠ｅｘａｍｐｌｅ.ｃｎ"}
    )
    assert response.status_code == 302
    assert newcomer in world.firm_a.admins.all()


def test_signing_up_with_a_full_width_email_creates_the_account_with_the_ordinary_address(db, client):
    response = client.post(
        reverse("account_signup"),
        {"email": "ｎｅｗ.ｌａｗｙｅｒ＠Ｅｘａｍｐｌｅ.ｃｎ", "password1": "Xk9!mQ2#vLp7", "password2": "Xk9!mQ2#vLp7"},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert User.objects.filter(email="new.lawyer@example.cn").exists()


def test_signing_up_with_a_zero_width_space_in_the_email_is_refused(db, client):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@exa\u200bmple.cn", "password1": "Xk9!mQ2#vLp7", "password2": "Xk9!mQ2#vLp7"},
    )
    assert response.status_code == 200
    assert zh(INVISIBLE) in response.content.decode()
    assert not User.objects.exists()


def test_signing_in_with_the_email_typed_full_width_works(db, client):
    user = UserFactory(email="lawyer2@example.cn")  # verified, with the factories' password
    response = client.post(
        reverse("account_login"), {"login": "ｌａｗｙｅｒ２＠ｅｘａｍｐｌｅ.ｃｎ", "password": PASSWORD}
    )
    assert response.status_code == 302, response.context["form"].errors
    assert client.session["_auth_user_id"] == str(user.pk)
