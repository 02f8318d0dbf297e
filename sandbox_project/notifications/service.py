"""EmailService: the one entry point for every email the sandbox sends."""

import base64
import logging
import mimetypes
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.message import make_msgid
from django.db import transaction

from notifications import delivery, ratelimit
from notifications.addresses import address_only, check_header_value, normalize_recipient
from notifications.errors import EmailError, EmailInputError, MissingUnsubscribeError
from notifications.models import EmailLog
from notifications.rendering import EmailTemplates
from notifications.sendgrid import MAX_PERSONALIZATIONS

logger = logging.getLogger(__name__)

LOG_ID_HEADER = "X-Library-Email-Id"


@dataclass
class SendResult:
    """What happened to one email: sent, queued, failed or rate_limited."""

    status: str
    log: EmailLog | None = None
    error: str = ""
    retry_after: int = 0

    @property
    def ok(self):
        return self.status in ("sent", "queued")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = ""

    def as_json(self):
        mimetype = self.mimetype or mimetypes.guess_type(self.filename)[0]
        return {
            "filename": self.filename,
            "mimetype": mimetype or "application/octet-stream",
            "content": base64.b64encode(self.content).decode("ascii"),
        }


class EmailService:
    """Render, record and send emails, one EmailLog row per recipient."""

    def __init__(self, from_email=None):
        self.from_email = from_email or settings.DEFAULT_FROM_EMAIL

    def send(self, kind, to, context=None, *, attachments=(), headers=None,
             unsubscribe_url="", async_send=None, fail_silently=False, connection=None,
             templates=None, rate_limit=True):
        """Send one email of `kind` to `to`; return a SendResult.

        Bad input raises EmailInputError (or, with fail_silently, returns a failed
        result); either way the EmailLog row records why nothing was sent. Pass
        rate_limit=False only when the caller has already taken the slot.
        async_send (default: settings.EMAIL_ASYNC) hands the row to a Celery worker.
        """
        try:
            recipient = normalize_recipient(to)
        except EmailInputError as exc:
            return self._refuse(kind, to, exc, fail_silently)
        if rate_limit and not ratelimit.acquire(kind, address_only(recipient)):
            logger.info("rate limited %s email to %s", kind, recipient)
            return SendResult("rate_limited", error="Too many emails of this kind; try later.",
                              retry_after=ratelimit.window_for(kind))
        try:
            log = self.record(kind, recipient, context or {}, attachments=attachments,
                              headers=headers, unsubscribe_url=unsubscribe_url,
                              templates=templates)
        except EmailInputError as exc:
            return self._refuse(kind, recipient, exc, fail_silently)
        if settings.EMAIL_ASYNC if async_send is None else async_send:
            return self.enqueue(log)
        return self.deliver(log, connection=connection, fail_silently=fail_silently)

    def record(self, kind, recipient, context, *, attachments=(), headers=None,
               unsubscribe_url="", templates=None):
        """Render the email and store it as a queued EmailLog row."""
        log = self.build_row(kind, recipient, context, attachments=attachments,
                             headers=headers, unsubscribe_url=unsubscribe_url,
                             templates=templates)
        log.save()
        stamp(log)
        log.save(update_fields=["headers"])
        return log

    def build_row(self, kind, recipient, context, *, attachments=(), headers=None,
                  unsubscribe_url="", templates=None):
        """Render the email into an unsaved EmailLog row."""
        if kind in settings.EMAIL_BULK_KINDS and not unsubscribe_url:
            raise MissingUnsubscribeError(f"{kind} is bulk mail and needs an unsubscribe URL")
        templates = templates or EmailTemplates(kind)
        rendered = templates.render(
            {**context, "recipient": recipient, "unsubscribe_url": unsubscribe_url})
        return EmailLog(
            kind=kind, recipient=recipient, from_email=self.from_email,
            subject=rendered.subject, text_body=rendered.text, html_body=rendered.html,
            headers=self.headers_for(unsubscribe_url, headers or {}),
            attachments=[a.as_json() for a in attachments],
        )

    def headers_for(self, unsubscribe_url, extra):
        """Return checked headers, adding RFC 8058 one-click unsubscribe when asked."""
        headers = {name: check_header_value(name, value) for name, value in extra.items()}
        if unsubscribe_url:
            check_header_value("List-Unsubscribe", unsubscribe_url)
            headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return headers

    def deliver(self, log, *, connection=None, fail_silently=False):
        """Send a queued row now, in this process, in one attempt."""
        outcome = delivery.deliver(log.pk, connection, allow_retry=False)
        if outcome.status == "skipped":
            return SendResult(outcome.log.status, outcome.log)
        if outcome.status == "failed":
            if not fail_silently:
                raise outcome.error
            return SendResult("failed", outcome.log, error=outcome.log.last_error)
        return SendResult("sent", outcome.log)

    def enqueue(self, log):
        """Hand the row to a background worker once the transaction commits."""
        from notifications.tasks import send_email_log

        send_email_log.delay_on_commit(log.pk)
        return SendResult("queued", log)

    def resend(self, log, *, async_send=None):
        """Send a failed row again, with a fresh allowance of attempts."""
        reopened = EmailLog.objects.filter(pk=log.pk, status=EmailLog.Status.FAILED).update(
            status=EmailLog.Status.QUEUED, attempts=0, next_attempt_at=None)
        if not reopened:
            log.refresh_from_db()
            return SendResult(log.status, log, error="only failed emails can be sent again")
        if settings.EMAIL_ASYNC if async_send is None else async_send:
            return self.enqueue(log)
        return self.deliver(log, fail_silently=True)

    def send_bulk(self, kind, recipients, *, fail_silently=True, async_send=None):
        """Send `kind` to many (recipient, context, unsubscribe_url) tuples.

        Templates are compiled once. Synchronously, every email shares one
        connection; asynchronously, rows are recorded and handed to workers in
        chunks that each share one connection.
        """
        templates = EmailTemplates(kind)
        if settings.EMAIL_ASYNC if async_send is None else async_send:
            return self._enqueue_bulk(kind, recipients, templates)
        results = []
        with get_connection() as connection:
            for to, context, unsubscribe_url in recipients:
                result = self.send(kind, to, context, unsubscribe_url=unsubscribe_url,
                                   connection=connection, templates=templates,
                                   fail_silently=fail_silently, async_send=False)
                if result.status == "failed":
                    connection.close()  # a broken connection reopens for the next email
                results.append(result)
        return results

    def _enqueue_bulk(self, kind, recipients, templates):
        """Record rows a chunk at a time and hand each chunk to a worker."""
        results, rows = [], []
        for to, context, unsubscribe_url in recipients:
            try:
                rows.append(self.build_row(kind, normalize_recipient(to), context,
                                           templates=templates, unsubscribe_url=unsubscribe_url))
            except EmailInputError as exc:
                results.append(self._refuse(kind, to, exc, fail_silently=True))
                continue
            if len(rows) == self.chunk_size():
                results += self._queue_chunk(rows)
                rows = []
        if rows:
            results += self._queue_chunk(rows)
        return results

    def chunk_size(self):
        """Return how many rows one worker task sends: SendGrid takes 1,000 per call."""
        from notifications import sendgrid_batch

        return MAX_PERSONALIZATIONS if sendgrid_batch.in_use() else settings.EMAIL_BATCH_SIZE

    def _queue_chunk(self, rows):
        from notifications.tasks import send_email_batch

        with transaction.atomic():
            rows = EmailLog.objects.bulk_create(rows)
            for log in rows:
                stamp(log)
            EmailLog.objects.bulk_update(rows, ["headers"])
            send_email_batch.delay_on_commit([log.pk for log in rows])
        return [SendResult("queued", log) for log in rows]

    def _refuse(self, kind, to, error, fail_silently):
        """Record refused input as a failed row, then raise unless told not to."""
        log = EmailLog.objects.create(
            kind=kind, recipient=str(to)[:320], from_email=self.from_email, subject="",
            status=EmailLog.Status.FAILED, last_error=delivery.describe(error),
        )
        logger.warning("refused %s email to %r: %s", kind, to, error)
        if not fail_silently:
            raise error
        return SendResult("failed", log, error=log.last_error)


def stamp(log):
    """Put the row's id into its headers, so any outbox can be matched to the row."""
    log.headers = {**log.headers, LOG_ID_HEADER: str(log.pk),
                   "Message-ID": make_msgid(f"email-{log.pk}", domain=_msgid_domain())}


def _msgid_domain():
    address = address_only(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or "localhost"


email_service = EmailService()

__all__ = ["Attachment", "EmailError", "EmailService", "SendResult", "email_service"]
