"""Demo pages: the home page's English translation and a few standard pages in both languages."""

from wagtail.models import Locale

from cms.models import HomePage, OpportunityIndexPage, OpportunityPage, StandardPage
from cms.translations import page_translate

PAGES = [
    (
        "about-points",
        "关于公益积分",
        "About pro-bono points",
        "律师和法律服务工作者参与公共法律服务，按时长和服务类型获得积分。",
        "Lawyers and legal workers earn points for public legal service, by hours and type of service.",
        "积分来自经核实的服务记录，每一笔积分都可以追溯到具体的服务和计分规则。星级按累计服务时长评定："
        "100小时一星，300小时二星，600小时三星，1000小时四星，1500小时五星。",
        "Points come from verified service records, and every point can be traced to the service and the rule "
        "that produced it. Star levels follow cumulative verified hours: 100 h one star, 300 h two, 600 h three, "
        "1,000 h four and 1,500 h five.",
    ),
    (
        "how-to-join",
        "如何参与",
        "How to take part",
        "注册账号、完善个人资料、加入所在机构，即可报名值班。",
        "Sign up, complete your profile and join your organisation to take shifts.",
        "使用电子邮箱注册并验证后，填写执业类别、姓名、手机号码、服务区域和执业证号，并申请加入所在的律师事务所"
        "或其他法律服务机构。机构管理员确认后，您的公益服务将计入机构的公益服务档案。",
        "Sign up with your email address and verify it, then give your kind of practice, name, mobile number, "
        "region and licence number, and ask to join your law firm or other legal service organisation. Once the "
        "organisation's administrator confirms, your pro-bono work counts towards the organisation's record.",
    ),
]

HOME_EN_TITLE = "Public legal service pro-bono points"
HOME_EN_INTRO = (
    "<p>Lawyers, notaries, mediators and volunteers sign up here for public legal service, have "
    "their pro-bono hours recorded, and earn points and commendations.</p>"
)


def _paragraph(text):
    return [("paragraph", f"<p>{text}</p>")]


def demo_pages():
    en = Locale.objects.get(language_code="en")
    home = HomePage.objects.filter(locale__language_code="zh-hans").first()
    if home is None:
        return 0
    page_translate(home, en, title=HOME_EN_TITLE, draft_title=HOME_EN_TITLE, intro=HOME_EN_INTRO)
    made = 0
    for slug, zh_title, en_title, zh_intro, en_intro, zh_body, en_body in PAGES:
        page = StandardPage.objects.filter(slug=slug, locale=home.locale).first()
        if page is None:
            page = StandardPage(title=zh_title, slug=slug, intro=zh_intro, body=_paragraph(zh_body))
            home.add_child(instance=page)
            page.save_revision().publish()
            made += 1
        page_translate(page, en, title=en_title, draft_title=en_title, intro=en_intro, body=_paragraph(en_body))
    return made


# slug, zh title, en title, service type, venue kind (first of the region), region: "city" or district
# index, eligible kinds, weekdays, times, places, min staffing, every N weeks, zh summary, en summary
OPPORTUNITIES = [
    (
        "hotline-12348",
        "12348公共法律服务热线值班",
        "12348 public legal service hotline duty",
        "hotline_12348",
        "hotline_seat",
        "city",
        ["lawyer", "grassroots_worker"],
        (0, 1, 2, 3, 4, 5, 6),
        ((9, 0, 12, 0), (14, 0, 17, 30)),
        2,
        1,
        1,
        "每天上午、下午各一班，接听群众法律咨询电话。司法部要求每天至少有一名律师在岗。",
        "A morning and an afternoon shift every day, answering the public's legal questions by phone. The Ministry "
        "of Justice expects at least one lawyer on duty every day.",
    ),
    (
        "court-duty-lawyer-0",
        "法院值班律师",
        "Duty lawyer at the court",
        "duty_lawyer",
        "court",
        0,
        ["lawyer"],
        (0, 1, 2, 3, 4),
        ((9, 0, 17, 0),),
        1,
        1,
        1,
        "为刑事案件犯罪嫌疑人、被告人提供法律帮助。仅限执业律师。",
        "Legal help for suspects and defendants in criminal cases. Practising lawyers only.",
    ),
    (
        "court-duty-lawyer-1",
        "法院值班律师",
        "Duty lawyer at the court",
        "duty_lawyer",
        "court",
        1,
        ["lawyer"],
        (0, 2, 4),
        ((9, 0, 12, 0),),
        1,
        1,
        1,
        "为刑事案件犯罪嫌疑人、被告人提供法律帮助。仅限执业律师。",
        "Legal help for suspects and defendants in criminal cases. Practising lawyers only.",
    ),
    (
        "village-clinic",
        "村（居）法律顾问驻点服务",
        "Village legal clinic",
        "village_adviser",
        "workstation",
        0,
        [],
        (1,),
        ((9, 0, 12, 0),),
        3,
        1,
        2,
        "隔周二上午在乡镇公共法律服务工作站为村民解答法律问题，律师、基层法律服务工作者和志愿者均可报名。",
        "Every other Tuesday morning at the township workstation, answering villagers' legal questions. Lawyers, "
        "grassroots legal workers and volunteers are all welcome.",
    ),
    (
        "centre-window",
        "公共法律服务中心窗口接待",
        "Public legal service centre front desk",
        "consultation",
        "centre",
        1,
        [],
        (0, 1, 2, 3, 4),
        ((9, 0, 12, 0),),
        2,
        1,
        1,
        "在区公共法律服务中心窗口接待来访群众，提供咨询和引导。",
        "Receiving visitors at the district public legal service centre's front desk, with advice and referrals.",
    ),
]


# More village clinics as the demo grows, so the rota grows with the city.
EXTRA_CLINICS = {"small": 0, "city": 12, "large": 60}


def demo_opportunities(scale_name="small"):
    """Published opportunity pages (with English translations) and a quarter of their rota."""
    from demo.people import RotaPlan, demo_rota
    from volunteers.models import Region, ServiceType, Venue

    index = OpportunityIndexPage.objects.filter(locale__language_code="zh-hans").first()
    city = Region.objects.filter(depth=1).first()
    if index is None or city is None:
        return {}
    en = Locale.objects.get(language_code="en")
    page_translate(
        index,
        en,
        title="Service opportunities",
        draft_title="Service opportunities",
        intro="<p>12348 hotline duty, village legal clinics, the court's duty-lawyer seat… pick your shifts "
        "and sign up in one click.</p>",
    )
    districts = list(city.get_children().order_by("path"))
    plans = []
    for (
        slug,
        zh,
        en_title,
        code,
        venue_kind,
        where,
        kinds,
        weekdays,
        times,
        places,
        minimum,
        every,
        zh_sum,
        en_sum,
    ) in OPPORTUNITIES:
        region = city if where == "city" else districts[where % len(districts)]
        venue = (
            Venue.objects.filter(region__path__startswith=region.path, kind=venue_kind)
            .order_by("region__path", "id")
            .first()
        )
        service_type = ServiceType.objects.get(code=code)
        title = f"{venue.region.name}{zh}" if where != "city" else zh
        page = OpportunityPage(
            title=title,
            slug=slug,
            service_type=service_type,
            region=venue.region,
            venue=venue,
            eligible_kinds=kinds,
            summary=zh_sum,
            description=f"<p>{zh_sum}</p>",
            contact_name="公共法律服务管理处",
            contact_phone="0877-12348",
        )
        index.add_child(instance=page)
        page.save_revision().publish()
        page_translate(
            page,
            en,
            title=en_title if where == "city" else f"{en_title} ({venue.region.name})",
            draft_title=en_title,
            summary=en_sum,
            description=f"<p>{en_sum}</p>",
        )
        plans.append(
            RotaPlan(
                opportunity_id=page.pk,
                venue=venue,
                service_type=service_type,
                eligible_kinds=kinds,
                weekdays=weekdays,
                times=times,
                capacity=places,
                min_staffing=minimum,
                every_weeks=every,
            )
        )
    clinic_type = ServiceType.objects.get(code="village_adviser")
    workstations = Venue.objects.filter(kind="workstation").select_related("region").order_by("region__path")
    for n, venue in enumerate(workstations[1 : EXTRA_CLINICS.get(scale_name, 0) + 1], start=1):
        page = OpportunityPage(
            title=f"{venue.region.name}村（居）法律顾问驻点服务",
            slug=f"village-clinic-{n}",
            service_type=clinic_type,
            region=venue.region,
            venue=venue,
            eligible_kinds=[],
            summary=OPPORTUNITIES[3][12],
            description=f"<p>{OPPORTUNITIES[3][12]}</p>",
            contact_name="公共法律服务管理处",
            contact_phone="0877-12348",
        )
        index.add_child(instance=page)
        page.save_revision().publish()
        plans.append(
            RotaPlan(
                opportunity_id=page.pk,
                venue=venue,
                service_type=clinic_type,
                eligible_kinds=[],
                weekdays=OPPORTUNITIES[3][7],  # every other Tuesday, as the summary says
                times=((9, 0, 12, 0),),
                capacity=3,
                every_weeks=2,
            )
        )
    counts = demo_rota(plans)
    return {"opportunities": len(plans), **counts}


def demo_opportunities_reset():
    for page in OpportunityPage.objects.all():
        page.delete()
