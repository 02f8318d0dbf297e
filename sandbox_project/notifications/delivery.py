"""Turn an EmailLog row into a message and send it at most once per claim."""

import base64
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from notifications import failures, retry
from notifications.models import EmailLog

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What one delivery attempt did: sent, retry, failed or skipped."""

    status: str
    log: EmailLog | None
    error: Exception | None = None
    delay: float | None = None


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
        status=EmailLog.Status.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now(),
        next_attempt_at=None,
    )
    return EmailLog.objects.get(pk=log_id) if claimed else None


def claim_many(log_ids):
    """Claim every queued row among `log_ids` with one UPDATE; return the claimed rows.

    A row is claimed when this UPDATE moved it to sending: rows another sender
    holds stay as they are. `claim_token` tells this claim's rows from others.
    """
    token = uuid.uuid4().hex
    EmailLog.objects.filter(pk__in=log_ids, status=EmailLog.Status.QUEUED).update(
        status=EmailLog.Status.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now(),
        next_attempt_at=None, claim_token=token,
    )
    return list(EmailLog.objects.filter(pk__in=log_ids, claim_token=token).order_by("pk"))


def deliver(log_id, connection=None, *, allow_retry=True):
    """Claim and send one row; a row already claimed or sent is skipped."""
    log = claim(log_id)
    if log is None:
        return Outcome("skipped", EmailLog.objects.filter(pk=log_id).first())
    return send_claimed(log, connection, allow_retry=allow_retry)


def send_claimed(log, connection=None, *, allow_retry=True):
    """Send a claimed row and record the outcome on it."""
    message = build_message(log, connection)
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        if allow_retry and failures.is_transient(exc) and retry.attempts_left(log):
            delay = failures.retry_after(exc) or retry.backoff(log.attempts)
            mark_retry(log, exc, delay)
            return Outcome("retry", log, exc, delay)
        mark_failed(log, exc)
        return Outcome("failed", log, exc)
    mark_sent(log, provider_id(message))
    return Outcome("sent", log)


def mark_sent(log, message_id):
    """Record a successful send."""
    log.status = EmailLog.Status.SENT
    log.sent_at = timezone.now()
    log.provider_message_id = message_id or log.provider_message_id
    log.last_error = ""
    log.save(update_fields=["status", "sent_at", "provider_message_id", "last_error",
                            "updated_at"])
    logger.info("sent %s email %s to %s", log.kind, log.pk, log.recipient)


def mark_retry(log, error, delay):
    """Put the row back in the queue, due again after `delay` seconds."""
    log.status = EmailLog.Status.QUEUED
    log.last_error = describe(error)
    log.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    log.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
    logger.warning("%s email %s to %s failed (attempt %d), retry in %.1f s: %s", log.kind,
                   log.pk, log.recipient, log.attempts, delay, log.last_error)


def mark_failed(log, error):
    """Record why a send did not happen; the row keeps everything needed to resend."""
    log.status = EmailLog.Status.FAILED
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
