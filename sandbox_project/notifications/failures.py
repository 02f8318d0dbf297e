"""Tell a failure worth retrying from one that will fail the same way again."""

import smtplib
import socket
import ssl

from notifications.errors import EmailInputError
from notifications.sendgrid import SendGridError


def is_transient(error):
    """Return True when sending the same email later may succeed."""
    if isinstance(error, EmailInputError):
        return False
    if isinstance(error, SendGridError):
        return error.transient
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False  # wrong credentials stay wrong until someone fixes them
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPServerDisconnected | socket.timeout | TimeoutError):
        return True
    if isinstance(error, smtplib.SMTPException | ssl.SSLCertVerificationError):
        # No reply code: e.g. AUTH or STARTTLS not offered, or an untrusted
        # certificate. Configuration errors; retrying changes nothing.
        return False
    # Connection refused or reset, DNS failure, network unreachable.
    return isinstance(error, ConnectionError | OSError) and not isinstance(error, FileNotFoundError)


def retry_after(error):
    """Return the delay the provider asked for, in seconds, or None."""
    return getattr(error, "retry_after", None)
