"""Every sandbox flow, driven through its view, arrives through every real-socket stage.

Each test runs three times (mailhog, smtp, sendgrid), reads the message back
from the real catcher and follows the links it caught, as a reader would.
"""

import base64
import email
import email.policy
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from catalog.models import Book
from newsletters.models import Newsletter
from notifications.service import email_service
from orders.models import Order
from tests.integration.delivered import (
    assert_delivered,
    caught,
    link_to,
    unsubscribe_with_one_click,
)
from tests.support.sandbox import site_path

pytestmark = [pytest.mark.django_db, pytest.mark.services]
User = get_user_model()

SIGNUP = {
    "username": "zoe",
    "first_name": "Zoë",
    "email": "zoe@example.com",
    "password1": "correct-horse-battery",
    "password2": "correct-horse-battery",
}
NEW_BOOK = {"title": "Effective Python", "author": "Brett Slatkin", "isbn": "978-0-13-485398-7",
            "description": "125 specific ways to write better Python.", "price": "41.00"}


def sign_up(client, **changes):
    response = client.post(reverse("accounts:signup"), {**SIGNUP, **changes})
    assert response.status_code == 302, response.text
    return response


def assert_verify_link_activates(client, message, username="zoe"):
    page = client.get(site_path(link_to(message, "/accounts/verify/")))
    assert page.status_code == 200 and "Your account is active" in page.text
    user = User.objects.get(username=username)
    assert user.is_active and user.profile.email_verified
    assert client.login(username=username, password=SIGNUP["password1"])


def test_signup_welcome_link_activates_the_account(stage, client):
    sign_up(client)

    (message,) = caught(stage, 1)

    log = assert_delivered(message, stage)
    assert log.kind == "welcome" and message.to == ["zoe@example.com"]
    assert message.subject == "Welcome to Library System, Zoë"
    assert "Hello Zoë" in message.text and "Hello Zoë" in message.html
    assert not User.objects.get(username="zoe").is_active
    assert_verify_link_activates(client, message)


def test_resend_verification_sends_a_fresh_link_that_works(stage, client):
    sign_up(client)
    caught(stage, 1)
    stage.outbox.clear()

    response = client.post(reverse("accounts:resend_verification"), {"email": "zoe@example.com"})

    assert response.status_code == 302
    (message,) = caught(stage, 1)
    log = assert_delivered(message, stage)
    assert log.kind == "verification" and message.to == ["zoe@example.com"]
    assert message.subject == "Confirm your email address for Library System"
    assert_verify_link_activates(client, message)


def test_password_reset_link_sets_a_new_password(stage, client, reader):
    response = client.post(reverse("accounts:password_reset"), {"email": "reader@example.com"})

    assert response.status_code == 302
    (message,) = caught(stage, 1)
    log = assert_delivered(message, stage)
    assert log.kind == "password_reset" and message.to == ["reader@example.com"]
    assert message.subject == "Reset your Library System password"
    form_page = client.get(site_path(link_to(message, "/password/reset/")), follow=True)
    done = client.post(form_page.redirect_chain[-1][0], {
        "new_password1": "a-brand-new-phrase", "new_password2": "a-brand-new-phrase"})
    assert done.status_code == 302
    assert client.login(username="reader", password="a-brand-new-phrase")
    # Setting the password is a change like any other: the alert follows.
    alert = caught(stage, 2)[-1]
    assert assert_delivered(alert, stage).kind == "password_changed"


def test_password_change_sends_a_security_alert(stage, client, reader):
    client.force_login(reader)

    client.post(reverse("accounts:password_change"), {
        "old_password": "a-long-pass-phrase",
        "new_password1": "another-long-phrase", "new_password2": "another-long-phrase"})

    (message,) = caught(stage, 1)
    log = assert_delivered(message, stage)
    assert log.kind == "password_changed" and message.to == ["reader@example.com"]
    assert message.subject == "Your Library System password was changed"
    assert "/accounts/password/reset/" in message.text  # "not you? reset it"


def test_order_confirmation_carries_the_invoice_byte_for_byte(stage, client, reader, book):
    client.force_login(reader)

    response = client.post(reverse("orders:place_order"), {f"book_{book.pk}": 2})

    assert response.status_code == 302
    order = Order.objects.get()
    (message,) = caught(stage, 1)
    log = assert_delivered(message, stage)
    assert log.kind == "order_confirmation" and order.number in message.subject
    assert "Fluent Python" in message.text and "108.00" in message.html
    (invoice,) = message.attachments
    (stored,) = log.attachments
    assert invoice.filename == stored["filename"] == f"invoice-{order.number}.pdf"
    assert invoice.content_type == "application/pdf"
    assert invoice.content == base64.b64decode(stored["content"])
    assert invoice.content.startswith(b"%PDF-") and invoice.content.rstrip().endswith(b"%%EOF")


def test_new_book_notifies_subscribers_only(stage, client, staff, make_reader):
    make_reader("sub", notifications=True)
    make_reader("other", notifications=True)
    make_reader("unsub", notifications=False)
    make_reader("gone", notifications=True, is_active=False)
    client.force_login(staff)

    response = client.post(reverse("catalog:book_add"), NEW_BOOK)

    assert response.status_code == 302
    messages = caught(stage, 2)
    assert sorted(m.to[0] for m in messages) == ["other@example.com", "sub@example.com"]
    book = Book.objects.get(isbn=NEW_BOOK["isbn"])
    for message in messages:
        assert assert_delivered(message, stage).kind == "book_notification"
        assert message.subject == "New at the library: Effective Python by Brett Slatkin"
        assert book.url in message.text
        assert message.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"


def test_newsletter_one_click_unsubscribe_from_the_caught_header(stage, client, staff,
                                                                make_reader):
    fan = make_reader("fan", newsletter=True, first_name="Fan")
    make_reader("quiet", newsletter=False)
    newsletter = Newsletter.objects.create(title="Autumn reading", body="Hello.\n\nNew shelves!")
    client.force_login(staff)

    response = client.post(reverse("admin:newsletters_newsletter_changelist"),
                           {"action": "send_selected", "_selected_action": [newsletter.pk]})

    assert response.status_code == 302
    (message,) = caught(stage, 1)
    assert assert_delivered(message, stage).kind == "newsletter"
    assert message.to == ["fan@example.com"]
    assert message.subject == "Autumn reading | Library System newsletter"
    assert "New shelves!" in message.text
    assert unsubscribe_with_one_click(message).status_code == 200
    fan.profile.refresh_from_db()
    assert not fan.profile.subscribed_to_newsletter


def test_weekly_report_one_click_unsubscribe_from_the_caught_header(stage, make_reader):
    fan = make_reader("fan", newsletter=True, first_name="Fan")
    Book.objects.bulk_create([Book(title="Brand New", author="A. Writer", isbn="1",
                                   price=Decimal("9.00"), added_at=timezone.now())])

    call_command("send_weekly_report", stdout=StringIO())

    (message,) = caught(stage, 1)
    assert assert_delivered(message, stage).kind == "weekly_report"
    assert message.subject == "This week at Library System: 1 new book"
    assert "Brand New" in message.text and "Brand New" in message.html
    assert unsubscribe_with_one_click(message).status_code == 200
    fan.profile.refresh_from_db()
    assert not fan.profile.subscribed_to_newsletter


def test_non_ascii_name_and_idn_domain_arrive_encoded(stage, client):
    sign_up(client, first_name="Zoë Ünicode", email="zoe@bücher.example")

    (message,) = caught(stage, 1)

    assert_delivered(message, stage)
    assert message.to == ["zoe@xn--bcher-kva.example"]  # the IDN domain as punycode
    assert message.subject == "Welcome to Library System, Zoë Ünicode"
    assert "Hello Zoë Ünicode" in message.text and "Hello Zoë Ünicode" in message.html
    assert headers_are_ascii(message.raw)  # encoded words, not raw UTF-8


def test_non_ascii_display_name_arrives_encoded(stage, reader):
    email_service.send("password_changed", "Zoë Ünicode <zoe@bücher.example>", {
        "user": reader, "changed_at": timezone.now(), "reset_url": "http://127.0.0.1:8000/"})

    (message,) = caught(stage, 1)

    assert_delivered(message, stage)
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
    (to,) = parsed["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Zoë Ünicode", "zoe@xn--bcher-kva.example")
    assert headers_are_ascii(message.raw)


def headers_are_ascii(raw):
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    return head.isascii()
