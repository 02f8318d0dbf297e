"""Send many EmailLog rows through SendGrid in one Mail Send call.

SendGrid takes up to 1,000 personalizations per call but one shared content.
Each row's own text and HTML ride in the personalization's substitutions,
replacing two tags in that shared content, so one call still delivers 1,000
different emails. Rows that cannot ride this way (attachments, or more than
SendGrid's 10,000 bytes of substitutions) are left to be sent one by one.
"""

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from notifications.models import EmailLog
from notifications.sendgrid import (
    MAX_PERSONALIZATIONS,
    RESERVED_HEADERS,
    SendGridError,
    address,
    client,
    post_mail,
)

TEXT_TAG, HTML_TAG = "-library-text-", "-library-html-"
SUBSTITUTIONS_LIMIT = 10_000
BACKEND = "notifications.backends.sendgrid.EmailBackend"


def in_use():
    """Return whether email goes out through the SendGrid backend."""
    return settings.EMAIL_BACKEND == BACKEND


def substitutions(log):
    return {TEXT_TAG: log.text_body, HTML_TAG: log.html_body}


def batchable(log):
    """Return whether a row fits in a batch personalization."""
    size = sum(len(k.encode()) + len(v.encode()) for k, v in substitutions(log).items())
    return (not log.attachments and log.text_body and log.html_body
            and size <= SUBSTITUTIONS_LIMIT)


def personalization(log):
    headers = {k: str(v) for k, v in log.headers.items() if k.lower() not in RESERVED_HEADERS}
    return {
        "to": [address(log.recipient)],
        "subject": log.subject,
        "headers": headers,
        "custom_args": {"email_log_id": str(log.pk)},
        "substitutions": substitutions(log),
    }


def payload(logs):
    """Build one Mail Send payload for rows that share a sender."""
    return {
        "personalizations": [personalization(log) for log in logs],
        "from": address(logs[0].from_email),
        "content": [{"type": "text/plain", "value": TEXT_TAG},
                    {"type": "text/html", "value": HTML_TAG}],
    }


def send(rows):
    """Send what can go in batches; return (sent rows, transient failures, rows left over).

    A transient failure (429, 5xx, timeout) comes back as (row, error) so the
    caller can retry each row; a permanent one (400) leaves the rows to be sent
    one by one, so one bad address does not sink the other 999.
    """
    sent, transient, left = [], [], [r for r in rows if not batchable(r)]
    groups = {}
    for log in rows:
        if batchable(log):
            groups.setdefault(log.from_email, []).append(log)
    sg = client()
    for logs in groups.values():
        for start in range(0, len(logs), MAX_PERSONALIZATIONS):
            chunk = logs[start:start + MAX_PERSONALIZATIONS]
            try:
                message_id = post_mail(sg, payload(chunk))
            except SendGridError as exc:
                if exc.transient:
                    transient += [(log, exc) for log in chunk]
                else:
                    left += chunk
                continue
            mark_sent(chunk, message_id)
            sent += chunk
    return sent, transient, left


def mark_sent(logs, message_id):
    """Record a whole accepted batch as sent, in one UPDATE."""
    EmailLog.objects.filter(Q(pk__in=[log.pk for log in logs]),
                            status=EmailLog.Status.SENDING).update(
        status=EmailLog.Status.SENT, sent_at=timezone.now(), provider_message_id=message_id,
        last_error="", updated_at=timezone.now())
