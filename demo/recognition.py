"""Recognition in the demo: verified profiles, three years of standings, last year's commendation
approved (certificates issued) and this year's on public notice."""

import datetime
from decimal import Decimal

from django.utils import timezone

from pointbook.commendations import services as commendations
from pointbook.models import (
    AwardCategory,
    Certificate,
    Nomination,
    Objection,
    RecognitionReport,
    Standing,
    StandingsSnapshot,
    TargetPlan,
)
from pointbook.standings.services import standings_refresh
from volunteers.models import Contributor, Region


def demo_recognition(staff_user):
    today = timezone.localdate()
    # Bureau staff have checked nearly everyone; a few profiles wait, so eligibility rules show.
    Contributor.objects.filter(profile_completed_at__isnull=False).exclude(id__endswith="7").update(
        verified_at=timezone.now()
    )
    for year in (today.year - 2, today.year - 1, today.year):
        standings_refresh(year)
    city = Region.get_first_root_node()
    last = commendations.category_create(
        actor=staff_user,
        region=city,
        year=today.year - 1,
        name_zh="优秀公益法律服务工作者",
        name_en="Outstanding pro-bono legal worker",
        basis=AwardCategory.Basis.TOP_PER_DISTRICT,
        top_n=3,
    )
    commendations.nominees_draft(category_id=last.pk, actor=staff_user)
    commendations.notice_publish(category_id=last.pk, actor=staff_user)
    # As if the notice ran in January.
    AwardCategory.objects.filter(pk=last.pk).update(
        notice_starts_on=datetime.date(today.year, 1, 5), notice_ends_on=datetime.date(today.year, 1, 9)
    )
    certificates = commendations.category_approve(category_id=last.pk, actor=staff_user)
    firms = commendations.category_create(
        actor=staff_user,
        region=city,
        year=today.year - 1,
        name_zh="优秀公益律师事务所",
        name_en="Outstanding firm",
        basis=AwardCategory.Basis.TOP_FIRMS,
        top_n=5,
        profile_verified=False,
    )
    commendations.nominees_draft(category_id=firms.pk, actor=staff_user)
    # The threshold the 20th of the city reached, so the notice lists about twenty at every demo scale.
    twentieth = (
        Standing.objects.filter(
            snapshot__year=today.year, snapshot__is_current=True, scope=Standing.Scope.OVERALL, rank=20
        )
        .values_list("points", flat=True)
        .first()
    ) or Decimal("100")
    star = commendations.category_create(
        actor=staff_user,
        region=city,
        year=today.year,
        name_zh="公益之星",
        name_en="Public-service star",
        basis=AwardCategory.Basis.POINTS_AT_LEAST,
        min_points=max(Decimal("10"), twentieth // 10 * 10),
    )
    commendations.nominees_draft(category_id=star.pk, actor=staff_user)
    if star.nominations.exists():
        commendations.notice_publish(category_id=star.pk, actor=staff_user)
    return {
        "award categories": 3,
        "certificates": len(certificates),
        "nominees on notice": star.nominations.filter(status=Nomination.Status.NOMINATED).count(),
    }


def demo_recognition_reset():
    """Everything above (and reports and targets) goes before the people it names (the honour roll
    pages first: seed_demo deletes them)."""
    Certificate.objects.all().delete()
    Objection.objects.all().delete()
    Nomination.objects.all().delete()
    AwardCategory.objects.all().delete()
    Standing.objects.all().delete()
    StandingsSnapshot.objects.all().delete()
    RecognitionReport.objects.all().delete()
    TargetPlan.objects.all().delete()
