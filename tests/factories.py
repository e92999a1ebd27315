"""factory_boy factories for people and places.

Regions are treebeard nodes, so they are made with `Region.add_root` / `parent.add_child`
(never `objects.create`): pass `parent=` for anything below the city level.
"""

import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from factory.django import DjangoModelFactory
from wagtail.models import Page

from volunteers.models import (
    Contributor,
    Membership,
    Organisation,
    Region,
    ServiceType,
    Shift,
    StaffProfile,
    Venue,
)

PASSWORD = "correct horse battery staple"

# Numeric region codes by level, 6 / 6 / 9 / 12 digits as in the national division codes.
_CODE_FORMATS = {1: "41{:04d}", 2: "42{:04d}", 3: "430{:06d}", 4: "440{:09d}"}
_LEVEL_NAMES = {1: "市", 2: "区", 3: "街道", 4: "社区"}


class UserFactory(DjangoModelFactory):
    """An account that can log in: email address set as allauth's verified primary address."""

    class Meta:
        model = "volunteers.User"
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    first_name = ""
    last_name = ""
    password = factory.django.Password(PASSWORD)
    is_active = True

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class RegionFactory(DjangoModelFactory):
    """A region; without `parent` a new city (root), otherwise a child one level below."""

    class Meta:
        model = Region

    parent = None
    level = factory.LazyAttribute(lambda o: o.parent.level + 1 if o.parent is not None else Region.Level.CITY)
    code = factory.LazyAttributeSequence(lambda o, n: _CODE_FORMATS[o.level].format(n))
    name = factory.LazyAttributeSequence(lambda o, n: f"测试{_LEVEL_NAMES[o.level]}{n}")

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.add_root(**kwargs)
        # A fresh copy: treebeard computes the new path from the parent's child count, and the
        # caller's instance may be stale.
        return model_class.objects.get(pk=parent.pk).add_child(**kwargs)


class VenueFactory(DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"公共法律服务站{n}")
    kind = Venue.Kind.WORKSTATION
    region = factory.SubFactory(RegionFactory)
    address = factory.Sequence(lambda n: f"人民路{n}号")


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试律师事务所{n}")
    kind = Organisation.Kind.LAW_FIRM
    region = factory.SubFactory(RegionFactory)
    licence_number = factory.Sequence(lambda n: f"3141{n:013d}")

    @factory.post_generation
    def admins(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.admins.add(*extracted)


def _licence_for(kind, n):
    if kind not in Contributor.LICENSED_KINDS:
        return None
    return f"1410{n:013d}"  # 17 digits, unique per sequence number


class ContributorFactory(DjangoModelFactory):
    class Meta:
        model = Contributor
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    kind = Contributor.Kind.LAWYER
    legal_name = factory.Sequence(lambda n: f"张律师{n:03d}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    region = factory.SubFactory(RegionFactory)
    licence_number = factory.LazyAttributeSequence(lambda o, n: _licence_for(o.kind, n))
    profile_completed_at = factory.LazyFunction(timezone.now)


class MembershipFactory(DjangoModelFactory):
    """An active membership by default; pass status=PENDING for an open request."""

    class Meta:
        model = Membership

    contributor = factory.SubFactory(ContributorFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    status = Membership.Status.ACTIVE
    started_on = factory.LazyAttribute(
        lambda o: (
            timezone.localdate() - datetime.timedelta(days=365)
            if o.status in (Membership.Status.ACTIVE, Membership.Status.ENDED)
            else None
        )
    )
    decided_at = factory.LazyAttribute(lambda o: timezone.now() if o.status != Membership.Status.PENDING else None)


class StaffProfileFactory(DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    region = factory.SubFactory(RegionFactory)
    title = "科员"

    @classmethod
    def _create(cls, model_class, *args, user, region, title, **kwargs):
        from volunteers.people.services import staff_profile_save

        return staff_profile_save(actor=None, user=user, region=region, title=title)


def opportunity_create(
    *,
    venue=None,
    region=None,
    service_type="hotline_12348",
    eligible_kinds=(),
    title="12348热线值班",
    slug=None,
    publish=True,
):
    """A published opportunity page under the site's opportunity list (made by cms's migration)."""
    from cms.models import OpportunityIndexPage, OpportunityPage

    venue = venue or VenueFactory(region=region) if region is not None else venue or VenueFactory()
    index = OpportunityIndexPage.objects.get(locale__language_code="zh-hans")
    page = OpportunityPage(
        title=title,
        slug=slug or f"opp-{OpportunityPage.objects.count() + 1}-{venue.pk}",
        service_type=ServiceType.objects.get(code=service_type),
        region=venue.region,
        venue=venue,
        eligible_kinds=list(eligible_kinds),
        summary=f"{title}摘要",
        description="<p>说明</p>",
        live=publish,
    )
    index.add_child(instance=page)
    if publish:
        page.save_revision().publish()
    return page


class ShiftFactory(DjangoModelFactory):
    """A three-hour shift a week ahead at a venue. The opportunity defaults to the site's home page
    (any Wagtail page will do for the rota rules); pass `opportunity=opportunity_create(...)` when
    the test is about opportunity pages."""

    class Meta:
        model = Shift

    opportunity = factory.LazyFunction(lambda: Page.objects.filter(depth=2).first())
    service_type = factory.LazyFunction(lambda: ServiceType.objects.get(code="hotline_12348"))
    venue = factory.SubFactory(VenueFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=3))
    capacity = 2
    signup_deadline = factory.LazyAttribute(lambda o: o.starts_at - datetime.timedelta(hours=12))
    cancel_deadline = factory.LazyAttribute(lambda o: o.starts_at - datetime.timedelta(hours=24))
