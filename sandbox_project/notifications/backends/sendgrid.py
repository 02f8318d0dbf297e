"""Django email backend that sends through SendGrid's v3 API with the official SDK."""

from django.core.mail.backends.base import BaseEmailBackend

from notifications.sendgrid import SendGridError, client, payload_for, post_mail


class EmailBackend(BaseEmailBackend):
    """Send each message as one Mail Send call; record SendGrid's id on the message."""

    def __init__(self, api_key=None, host=None, timeout=None, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.api_key, self.host, self.timeout = api_key, host, timeout
        self.sg = None

    def open(self):
        """Create the API client; return True if this call created it."""
        if self.sg is not None:
            return False
        self.sg = client(self.api_key, self.host, self.timeout)
        return True

    def close(self):
        self.sg = None

    def send_messages(self, email_messages):
        if not email_messages:
            return 0
        created = self.open()
        sent = 0
        try:
            for message in email_messages:
                try:
                    message.provider_message_id = post_mail(self.sg, payload_for(message))
                except SendGridError:
                    if not self.fail_silently:
                        raise
                else:
                    sent += 1
        finally:
            if created:
                self.close()
        return sent
