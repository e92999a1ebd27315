"""Email backends for tests that need sending to take time, fail, or leave a trace on disk.

`PB_TEST_MAIL_DELAY` (seconds, a setting; 0 when unset) is how long each message takes to "send".
"""

import os
import smtplib
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends import filebased, locmem


def _delay():
    return float(getattr(settings, "PB_TEST_MAIL_DELAY", 0) or 0)


class SlowFileBackend(filebased.EmailBackend):
    """Django's file backend, but one file per message (`<EMAIL_FILE_PATH>/<name>.eml`, written whole,
    then renamed into place) after a pause per message, so a test can kill a worker in the middle of
    a run and count what was sent. When the pause starts, a note naming the recipients is left in
    `<EMAIL_FILE_PATH>/sending/`: a test that sees one more note than messages knows the sender is
    pausing before its next message, not between writing one and recording it."""

    def send_messages(self, email_messages):
        folder = Path(self.file_path)
        (folder / "sending").mkdir(exist_ok=True)
        sent = 0
        for message in email_messages:
            name = f"{time.time_ns()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            (folder / "sending" / name).write_text(",".join(message.recipients()))
            time.sleep(_delay())
            part = folder / f".{name}.part"
            part.write_bytes(message.message().as_bytes())
            os.replace(part, folder / f"{name}.eml")
            sent += 1
        return sent


def sent_files(folder):
    """The messages a SlowFileBackend wrote to `folder`, oldest first."""
    return sorted(Path(folder).glob("*.eml"))


def sending_notes(folder):
    return sorted((Path(folder) / "sending").glob("*"))


class SlowLocmemBackend(locmem.EmailBackend):
    """The test outbox (`django.core.mail.outbox`), after a pause per message."""

    def send_messages(self, messages):
        sent = 0
        for message in messages:
            time.sleep(_delay())
            sent += super().send_messages([message])
        return sent


class RefusingLocmemBackend(locmem.EmailBackend):
    """The test outbox, except that, like a mail server that knows no such mailbox, it refuses
    messages to the addresses in the setting `PB_TEST_REFUSED_ADDRESSES`."""

    def send_messages(self, messages):
        refused = set(getattr(settings, "PB_TEST_REFUSED_ADDRESSES", ()))
        for message in messages:
            bad = {address: (550, b"5.1.1 No such mailbox") for address in message.recipients() if address in refused}
            if bad:
                raise smtplib.SMTPRecipientsRefused(bad)
        return super().send_messages(messages)
