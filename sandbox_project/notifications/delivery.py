"""Turn an EmailLog row into a message and send it exactly once."""

import base64
import logging

from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from notifications.models import EmailLog

logger = logging.getLogger(__name__)


def build_message(log, connection=None):
    """Rebuild the email stored in `log`, headers and attachments included."""
    message = EmailMultiAlternatives(
        subject=log.subject,
        body=log.text_body,
        from_email=log.from_email,
        to=[log.recipient],
        headers=dict(log.headers),
        connection=connection,
    )
    if log.html_body:
        message.attach_alternative(log.html_body, "text/html")
    for item in log.attachments:
        message.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
    return message


def claim(log_id):
    """Move the row from queued to sending; return it, or None if another sender has it.

    The conditional UPDATE is the lock: of two workers given the same id, one
    updates a row and the other updates none.
    """
    claimed = EmailLog.objects.filter(pk=log_id, status=EmailLog.Status.QUEUED).update(
        status=EmailLog.Status.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    return EmailLog.objects.get(pk=log_id) if claimed else None


def send_claimed(log, connection=None):
    """Send a claimed row and record the outcome; re-raise any sending error."""
    message = build_message(log, connection)
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        mark_failed(log, exc)
        raise
    mark_sent(log, provider_id(message))
    return log


def mark_sent(log, message_id):
    """Record a successful send."""
    log.status = EmailLog.Status.SENT
    log.sent_at = timezone.now()
    log.provider_message_id = message_id or ""
    log.last_error = ""
    log.save(update_fields=["status", "sent_at", "provider_message_id", "last_error",
                            "updated_at"])
    logger.info("sent %s email %s to %s", log.kind, log.pk, log.recipient)


def mark_failed(log, error, status=EmailLog.Status.FAILED):
    """Record why a send did not happen; the row keeps everything needed to retry."""
    log.status = status
    log.last_error = describe(error)
    log.save(update_fields=["status", "last_error", "updated_at"])
    logger.warning("%s email %s to %s not sent: %s", log.kind, log.pk, log.recipient,
                   log.last_error)


def describe(error):
    """Return a one-line description of an error for the log row."""
    text = str(error).strip() or error.__class__.__name__
    return f"{error.__class__.__name__}: {text}"[:2000]


def provider_id(message):
    """Return the id the provider gave the message, else its Message-ID header."""
    return getattr(message, "provider_message_id", "") or message.extra_headers.get(
        "Message-ID", "")
