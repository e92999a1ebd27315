"""iCalendar (RFC 5545) for confirmed shifts: the private feed and the email attachment."""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from core.http import absolute_url


def opportunity_title(page):
    """The opportunity's title in the active language (its live translation, if any)."""
    return page.specific.localized.title


def calendar_for_signups(signups, *, name=None):
    """An .ics document (bytes) with one event per sign-up. Each event's UID is stable per sign-up,
    so calendar apps update rather than duplicate it; cancelled ones are sent as CANCELLED."""
    calendar = Calendar()
    calendar.add("prodid", "-//probono points//rota//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name or _("My shifts"))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    host = urlsplit(settings.SITE_URL).netloc
    for signup in signups:
        shift = signup.shift
        event = Event()
        event.add("uid", f"signup-{signup.pk}@{host}")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("summary", f"{shift.service_type} · {opportunity_title(shift.opportunity)}")
        event.add("location", ", ".join(part for part in (shift.venue.name, shift.venue.address) if part))
        event.add("url", absolute_url(shift.opportunity.url or "/"))
        # Same UID as the confirmation: an updated or cancelled copy replaces the one imported.
        held = shift.status == shift.Status.SCHEDULED and signup.status == signup.Status.CONFIRMED
        event.add("status", "CONFIRMED" if held else "CANCELLED")
        calendar.add_component(event)
    return calendar.to_ical()
