"""Placing an order sends an itemized confirmation with the invoice attached."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Book
from orders.models import Order
from tests.support.sandbox import html_part

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_book(db):
    return Book.objects.bulk_create([Book(
        title="Two Scoops of Django", author="Daniel and Audrey Feldroy",
        isbn="978-0-692-91572-1", price=Decimal("39.95"))])[0]


def test_order_confirmation_is_itemized_with_invoice(client, reader, book, second_book,
                                                      mailoutbox):
    client.force_login(reader)

    response = client.post(reverse("orders:place_order"),
                           {f"book_{book.pk}": 2, f"book_{second_book.pk}": 1})

    order = Order.objects.get()
    assert response.status_code == 302
    message = mailoutbox[0]
    assert message.to == ["reader@example.com"] and order.number in message.subject
    for part in (message.body, html_part(message)):
        assert "Fluent Python" in part and "Two Scoops of Django" in part
        assert "108.00" in part and "147.95" in part  # line total and order total
    (filename, content, mimetype), = message.attachments
    assert filename == f"invoice-{order.number}.pdf" and mimetype == "application/pdf"
    assert content.startswith(b"%PDF")


def test_empty_order_is_refused_and_sends_nothing(client, reader, book, mailoutbox):
    client.force_login(reader)

    response = client.post(reverse("orders:place_order"), {f"book_{book.pk}": 0})

    assert "Choose at least one book" in response.text
    assert mailoutbox == [] and not Order.objects.exists()


def test_rolled_back_order_sends_nothing(client, reader, book, mailoutbox, monkeypatch):
    from orders.models import OrderLine

    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(OrderLine.objects, "bulk_create", fail)
    client.force_login(reader)
    client.raise_request_exception = False

    response = client.post(reverse("orders:place_order"), {f"book_{book.pk}": 1})

    assert response.status_code == 500
    assert mailoutbox == [] and not Order.objects.exists()
