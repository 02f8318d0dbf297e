"""Which failures are retried: transient network and 4xx answers, never configuration errors."""

import smtplib
import ssl

import pytest

from notifications.errors import HeaderInjectionError
from notifications.failures import is_transient
from notifications.sendgrid import SendGridError

TRANSIENT = [
    ConnectionRefusedError(111, "Connection refused"),
    ConnectionResetError(104, "Connection reset by peer"),
    TimeoutError("timed out"),
    smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    smtplib.SMTPDataError(451, b"4.3.0 try again later"),
    smtplib.SMTPSenderRefused(421, b"busy", "library@example.com"),
    smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"mailbox busy")}),
    SendGridError("rate limited", status=429, retry_after=2.0),
    SendGridError("unavailable", status=503),
    SendGridError("unreachable"),
]
PERMANENT = [
    smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}),
    smtplib.SMTPDataError(554, b"rejected"),
    smtplib.SMTPAuthenticationError(535, b"bad credentials"),
    smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server."),
    ssl.SSLCertVerificationError("certificate verify failed"),
    SendGridError("bad request", status=400),
    SendGridError("forbidden", status=401),
    HeaderInjectionError("newline"),
    FileNotFoundError("no CA file"),
    ValueError("a bug"),
]


@pytest.mark.parametrize("error", TRANSIENT, ids=repr)
def test_transient_failures_are_retried(error):
    assert is_transient(error)


@pytest.mark.parametrize("error", PERMANENT, ids=repr)
def test_permanent_failures_are_not(error):
    assert not is_transient(error)
