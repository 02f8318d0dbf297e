"""Failures through real sockets: the reader sees the usual page and the row keeps the reason."""

import pytest
from django.urls import reverse

from notifications import delivery
from notifications.models import EmailLog
from outbox import MailHogUnavailable
from tests.integration.conftest import STAGES

pytestmark = [pytest.mark.django_db, pytest.mark.services]

SIGNUP = {
    "username": "zoe",
    "email": "zoe@example.com",
    "password1": "correct-horse-battery",
    "password2": "correct-horse-battery",
}


def sign_up(client, username="zoe"):
    """Sign up through the view; return the welcome email's row."""
    response = client.post(reverse("accounts:signup"), {
        **SIGNUP, "username": username, "email": f"{username}@example.com"})
    # The reader is told to check the inbox whatever happened to the email.
    assert response.status_code == 302 and response.url == reverse("accounts:signup_done")
    return EmailLog.objects.get(kind="welcome", recipient=f"{username}@example.com")


def assert_failed_and_kept(log):
    """Assert the row failed and still holds the whole email, ready to send again."""
    assert log.status == "failed" and log.attempts == 1 and not log.provider_message_id
    assert log.subject.startswith("Welcome") and "/accounts/verify/" in log.text_body
    assert log.html_body and log.headers["X-Library-Email-Id"] == str(log.pk)


def send_again(log):
    """Send a failed row again, as an operator does once the cause is fixed."""
    EmailLog.objects.filter(pk=log.pk).update(status=EmailLog.Status.QUEUED)
    return delivery.deliver(log.pk, allow_retry=False)


def test_wrong_smtp_password_records_535_and_loses_nothing(use_stage, client, settings):
    stage = use_stage("smtp", EMAIL_HOST_PASSWORD="not-the-password")

    log = sign_up(client)

    assert_failed_and_kept(log)
    assert "SMTPAuthenticationError" in log.last_error and "535" in log.last_error
    assert stage.catcher.messages() == []
    settings.EMAIL_HOST_PASSWORD = stage.mailroom.config.smtp_password
    assert send_again(log).status == "sent"
    (message,) = stage.outbox.wait_for(1)
    assert message.subject == log.subject and message.header("X-Library-Email-Id") == str(log.pk)


def test_smtp_stage_without_tls_is_refused_with_530(use_stage, client):
    stage = use_stage("smtp", EMAIL_USE_TLS=False, EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="")

    log = sign_up(client)

    assert_failed_and_kept(log)
    assert "530" in log.last_error and "Must issue a STARTTLS command first" in log.last_error
    assert stage.catcher.messages() == []


def test_smtp_stage_without_tls_but_with_a_login_says_to_turn_tls_on(use_stage, client):
    # The secure listener offers AUTH only after STARTTLS, as Gmail does on port 587.
    stage = use_stage("smtp", EMAIL_USE_TLS=False)

    log = sign_up(client)

    assert_failed_and_kept(log)
    assert "SMTP AUTH extension not supported" in log.last_error
    assert "EMAIL_USE_TLS=true" in log.last_error
    assert stage.catcher.messages() == []


@pytest.mark.parametrize("name", ["mailhog", "smtp"])
def test_permanently_rejected_recipient_records_the_5xx_reason(use_stage, client, name):
    stage = use_stage(name)
    stage.mailroom.set_chaos({"reject_recipients": ["zoe@example.com"]})

    log = sign_up(client)
    other = sign_up(client, "yves")

    assert_failed_and_kept(log)
    assert "SMTPRecipientsRefused" in log.last_error and "550" in log.last_error
    assert "zoe@example.com" in log.last_error
    assert other.status == "sent"  # one refused address does not stop the others
    (message,) = stage.outbox.wait_for(1)
    assert message.to == ["yves@example.com"]


def test_wrong_sendgrid_key_records_401(use_stage, client):
    stage = use_stage("sendgrid", SENDGRID_API_KEY="SG.not-the-key")

    log = sign_up(client)

    assert_failed_and_kept(log)
    assert "SendGrid answered 401" in log.last_error
    assert "authorization grant is invalid" in log.last_error
    assert stage.catcher.messages() == []


@pytest.mark.parametrize("name", STAGES)
def test_stopped_catcher_fails_the_send_and_loses_no_mail(use_stage, start_mailroom, client,
                                                        settings, name):
    stage = use_stage(name, start_mailroom())
    first = sign_up(client, "early")
    assert first.status == "sent"
    stage.mailroom.stop()

    log = sign_up(client)

    assert_failed_and_kept(log)
    assert "Connection refused" in log.last_error
    with pytest.raises(MailHogUnavailable, match="make run"):
        stage.outbox.messages()
    stage.mailroom.restart()
    (kept,) = stage.outbox.wait_for(1)  # caught before the stop, still there after it
    assert kept.header("X-Library-Email-Id") == str(first.pk)
    assert send_again(log).status == "sent"
    assert [m.to for m in stage.outbox.wait_for(2)] == [["early@example.com"],
                                                        ["zoe@example.com"]]
