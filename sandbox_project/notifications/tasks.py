"""Celery tasks: send EmailLog rows in the background, retry, and sweep stuck rows."""

import logging
from functools import partial

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction

from notifications import delivery, failures, retry, sendgrid_batch, sweeper

logger = logging.getLogger(__name__)


class EmailTask(DjangoTask):
    """A task whose on-commit publish never breaks the request that queued it.

    If the broker is down, the row stays queued and the sweeper sends it once
    the broker is back.
    """

    def delay_on_commit(self, *args, **kwargs):
        transaction.on_commit(partial(self.publish, args, kwargs))

    def publish(self, args, kwargs, **options):
        try:
            return self.apply_async(args, kwargs, **options)
        except Exception as exc:  # kombu raises several types for an unreachable broker
            logger.warning("broker unreachable, %s%r stays queued for the sweeper: %s",
                           self.name, args, exc)
            return None


RELIABLE = {
    "base": EmailTask,
    "acks_late": True,  # a message is acknowledged only after the task ends...
    "reject_on_worker_lost": True,  # ...and goes back to the queue if the worker dies
}


# Retries are bounded by the row's attempts (EMAIL_MAX_ATTEMPTS), not by Celery's
# counter, so redelivered copies of a task cannot add attempts beyond the limit.
@shared_task(bind=True, max_retries=None, **RELIABLE)
def send_email_log(self, log_id):
    """Send any EmailLog row by id; retry transient failures with backoff."""
    outcome = delivery.deliver(log_id)
    if outcome.status == "retry":
        raise self.retry(countdown=outcome.delay)
    return outcome.status


@shared_task(**RELIABLE)
def send_email_batch(log_ids):
    """Send a chunk of rows over one connection; failures retry one by one."""
    rows = delivery.claim_many(log_ids)
    statuses = []
    if sendgrid_batch.in_use():
        sent, transient, rows = sendgrid_batch.send(rows)
        statuses += ["sent"] * len(sent)
        for log, error in transient:
            statuses.append(_retry_later(log, error))
    with get_connection() as connection:
        for log in rows:
            outcome = delivery.send_claimed(log, connection)
            if outcome.status != "sent":
                connection.close()  # start the next email on a fresh connection
            if outcome.status == "retry":
                send_email_log.publish((log.pk,), {}, countdown=outcome.delay)
            statuses.append(outcome.status)
    return statuses


def _retry_later(log, error):
    """Give one row of a failed batch its own retry, or fail it when out of attempts."""
    if not retry.attempts_left(log):
        delivery.mark_failed(log, error)
        return "failed"
    delay = failures.retry_after(error) or retry.backoff(log.attempts)
    delivery.mark_retry(log, error, delay)
    send_email_log.publish((log.pk,), {}, countdown=delay)
    return "retry"


@shared_task(base=EmailTask)
def sweep_stuck_emails():
    """Re-enqueue rows stuck in queued or sending (run by Celery beat)."""
    return sweeper.sweep(enqueue=lambda log_id: send_email_log.publish((log_id,), {}))


# The lesson's named tasks: thin wrappers over the EmailService.
@shared_task(base=EmailTask)
def send_welcome_email(user_id):
    from django.contrib.auth import get_user_model

    from accounts.emails import send_welcome

    return send_welcome(get_user_model().objects.get(pk=user_id), async_send=False).status


@shared_task(base=EmailTask)
def send_password_reset_email(email):
    from accounts.forms import LibraryPasswordResetForm

    form = LibraryPasswordResetForm({"email": email})
    if form.is_valid():
        form.save(domain_override=settings.SITE_URL.split("://")[-1])


@shared_task(base=EmailTask)
def send_book_notification(book_id):
    from catalog.notifications import notify_new_book

    return len(notify_new_book(book_id))


@shared_task(base=EmailTask)
def send_weekly_report():
    from newsletters.sending import send_weekly_report as send_report

    return len(send_report())
