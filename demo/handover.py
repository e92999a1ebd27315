"""Demo: licence dates for everyone who holds a licence, the Chongqing-style rules on the 12348
hotline (a year in practice, no upheld complaint in three years, the firm's consent), and a
hand-over waiting for an answer: the demo lawyer offers one of her shifts to the firm's admin."""

from datetime import timedelta

from django.utils import timezone

from cms.models import OpportunityPage
from volunteers.models import Contributor, Signup
from volunteers.rota import services as rota

HOTLINE_SLUG = "hotline-12348"


def _licence_dates(today):
    """Between four months and twenty years in practice, fixed per person; the named demo lawyers
    have practised for years."""
    people = list(Contributor.objects.filter(kind__in=Contributor.LICENSED_KINDS).select_related("user"))
    for c in people:
        days = 120 + (c.pk * 7919) % (20 * 365)
        if c.user.email in ("lawyer@demo.cn", "firm.admin@demo.cn"):
            days = 6 * 365 + c.pk % 300
        c.licensed_on = today - timedelta(days=days)
    Contributor.objects.bulk_update(people, ["licensed_on"], batch_size=2000)
    return len(people)


def _hotline_rules():
    page = OpportunityPage.objects.filter(slug=HOTLINE_SLUG, locale__language_code="zh-hans").first()
    if page is None:
        return 0
    page.min_years_in_practice, page.no_complaint_years, page.firm_consent = 1, 3, True
    page.save_revision().publish()  # the shifts to come take the rules (cms.signals)
    return 1


def _pending_handover(now):
    by_email = {
        c.user.email: c
        for c in Contributor.objects.filter(user__email__in=["lawyer@demo.cn", "firm.admin@demo.cn"]).select_related(
            "user"
        )
    }
    lawyer, admin = by_email.get("lawyer@demo.cn"), by_email.get("firm.admin@demo.cn")
    if lawyer is None:
        return 0
    upcoming = Signup.objects.filter(
        contributor=lawyer, status=Signup.Status.CONFIRMED, shift__starts_at__gt=now + timedelta(days=2)
    ).order_by("shift__starts_at")[:20]
    for signup in upcoming:
        for audience, colleague in (("colleague", admin), ("firm", None)):
            if audience == "colleague" and colleague is None:
                continue
            try:
                rota.handover_offer(contributor=lawyer, signup=signup, audience=audience, colleague=colleague)
            except rota.SignupRefused:
                continue
            return 1
    return 0


def demo_handover(now=None):
    now = now or timezone.now()
    today = timezone.localdate(now)
    return {
        "licence dates": _licence_dates(today),
        "rota rules": _hotline_rules(),
        "hand-overs": _pending_handover(now),
    }
