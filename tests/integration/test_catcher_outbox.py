"""The captured-outbox API against the real catcher: messages, clear, wait_for and errors."""

import smtplib
import threading
from email.message import EmailMessage

import pytest
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Mail

from mailroom.runner import LOOPBACK, free_ports
from outbox import (
    MailHogOutbox,
    MailHogUnavailable,
    OutboxTimeout,
    SendGridMockOutbox,
    for_stage,
)

pytestmark = pytest.mark.services


@pytest.fixture
def catcher(mailroom):
    box = MailHogOutbox(mailroom.http_url)
    box.clear()
    return box


def smtp_send(mailroom, *subjects, bcc=()):
    """Send one message per subject over one SMTP session to the plain catcher."""
    with smtplib.SMTP(LOOPBACK, mailroom.smtp_port, timeout=5) as smtp:
        for subject in subjects:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = (
                "library@example.com", "reader@example.com", subject)
            message.set_content(f"Text of {subject}\nsecond line")
            message.add_alternative(f"<p>HTML of {subject}</p>", subtype="html")
            smtp.send_message(message, to_addrs=["reader@example.com", *bcc])


def sendgrid_send(mailroom, subject, count=1):
    """Send one request with `count` personalizations through the official SDK."""
    mail = Mail(from_email="library@example.com",
                to_emails=[f"reader{i}@example.com" for i in range(count)],
                subject=subject, plain_text_content="Plain", is_multiple=True)
    response = SendGridAPIClient(mailroom.config.sendgrid_api_key, host=mailroom.http_url).send(
        mail)
    assert response.status_code == 202
    return response.headers["X-Message-Id"]


def test_messages_are_oldest_first_and_normalized(catcher, mailroom):
    smtp_send(mailroom, "first", "second", bcc=["hidden@example.com"])

    first, second = catcher.messages()

    assert (first.subject, second.subject) == ("first", "second")
    assert first.from_email == "library@example.com" and first.to == ["reader@example.com"]
    assert first.bcc == ["hidden@example.com"]  # read back from the envelope
    assert first.text == "Text of first\nsecond line\n"  # CRLF from the wire, LF here
    assert first.html.strip() == "<p>HTML of first</p>"
    assert len(catcher) == 2 and catcher.last.subject == "second"


def test_clear_forgets_every_message(catcher, mailroom):
    smtp_send(mailroom, "one", "two")
    assert len(catcher.wait_for(2)) == 2

    catcher.clear()

    assert catcher.messages() == [] and catcher.last is None


def test_messages_reads_every_page(catcher, mailroom):
    x_message_id = sendgrid_send(mailroom, "many", count=260)  # the API pages at 250

    messages = catcher.messages()

    assert len(messages) == 260
    assert [m.header("X-Message-Id") for m in messages] == [
        f"{x_message_id}.{i}" for i in range(260)]


def test_wait_for_returns_once_enough_messages_arrive(catcher, mailroom):
    sender = threading.Thread(target=smtp_send, args=(mailroom, "a", "b"))
    sender.start()
    try:
        messages = catcher.wait_for(2, timeout=10)
    finally:
        sender.join(10)

    assert [m.subject for m in messages] == ["a", "b"]


def test_wait_for_times_out_with_a_clear_message(catcher, mailroom):
    smtp_send(mailroom, "only one")

    with pytest.raises(OutboxTimeout, match=r"expected 2 message\(s\) within 0.2 s, found 1"):
        catcher.wait_for(2, timeout=0.2)


def test_sendgrid_outbox_keeps_only_what_sendgrid_accepted(catcher, mailroom):
    smtp_send(mailroom, "by smtp")
    x_message_id = sendgrid_send(mailroom, "by sendgrid")

    sendgrid_box = for_stage("sendgrid", url=mailroom.http_url)

    assert isinstance(sendgrid_box, SendGridMockOutbox)
    assert isinstance(for_stage("smtp", url=mailroom.http_url), MailHogOutbox)
    assert sorted(m.subject for m in catcher.wait_for(2)) == ["by sendgrid", "by smtp"]
    (message,) = sendgrid_box.messages()
    assert message.subject == "by sendgrid"
    assert message.header("X-SendGrid-Message-Id") == x_message_id


@pytest.mark.parametrize("call", [
    lambda box: box.messages(),
    lambda box: box.clear(),
    lambda box: box.wait_for(1, timeout=1),
    lambda box: len(box),
], ids=["messages", "clear", "wait_for", "len"])
def test_no_catcher_is_a_friendly_error(call):
    (port,) = free_ports(1)  # nothing listens there
    box = MailHogOutbox(f"http://{LOOPBACK}:{port}", timeout=2)

    with pytest.raises(MailHogUnavailable) as error:
        call(box)

    message = str(error.value)
    assert f"No mail catcher answers at http://{LOOPBACK}:{port}" in message
    assert "`make run`" in message and "docker compose up" in message
    assert isinstance(error.value, ConnectionError)
