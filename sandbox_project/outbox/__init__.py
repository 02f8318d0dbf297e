"""Captured outboxes: read what was sent, whatever the stage, as the same messages.

    from outbox import for_stage
    box = for_stage("mailhog")
    box.clear()
    ...send something...
    [message] = box.wait_for(1)
    assert message.subject == "Welcome"
"""

from outbox.base import Outbox, OutboxTimeout
from outbox.console import ConsoleOutbox
from outbox.files import FileOutbox
from outbox.locmem import LocmemOutbox
from outbox.mailhog import MailHogOutbox, MailHogUnavailable, SendGridMockOutbox
from outbox.message import CapturedAttachment, CapturedMessage, parse

__all__ = [
    "CapturedAttachment", "CapturedMessage", "ConsoleOutbox", "FileOutbox", "LocmemOutbox",
    "MailHogOutbox", "MailHogUnavailable", "Outbox", "OutboxTimeout", "SendGridMockOutbox",
    "for_stage", "parse",
]


def for_stage(stage=None, **options):
    """Return the outbox that reads what the given (or configured) stage sends."""
    from django.conf import settings

    stage = stage or settings.EMAIL_STAGE
    mailhog_url = options.pop("url", None) or getattr(settings, "MAILHOG_URL", "")
    if stage == "locmem":
        return LocmemOutbox()
    if stage == "file":
        return FileOutbox(options.pop("folder", settings.EMAIL_FILE_PATH))
    if stage == "console":
        return ConsoleOutbox(options.pop("stream"))
    if stage in ("mailhog", "smtp"):
        return MailHogOutbox(mailhog_url, **options)
    if stage == "sendgrid":
        return SendGridMockOutbox(mailhog_url, **options)
    raise ValueError(f"no outbox reads the {stage!r} stage")
