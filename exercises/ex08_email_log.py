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
    raise NotImplementedError(
        'EmailLog.objects.create(...) first; EmailMessage(..., headers={LOG_ID_HEADER: ...}); '
        'then update status, sent_at or last_error, and attempts, and save().'
    )
