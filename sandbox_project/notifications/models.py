"""The durable record of every email: nothing is sent without one."""

from django.db import models
from django.utils import timezone


class EmailLog(models.Model):
    """One email to one recipient, rendered and ready to send again if needed."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    kind = models.CharField(max_length=50, db_index=True)
    recipient = models.CharField(max_length=320, db_index=True)
    from_email = models.CharField(max_length=320)
    subject = models.CharField(max_length=998)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Attachments are kept with the row so a worker can rebuild the message.
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    events = models.JSONField(default=list, blank=True)
    # Set by a batch claim, so the claimer can read back exactly the rows it won.
    claim_token = models.CharField(max_length=32, blank=True, db_index=True)
    # When a retry is due; the sweeper leaves the row alone until then.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "updated_at"])]

    def __str__(self):
        return f"{self.kind} to {self.recipient} ({self.status})"
