"""SendGridService, the SendGrid backend and payload_for(), over real HTTP to the mock."""

import base64
import json
import logging
import urllib.request
from collections import Counter
from datetime import timedelta
from email.mime.image import MIMEImage

import pytest
from django.core.mail import EmailMultiAlternatives, send_mail
from django.utils import timezone

from mailroom.http.sendgrid_mock import RATE_LIMIT_RESET_SECONDS
from notifications import delivery, failures
from notifications.backends.sendgrid import EmailBackend
from notifications.models import EmailLog
from notifications.sendgrid import (
    MAX_PERSONALIZATIONS,
    SendGridError,
    SendGridResult,
    SendGridService,
    payload_for,
)

pytestmark = pytest.mark.services

PDF = b"%PDF-1.4 invoice \x00\xff\xfe binary bytes %%EOF"
# The smallest valid GIF: one transparent pixel.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")


@pytest.fixture
def sendgrid(use_stage):
    """Point the SendGrid settings at the mock, with an empty outbox and no chaos."""
    return use_stage("sendgrid")


def due_notice(subject="Your book is due", to="zoe@example.com", **options):
    """Return a text and HTML email, ready for the SendGrid backend."""
    message = EmailMultiAlternatives(subject, "Return it soon.", to=[to], **options)
    message.attach_alternative("<p>Return it <b>soon</b>.</p>", "text/html")
    return message


def stored_per_call(mailroom):
    """Count stored messages by the Mail Send call (its X-Message-Id) that made them."""
    counts, start = Counter(), 0
    while True:
        url = f"{mailroom.http_url}/api/v2/messages?start={start}&limit=250"
        with urllib.request.urlopen(url, timeout=10) as response:
            page = json.load(response)
        for item in page["items"]:
            (call,) = item["Content"]["Headers"]["X-SendGrid-Message-Id"]
            counts[call] += 1
        start += page["count"]
        if not page["count"] or start >= page["total"]:
            return counts


def test_send_email_is_accepted_and_caught(sendgrid, capsys):
    result = SendGridService().send_email("Zoë Reader <zoe@example.com>", "Your book is due",
                                          "<p>Return it <b>soon</b>.</p>", "Return it soon.")

    assert result == SendGridResult(True, 202, message_id=result.message_id)
    assert result.message_id
    (message,) = sendgrid.outbox.wait_for(1)
    assert message.header("X-SendGrid-Message-Id") == result.message_id
    assert message.header("To") == "Zoë Reader <zoe@example.com>"
    assert (message.subject, message.from_email) == ("Your book is due", "library@example.com")
    assert message.text.strip() == "Return it soon."
    assert message.html.strip() == "<p>Return it <b>soon</b>.</p>"
    assert capsys.readouterr().out == ""


def test_invalid_payload_is_a_400_result_logged_not_printed(sendgrid, caplog, capsys):
    with caplog.at_level(logging.INFO, logger="notifications.sendgrid"):
        result = SendGridService().send_email("not-an-address", "Hello", "<p>Hello</p>")

    assert (result.ok, result.status, result.transient) == (False, 400, False)
    assert [e["field"] for e in result.errors] == ["personalizations.0.to.0.email"]
    assert result.error == "SendGrid answered 400: Is not a valid email address."
    assert capsys.readouterr().out == ""
    (record,) = [r for r in caplog.records if r.name == "notifications.sendgrid"]
    assert record.levelno == logging.WARNING and result.error in record.getMessage()
    assert sendgrid.catcher.messages() == []


def test_wrong_key_is_a_401_result(sendgrid):
    result = SendGridService(api_key="SG.not-the-key").send_email(
        "zoe@example.com", "Hello", "<p>Hello</p>")

    assert (result.ok, result.status, result.transient) == (False, 401, False)
    assert "authorization grant is invalid" in result.error
    assert sendgrid.catcher.messages() == []


def test_rate_limit_429_reports_when_to_retry(sendgrid):
    sendgrid.mailroom.set_chaos({"sendgrid_429_rate": 1})

    result = SendGridService().send_email("zoe@example.com", "Hello", "<p>Hello</p>")

    assert (result.ok, result.status, result.transient) == (False, 429, True)
    # X-RateLimit-Reset is a whole second, RATE_LIMIT_RESET_SECONDS after the answer.
    assert 0 < result.retry_after <= RATE_LIMIT_RESET_SECONDS


@pytest.mark.django_db
def test_rate_limited_row_waits_as_long_as_sendgrid_asks(sendgrid):
    sendgrid.mailroom.set_chaos({"sendgrid_429_rate": 1})
    log = EmailLog.objects.create(kind="test", recipient="zoe@example.com",
                                  from_email="library@example.com", subject="Hello",
                                  text_body="Hello")

    outcome = delivery.deliver(log.pk)

    assert outcome.status == "retry" and 0 < outcome.delay <= RATE_LIMIT_RESET_SECONDS
    log.refresh_from_db()
    assert log.status == "queued" and "SendGrid answered 429" in log.last_error
    assert log.next_attempt_at <= timezone.now() + timedelta(seconds=RATE_LIMIT_RESET_SECONDS)


def test_server_errors_are_transient(sendgrid):
    sendgrid.mailroom.set_chaos({"sendgrid_5xx_rate": 1})

    result = SendGridService().send_email("zoe@example.com", "Hello", "<p>Hello</p>")
    with pytest.raises(SendGridError) as error:
        EmailBackend().send_messages([due_notice()])

    assert result.status in (500, 503) and result.transient and not result.ok
    assert error.value.status in (500, 503) and failures.is_transient(error.value)
    assert sendgrid.catcher.messages() == []


def test_batch_of_2500_personalizations_takes_three_calls(sendgrid):
    personalizations = [{"to": [{"email": f"reader{i}@example.com"}]} for i in range(2500)]

    results = SendGridService().send_batch(personalizations, "News", "<p>News</p>", "News")

    assert [(r.ok, r.status) for r in results] == [(True, 202)] * 3
    # Each call stores one message per personalization, tagged with the call's id.
    assert stored_per_call(sendgrid.mailroom) == {
        results[0].message_id: MAX_PERSONALIZATIONS,
        results[1].message_id: MAX_PERSONALIZATIONS,
        results[2].message_id: 500,
    }


def test_backend_raises_unless_fail_silently(sendgrid):
    good, bad = due_notice("Good"), due_notice("Bad", to="not-an-address")

    with pytest.raises(SendGridError) as error:
        EmailBackend(fail_silently=False).send_messages([bad, good])
    sent = EmailBackend(fail_silently=True).send_messages([bad, good])

    assert error.value.status == 400 and not failures.is_transient(error.value)
    assert sent == 1
    (message,) = sendgrid.outbox.wait_for(1)
    assert message.subject == "Good"
    assert good.provider_message_id == message.header("X-SendGrid-Message-Id")


def test_send_mail_with_fail_silently_returns_zero(sendgrid, settings):
    settings.SENDGRID_API_KEY = "SG.not-the-key"

    assert send_mail("Hello", "Text", None, ["zoe@example.com"], fail_silently=True) == 0
    with pytest.raises(SendGridError, match="401"):
        send_mail("Hello", "Text", None, ["zoe@example.com"])


def test_backend_closes_only_what_it_opened(sendgrid):
    backend = EmailBackend()
    assert backend.open() is True and backend.open() is False
    client = backend.sg

    assert backend.send_messages([due_notice()]) == 1

    assert backend.sg is client
    backend.close()
    assert backend.sg is None
    assert backend.send_messages([due_notice()]) == 1 and backend.sg is None


def rich_email():
    """Return an email whose body is HTML, with every header and attachment kind."""
    message = EmailMultiAlternatives(
        "Invoice", "<p>Your <b>invoice</b></p>", "Library <library@example.com>",
        ["Zoë Reader <zoe@bücher.example>"], cc=["cc@example.com"], bcc=["bcc@example.com"],
        headers={"X-Library-Email-Id": "42", "X-Branch": "main", "Message-ID": "<m1@example.com>",
                 "Reply-To": "Front Desk <desk@example.com>", "Content-Type": "text/x-evil",
                 "X-SG-ID": "forged"})
    message.content_subtype = "html"
    message.attach_alternative("Your invoice", "text/plain")
    message.attach("invoice.pdf", PDF, "application/pdf")
    logo = MIMEImage(PIXEL, "gif")
    logo.add_header("Content-ID", "<logo>")
    logo.add_header("Content-Disposition", "inline", filename="logo.gif")
    message.attach(logo)
    return message


def test_payload_for_follows_sendgrids_rules():
    payload = payload_for(rich_email())

    assert [c["type"] for c in payload["content"]] == ["text/plain", "text/html"]
    assert payload["personalizations"] == [{
        "to": [{"email": "zoe@xn--bcher-kva.example", "name": "Zoë Reader"}],
        "cc": [{"email": "cc@example.com"}], "bcc": [{"email": "bcc@example.com"}]}]
    assert payload["from"] == {"email": "library@example.com", "name": "Library"}
    # Headers SendGrid sets itself are dropped; Reply-To moves to its own field.
    assert payload["headers"] == {"X-Library-Email-Id": "42", "X-Branch": "main",
                                  "Message-ID": "<m1@example.com>"}
    assert payload["reply_to"] == {"email": "desk@example.com", "name": "Front Desk"}
    assert payload["custom_args"] == {"email_log_id": "42"}
    invoice, logo = payload["attachments"]
    assert (invoice["filename"], invoice["type"], invoice["disposition"]) == (
        "invoice.pdf", "application/pdf", "attachment")
    assert base64.b64decode(invoice["content"], validate=True) == PDF
    assert (logo["filename"], logo["type"], logo["disposition"], logo["content_id"]) == (
        "logo.gif", "image/gif", "inline", "logo")
    assert base64.b64decode(logo["content"], validate=True) == PIXEL


def test_payload_for_is_accepted_and_arrives_whole(sendgrid):
    assert EmailBackend().send_messages([rich_email()]) == 1

    (message,) = sendgrid.catcher.wait_for(1)
    assert message.to == ["zoe@xn--bcher-kva.example"] and message.cc == ["cc@example.com"]
    assert message.bcc == ["bcc@example.com"]
    assert message.header("Reply-To") == "Front Desk <desk@example.com>"
    assert message.header("X-Branch") == "main" and message.header("X-SG-ID") is None
    assert json.loads(message.header("X-SendGrid-Custom-Args")) == {"email_log_id": "42"}
    assert message.text.strip() == "Your invoice"
    assert message.html.strip() == "<p>Your <b>invoice</b></p>"
    assert [(a.filename, a.content) for a in message.attachments] == [
        ("invoice.pdf", PDF), ("logo.gif", PIXEL)]
