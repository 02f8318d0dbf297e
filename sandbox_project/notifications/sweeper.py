"""Find rows that no worker will finish on its own and put them back to work.

A row stays queued when the broker was down as the request came in, or when
a worker died holding its message; it stays sending when a worker died in the
middle of a send. Before sending such a row again, the provider is asked
whether the first attempt got through (see reconcile.py).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from notifications import delivery, reconcile
from notifications.models import EmailLog

logger = logging.getLogger(__name__)
BATCH = 1000


def sweep(enqueue, now=None):
    """Re-enqueue stuck rows with `enqueue(log_id)`; return what was done."""
    now = now or timezone.now()
    return {"requeued": requeue_waiting(enqueue, now),
            "recovered": recover_abandoned(enqueue, now)}


def requeue_waiting(enqueue, now):
    """Publish again the queued rows that waited past EMAIL_SWEEP_AFTER."""
    cutoff = now - timedelta(seconds=settings.EMAIL_SWEEP_AFTER)
    due = EmailLog.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=cutoff),
        status=EmailLog.Status.QUEUED, updated_at__lt=cutoff,
    ).values_list("pk", flat=True)[:BATCH]
    ids = list(due)
    # Touch them first, so the next sweep waits a full period before trying again.
    EmailLog.objects.filter(pk__in=ids).update(updated_at=now)
    for log_id in ids:
        enqueue(log_id)
    if ids:
        logger.info("sweeper re-enqueued %d queued emails", len(ids))
    return len(ids)


def recover_abandoned(enqueue, now):
    """Resolve rows left in sending past the lease: sent if delivered, else queued again."""
    cutoff = now - timedelta(seconds=settings.EMAIL_SENDING_LEASE)
    stale = list(EmailLog.objects.filter(status=EmailLog.Status.SENDING,
                                         updated_at__lt=cutoff)[:BATCH])
    delivered_count = resent = 0
    for log in stale:
        try:
            delivered = reconcile.was_delivered(log)
        except reconcile.ReconcileUnavailable as exc:
            logger.warning("%s; it waits for the next sweep", exc)
            continue
        if delivered:
            delivery.mark_sent(log, log.headers.get("Message-ID", ""))
            delivered_count += 1
        elif _release(log, now):
            enqueue(log.pk)
            resent += 1
    if delivered_count or resent:
        logger.info("sweeper recovered emails abandoned while sending: %d had arrived, "
                    "%d sent again", delivered_count, resent)
    return delivered_count + resent


def _release(log, now):
    # Conditional, so a send that finished meanwhile is never undone.
    return EmailLog.objects.filter(
        pk=log.pk, status=EmailLog.Status.SENDING, updated_at=log.updated_at,
    ).update(status=EmailLog.Status.QUEUED, updated_at=now) == 1
