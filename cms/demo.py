"""Demo pages: the home page's English translation and a few standard pages in both languages."""

from wagtail.models import Locale

from .models import HomePage, StandardPage

PAGES = [
    (
        "about-points", "关于公益积分", "About pro-bono points",
        "律师和法律服务工作者参与公共法律服务，按时长和服务类型获得积分。",
        "Lawyers and legal workers earn points for public legal service, by hours and type of service.",
        "积分来自经核实的服务记录，每一笔积分都可以追溯到具体的服务和计分规则。星级按累计服务时长评定："
        "100小时一星，300小时二星，600小时三星，1000小时四星，1500小时五星。",
        "Points come from verified service records, and every point can be traced to the service and the rule "
        "that produced it. Star levels follow cumulative verified hours: 100 h one star, 300 h two, 600 h three, "
        "1,000 h four and 1,500 h five.",
    ),
    (
        "how-to-join", "如何参与", "How to take part",
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
HOME_EN_INTRO = ("<p>Lawyers, notaries, mediators and volunteers sign up here for public legal service, have "
                 "their pro-bono hours recorded, and earn points and commendations.</p>")


def _paragraph(text):
    return [("paragraph", f"<p>{text}</p>")]


def _translate(page, locale, **fields):
    """The page's translation into `locale`, created or updated, and published."""
    translation = page.get_translation_or_none(locale)
    if translation is None:
        translation = page.copy_for_translation(locale, copy_parents=True, alias=False)
    translation = translation.specific
    for name, value in fields.items():
        setattr(translation, name, value)
    translation.save_revision().publish()
    return translation


def demo_pages():
    en = Locale.objects.get(language_code="en")
    home = HomePage.objects.filter(locale__language_code="zh-hans").first()
    if home is None:
        return 0
    _translate(home, en, title=HOME_EN_TITLE, draft_title=HOME_EN_TITLE, intro=HOME_EN_INTRO)
    made = 0
    for slug, zh_title, en_title, zh_intro, en_intro, zh_body, en_body in PAGES:
        page = StandardPage.objects.filter(slug=slug, locale=home.locale).first()
        if page is None:
            page = StandardPage(title=zh_title, slug=slug, intro=zh_intro, body=_paragraph(zh_body))
            home.add_child(instance=page)
            page.save_revision().publish()
            made += 1
        _translate(page, en, title=en_title, draft_title=en_title, intro=en_intro, body=_paragraph(en_body))
    return made
