"""Check what the catcher caught against the EmailLog rows that sent it."""

from django.test import Client
from django.utils.encoding import punycode

from notifications.addresses import address_only
from notifications.models import EmailLog
from notifications.service import LOG_ID_HEADER
from tests.support.sandbox import links, site_path

ONE_CLICK = "List-Unsubscribe=One-Click"


def caught(stage, count):
    """Wait for exactly `count` messages in the stage's outbox and return them, oldest first."""
    messages = stage.outbox.wait_for(count)
    assert len(messages) == count, [m.subject for m in messages]
    return messages


def wire_address(address):
    """Return an address as it travels: an IDN domain in its ASCII (punycode) form."""
    local, _, domain = address.rpartition("@")
    return f"{local}@{punycode(domain)}"


def log_of(message):
    """Return the EmailLog row a caught message names in its X-Library-Email-Id header."""
    return EmailLog.objects.get(pk=int(message.header(LOG_ID_HEADER)))


def assert_delivered(message, stage):
    """Assert the message is exactly what its row holds and the row says sent; return the row."""
    log = log_of(message)
    assert (log.status, log.last_error) == ("sent", "")
    assert message.subject == log.subject
    assert message.from_email == address_only(log.from_email)
    assert message.to == [wire_address(address_only(log.recipient))]
    # The text survives the trip; only line ends and a final newline may differ.
    assert message.text.strip() == log.text_body.strip()
    assert message.html.strip() == log.html_body.strip()
    for name, value in log.headers.items():
        assert message.header(name) == value, name
    if stage.name == "sendgrid":
        # The X-Message-Id the mock answered; each personalization's copy adds ".<index>".
        assert log.provider_message_id == message.header("X-SendGrid-Message-Id")
        assert message.header("X-Message-Id") == f"{log.provider_message_id}.0"
    else:
        assert log.provider_message_id == message.header("Message-ID")
    return log


def link_to(message, path_part):
    """Return the link in the message's text part whose URL contains `path_part`."""
    link = next(url for url in links(message.text) if path_part in url)
    assert link in message.html
    return link


def unsubscribe_with_one_click(message):
    """POST the caught List-Unsubscribe link the way a mail client does (RFC 8058)."""
    assert message.header("List-Unsubscribe-Post") == ONE_CLICK
    link = message.header("List-Unsubscribe").strip("<>")
    assert link in message.text and link in message.html
    # A mail client has no session and no CSRF token.
    mail_client = Client(enforce_csrf_checks=True)
    return mail_client.post(site_path(link), ONE_CLICK,
                            content_type="application/x-www-form-urlencoded")
