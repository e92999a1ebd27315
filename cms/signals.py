"""After an opportunity is published, its shifts to come take its service type and eligibility."""

from wagtail.signals import page_published


def sync_shifts(sender, instance, **kwargs):
    from volunteers.rota.services import opportunity_rules, opportunity_shifts_sync

    opportunity_shifts_sync(
        opportunity_id=instance.pk,
        service_type=instance.service_type_id,
        eligible_kinds=instance.eligible_kinds,
        **opportunity_rules(instance),
    )


def connect():
    from cms.models import OpportunityPage

    page_published.connect(sync_shifts, sender=OpportunityPage, dispatch_uid="cms_sync_opportunity_shifts")
