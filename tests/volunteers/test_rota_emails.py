"""Rota emails and the calendar feed.

Emails leave only once the change that causes them is committed (they are queued for the Celery
worker on commit; `queued_emails` plays the worker), in the recipient's language, as plain text
with nothing HTML-escaped. The confirmation carries the shift as an .ics file, and each person has
a private calendar feed of their confirmed shifts.
"""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from tests.factories import ContributorFactory, ShiftFactory, VenueFactory, opportunity_create
from volunteers.models import Signup
from volunteers.rota import services

TITLE = '婚姻 & 家事 "<咨询>" O\'Neil'
VENUE = "新华区 A&B <法律服务站>"
ADDRESS = '人民路 1 号 "东门"'
ESCAPES = ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#39;")


@pytest.fixture
def people(world):
    """The lawyer reads English, the other lawyer Chinese (the default)."""
    world.lawyer.language = "en"
    world.lawyer.save(update_fields=["language"])
    assert world.other_lawyer.language == "zh-hans"
    return {"en": world.lawyer_contributor, "zh-hans": world.other_lawyer_contributor}


@pytest.fixture
def shift(world):
    """A two-place shift a week ahead whose title and venue hold characters HTML would escape."""
    venue = VenueFactory(name=VENUE, address=ADDRESS, region=world.district_a)
    opportunity = opportunity_create(venue=venue, title=TITLE, slug="tricky")
    return ShiftFactory(opportunity=opportunity, venue=venue, capacity=2)


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _in(language, msgid):
    with translation.override(language):
        return translation.gettext(msgid)


def _to(contributor):
    found = [m for m in mail.outbox if m.to == [contributor.user.email]]
    assert len(found) == 1, [m.to for m in mail.outbox]
    return found[0]


def _check(message, language, *, subject, phrase, shift):
    """Subject and body in `language`, plain text, the shift's details unescaped."""
    if language != "en":  # the catalogue must really translate it, or "in Chinese" proves nothing
        assert _in(language, subject) != subject, f"no {language} translation of {subject!r}"
        assert _in(language, phrase) != phrase, f"no {language} translation of {phrase!r}"
        assert phrase not in message.body
    assert message.subject == f"{_in(language, subject) % {'date': _local(shift.starts_at)}} {TITLE}"
    assert _in(language, phrase) in message.body
    assert message.content_subtype == "plain"
    assert TITLE in message.body and VENUE in message.body and ADDRESS in message.body
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    assert f"{start:%Y-%m-%d}" in message.body and f"{start:%H:%M}–{end:%H:%M}" in message.body
    for escaped in ESCAPES:
        assert escaped not in message.subject and escaped not in message.body


def test_a_confirmation_is_sent_after_commit_in_each_persons_language(
    people, shift, queued_emails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for person in people.values():
            services.signup_create(contributor=person, shift=shift)
        assert queued_emails() == 0  # nothing is queued before the commit
    assert queued_emails() == 2

    for language, person in people.items():
        _check(
            _to(person),
            language,
            subject="Signed up: %(date)s",
            phrase="You are signed up for this shift:",
            shift=shift,
        )


def test_the_confirmation_carries_the_shift_as_a_calendar_file(
    people, shift, queued_emails, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for person in people.values():
            services.signup_create(contributor=person, shift=shift)
    queued_emails()

    service_names = {"en": shift.service_type.name_en, "zh-hans": shift.service_type.name_zh}
    for language, person in people.items():
        (attachment,) = _to(person).attachments
        filename, content, mimetype = attachment
        assert filename == "shift.ics" and mimetype.startswith("text/calendar")
        (event,) = Calendar.from_ical(content).walk("VEVENT")
        assert event["DTSTART"].dt == shift.starts_at
        assert event["DTEND"].dt == shift.ends_at
        assert str(event["SUMMARY"]) == f"{service_names[language]} · {TITLE}"
        assert str(event["LOCATION"]) == f"{VENUE}, {ADDRESS}"
        assert str(event["STATUS"]) == "CONFIRMED"


def test_a_cancellation_email_follows_each_cancelled_signup(
    people, shift, queued_emails, django_capture_on_commit_callbacks
):
    signups = {language: services.signup_create(contributor=person, shift=shift) for language, person in people.items()}

    with django_capture_on_commit_callbacks(execute=True):
        for language, person in people.items():
            services.signup_cancel(contributor=person, signup=signups[language])
        assert queued_emails() == 0
    assert queued_emails() == 2

    for language, person in people.items():
        message = _to(person)
        _check(
            message,
            language,
            subject="Cancelled: %(date)s",
            phrase="Your sign-up for this shift is cancelled.",
            shift=shift,
        )
        # The same event, now cancelled, so a calendar that imported the confirmation drops it.
        (attachment,) = message.attachments
        (event,) = Calendar.from_ical(attachment[1]).walk("VEVENT")
        assert str(event["UID"]) == f"signup-{signups[language].pk}@127.0.0.1:8000"
        assert str(event["STATUS"]) == "CANCELLED"


def test_an_offer_email_tells_each_person_in_line_until_when_the_place_is_held(
    people, shift, queued_emails, django_capture_on_commit_callbacks
):
    holders = [ContributorFactory(), ContributorFactory()]
    held = [services.signup_create(contributor=holder, shift=shift) for holder in holders]
    for person in people.values():
        services.signup_join_waitlist(contributor=person, shift=shift)

    with django_capture_on_commit_callbacks(execute=True):
        for holder, signup in zip(holders, held, strict=True):
            services.signup_cancel(contributor=holder, signup=signup)
        assert queued_emails() == 0
    assert queued_emails() == 4  # two cancellations, two offers

    for language, person in people.items():
        message = _to(person)
        _check(
            message,
            language,
            subject="A place is free for you: %(date)s",
            phrase="A place came free on a shift you are waiting for, and it is held for you:",
            shift=shift,
        )
        offer = Signup.objects.get(shift=shift, contributor=person)
        assert offer.status == Signup.Status.OFFERED
        assert _local(offer.offer_expires_at) in message.body


def test_a_shift_cancelled_email_gives_the_bureaus_reason(
    world, people, shift, queued_emails, django_capture_on_commit_callbacks
):
    for person in people.values():
        services.signup_create(contributor=person, shift=shift)

    with django_capture_on_commit_callbacks(execute=True):
        services.shift_cancel(actor=world.staff_a, scope=world.district_a, shift=shift, reason="停电 & <检修>")
        assert queued_emails() == 0
    assert queued_emails() == 2

    shift.refresh_from_db()
    for language, person in people.items():
        message = _to(person)
        _check(
            message,
            language,
            subject="Shift cancelled by the bureau: %(date)s",
            phrase="The bureau has cancelled this shift. You do not need to come.",
            shift=shift,
        )
        assert "停电 & <检修>" in message.body


def test_the_reminder_job_reminds_each_person_once_in_their_language(people, shift):
    for person in people.values():
        services.signup_create(contributor=person, shift=shift)
    two_hours_before = shift.starts_at - datetime.timedelta(hours=2)

    assert services.reminders_send(now=two_hours_before) == 2
    assert services.reminders_send(now=two_hours_before) == 0  # the next run finds them sent

    assert len(mail.outbox) == 2
    for language, person in people.items():
        _check(
            _to(person),
            language,
            subject="Reminder: your shift at %(date)s",
            phrase="A reminder of your shift:",
            shift=shift,
        )
        assert Signup.objects.get(shift=shift, contributor=person).reminder_sent_at is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_nothing_is_sent_when_the_transaction_rolls_back(queued_emails):
    person, shift = ContributorFactory(), ShiftFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        services.signup_create(contributor=person, shift=shift)
        raise RuntimeError("a later step of the same request failed")

    assert queued_emails() == 0 and mail.outbox == []
    assert not Signup.objects.exists()

    services.signup_create(contributor=person, shift=shift)  # commits at once (autocommit)
    assert queued_emails() == 1
    assert [m.to for m in mail.outbox] == [[person.user.email]]


# --- The calendar feed ----------------------------------------------------------------------------


def _feed(token):
    return Client().get(reverse("calendar_feed", args=[token]))  # no login: the address is the secret


def test_the_calendar_feed_lists_every_confirmed_shift_and_nothing_else(world, rota):
    person = world.lawyer_contributor
    in_days = timezone.now().replace(microsecond=0) + datetime.timedelta(days=9)
    cancelled_shift = ShiftFactory(venue=world.venue_a, starts_at=in_days)
    full_shift = ShiftFactory(venue=world.venue_a, capacity=1, starts_at=in_days + datetime.timedelta(days=1))
    gone = services.signup_create(contributor=person, shift=cancelled_shift)
    services.signup_cancel(contributor=person, signup=gone)
    services.signup_create(contributor=world.other_lawyer_contributor, shift=full_shift)
    services.signup_join_waitlist(contributor=person, shift=full_shift)
    token = services.calendar_token_reset(contributor=person)

    response = _feed(token)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = {str(e["UID"]).split("@")[0]: e for e in Calendar.from_ical(response.content).walk("VEVENT")}
    confirmed = {rota.signup_a: rota.shift_a, rota.past_signup_a: rota.past_shift_a}
    assert set(events) == {f"signup-{signup.pk}" for signup in confirmed}
    for signup, its_shift in confirmed.items():
        event = events[f"signup-{signup.pk}"]
        assert event["DTSTART"].dt == its_shift.starts_at and event["DTEND"].dt == its_shift.ends_at
        assert world.venue_a.name in str(event["LOCATION"])


def test_an_unknown_or_replaced_calendar_address_is_not_found(world, rota):
    assert _feed("no-such-token").status_code == 404
    person = world.lawyer_contributor
    old = services.calendar_token_reset(contributor=person)
    assert _feed(old).status_code == 200

    new = services.calendar_token_reset(contributor=person)

    assert new != old
    assert _feed(old).status_code == 404
    assert _feed(new).status_code == 200
