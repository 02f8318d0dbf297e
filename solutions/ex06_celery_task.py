"""Send email in the background with a sound retry policy.

A view must answer at once: it hands the email to a Celery task and a worker
sends it. Write three things.

- `is_transient(error)`: True when sending again later may succeed: the server
  hung up or could not be reached (`SMTPServerDisconnected`, `ConnectionError`,
  a timeout), or it answered with a 4xx code (`SMTPResponseException.smtp_code`,
  `SMTPRecipientsRefused` when every code is 4xx). False for the rest: 5xx
  answers, wrong credentials (`SMTPAuthenticationError`), bad input.
- `send_email_task(to, subject, body)`: a Celery task (`@shared_task(bind=True, ...)`)
  that sends one email with `send_mail`. It acknowledges its message only when it
  ends (`acks_late=True`, with `reject_on_worker_lost=True`), retries transient
  errors only, waiting longer before each retry (exponential backoff, such as
  2, 4, 8... seconds; `retry_backoff=True` with Celery's jitter is fine too),
  and gives up after at most `MAX_RETRIES` retries.
- `queue_email(to, subject, body)`: what a view calls. It sends nothing itself:
  it hands the email to the task once the current transaction commits
  (`delay_on_commit`), so a rolled-back request sends nothing.

The grader runs the task with `apply()`, so retries happen at once.
"""

import smtplib
import socket

from celery import shared_task
from django.core.mail import send_mail

MAX_RETRIES = 4


def is_transient(error):
    """Return True when sending the same email again later may succeed."""
    ### BEGIN SOLUTION
    # HINT: check the most specific classes first: SMTPRecipientsRefused and
    # HINT: SMTPAuthenticationError are both SMTP errors with codes.
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError | socket.timeout
                      | TimeoutError)
    ### END SOLUTION


### BEGIN SOLUTION
# HINT: replace this line with the task: def send_email_task(self, to, subject, body),
# HINT: decorated with @shared_task(bind=True, acks_late=True, reject_on_worker_lost=True,
# HINT: max_retries=MAX_RETRIES); on a transient error, raise self.retry(exc=error,
# HINT: countdown=...) with a countdown that grows with self.request.retries.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def send_email_task(self, to, subject, body):
    """Send one email; retry transient failures with exponential backoff."""
    try:
        return send_mail(subject, body, None, [to])
    except Exception as error:
        if not is_transient(error):
            raise
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error
### END SOLUTION


def queue_email(to, subject, body):
    """Hand the email to send_email_task once the current transaction commits."""
    ### BEGIN SOLUTION
    # HINT: every task has delay_on_commit(*args).
    send_email_task.delay_on_commit(to, subject, body)
    ### END SOLUTION
