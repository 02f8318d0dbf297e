"""A new book notifies subscribed readers only, over one connection."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from catalog.models import Book
from tests.support.sandbox import html_part

pytestmark = pytest.mark.django_db

NEW_BOOK = {"title": "Effective Python", "author": "Brett Slatkin", "isbn": "978-0-13-485398-7",
            "description": "125 specific ways to write better Python.", "price": "41.00"}


@pytest.fixture
def readers(make_reader):
    return {
        "subscribed": make_reader("sub", notifications=True),
        "other": make_reader("other", notifications=True),
        "unsubscribed": make_reader("unsub", notifications=False),
        "inactive": make_reader("gone", notifications=True, is_active=False),
    }


def test_staff_adding_a_book_notifies_subscribers_only(client, staff, readers, mailoutbox):
    client.force_login(staff)

    response = client.post(reverse("catalog:book_add"), NEW_BOOK)

    assert response.status_code == 302
    assert sorted(m.to[0] for m in mailoutbox) == ["other@example.com", "sub@example.com"]
    message = mailoutbox[0]
    assert "Effective Python" in message.subject
    assert "Brett Slatkin" in message.body and "Brett Slatkin" in html_part(message)
    book = Book.objects.get(isbn=NEW_BOOK["isbn"])
    assert book.url in message.body


def test_adding_a_book_in_the_admin_notifies_too(client, staff, readers, mailoutbox):
    client.force_login(staff)

    client.post(reverse("admin:catalog_book_add"), NEW_BOOK)

    assert len(mailoutbox) == 2


def test_notifications_share_one_connection(readers, mailoutbox, monkeypatch,
                                            django_capture_on_commit_callbacks):
    opened = []
    original = mail.get_connection

    def counting(*args, **kwargs):
        connection = original(*args, **kwargs)
        opened.append(connection)
        return connection

    monkeypatch.setattr("notifications.service.get_connection", counting)
    with django_capture_on_commit_callbacks(execute=True):
        Book.objects.create(title="T", author="A", isbn="1", price=Decimal("1.00"))

    assert len(opened) == 1 and len(mailoutbox) == 2


def test_notification_carries_one_click_unsubscribe(readers, mailoutbox,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Book.objects.create(title="T", author="A", isbn="1", price=Decimal("1.00"))

    headers = mailoutbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<http")


def test_non_staff_cannot_add_books(client, reader, mailoutbox):
    client.force_login(reader)

    response = client.post(reverse("catalog:book_add"), NEW_BOOK)

    assert response.status_code == 302 and "/admin/login/" in response.url
    assert not Book.objects.exists() and mailoutbox == []
