"""Record every email in EmailLog, before sending it.

Nothing should be sent without a durable record. Write
`send_logged(kind, to, subject, body)`:

1. create an `EmailLog` row (`notifications.models.EmailLog`) for the email:
   `kind`, `recipient`, `from_email` (`settings.DEFAULT_FROM_EMAIL`), `subject`,
   `text_body`; its status starts as queued;
2. send the email with the row's id in an `X-Library-Email-Id` header, so the
   message can be matched to its row;
3. mark the row sent (with `sent_at`), or failed with the error in `last_error`
   if sending raised, and count the attempt in `attempts`.

Return the row either way: a failed send must not raise.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from notifications.models import EmailLog

LOG_ID_HEADER = "X-Library-Email-Id"


def send_logged(kind, to, subject, body):
    """Record, send and mark one email; return its EmailLog row, whatever happened."""
    ### BEGIN SOLUTION
    # HINT: EmailLog.objects.create(...) first; EmailMessage(..., headers={LOG_ID_HEADER: ...});
    # HINT: then update status, sent_at or last_error, and attempts, and save().
    log = EmailLog.objects.create(kind=kind, recipient=to, from_email=settings.DEFAULT_FROM_EMAIL,
                                  subject=subject, text_body=body)
    message = EmailMessage(subject, body, log.from_email, [to],
                           headers={LOG_ID_HEADER: str(log.pk)})
    log.attempts += 1
    try:
        message.send()
    except Exception as error:
        log.status = EmailLog.Status.FAILED
        log.last_error = f"{type(error).__name__}: {error}"
    else:
        log.status = EmailLog.Status.SENT
        log.sent_at = timezone.now()
    log.save(update_fields=["status", "sent_at", "last_error", "attempts", "updated_at"])
    return log
    ### END SOLUTION
