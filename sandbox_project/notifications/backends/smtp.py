"""SMTP backend that can trust one extra CA, such as the local secure listener's."""

import smtplib
import ssl

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.utils.functional import cached_property


class EmailBackend(DjangoSMTPBackend):
    """Django's SMTP backend, verifying the server against EMAIL_SSL_CAFILE when set.

    The CA is added to this backend's own context only; the process's trust store
    is left alone, so other connections keep trusting exactly what they did.
    """

    def __init__(self, *args, ssl_cafile=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ssl_cafile = ssl_cafile if ssl_cafile is not None else getattr(
            settings, "EMAIL_SSL_CAFILE", "")

    def open(self):
        """Open the connection, saying what to change when AUTH needs TLS first."""
        try:
            return super().open()
        except smtplib.SMTPNotSupportedError as exc:
            if self.use_tls or self.use_ssl or not self.username:
                raise
            # Servers such as the secure listener and Gmail offer AUTH only once encrypted.
            raise smtplib.SMTPNotSupportedError(
                f"{exc} Servers usually offer AUTH only after STARTTLS: set EMAIL_USE_TLS=true"
                " (port 587) or EMAIL_USE_SSL=true (port 465).") from exc

    @cached_property
    def ssl_context(self):
        context = ssl.create_default_context()
        if self.ssl_cafile:
            try:
                context.load_verify_locations(cafile=self.ssl_cafile)
            except FileNotFoundError as exc:
                raise FileNotFoundError(
                    f"No CA certificate at {self.ssl_cafile}. The local mail services create it"
                    " on first start: run `make run` (or `make services`) first."
                ) from exc
        if self.ssl_certfile or self.ssl_keyfile:
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context
