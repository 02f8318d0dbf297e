"""Sample contexts for every email kind, for template tests, checks and previews.

The objects are plain namespaces with the attributes the templates read, so
rendering a sample needs no database. Links are built with reverse(), so they
name real pages of the sandbox and the link check can resolve them.

    from notifications.rendering import EmailTemplates
    from notifications.samples import sample_context
    email = EmailTemplates("welcome").render(sample_context("welcome"))
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings
from django.urls import reverse

# Every kind in templates/emails/, in the order a reader meets them.
KINDS = ("welcome", "verification", "password_reset", "password_changed",
         "order_confirmation", "book_notification", "weekly_report", "newsletter")


def site_url():
    return settings.SITE_URL


def link(name, *args):
    """Return the absolute URL of the sandbox page `name`."""
    return site_url() + reverse(name, args=args)


def reader(first_name="Rita", username="rita"):
    """Return an object with the attributes a template reads from a user."""
    return SimpleNamespace(first_name=first_name, username=username,
                           email=f"{username}@example.com")


def book(n=1, description="A tour of the language's sharper corners.\n\nWith exercises."):
    """Return a book with the attributes the book templates read."""
    return SimpleNamespace(
        title=f"Fluent Python vol. {n}", author="Luciano Ramalho", isbn=f"978-1-49-205635-{n}",
        description=description, price=Decimal("54.00"), url=link("catalog:book_detail", n))


def order_line(title, author, quantity, unit_price):
    unit_price = Decimal(unit_price)
    return SimpleNamespace(title=title, author=author, quantity=quantity, unit_price=unit_price,
                           line_total=unit_price * quantity)


def newsletter_body():
    """Return a newsletter body with paragraphs and a web address, as staff write them."""
    return ("Dear readers,\n\nThe reading room opens late on Fridays.\n\n"
            f"New on the shelves: {link('catalog:book_list')} - see you there!")


def unsubscribe_url(kind):
    """Return a sample one-click unsubscribe URL for bulk kinds, else ""."""
    if kind not in settings.EMAIL_BULK_KINDS:
        return ""
    return link("newsletters:unsubscribe", "abc123:1tZ:sig")


def sample_context(kind, user=None):
    """Return the context the sandbox passes for `kind`, with sample objects."""
    user = user or reader()
    changed_at = datetime(2025, 3, 14, 9, 26, tzinfo=UTC)
    lines = [order_line("Fluent Python", "Luciano Ramalho", 2, "54.00"),
             order_line("Two Scoops of Django", "Daniel & Audrey Feldroy", 1, "39.95")]
    contexts = {
        "welcome": {"verify_url": link("accounts:verify", "MQ", "abc-123"), "verify_hours": 48},
        "verification": {"verify_url": link("accounts:verify", "MQ", "def-456"),
                         "verify_hours": 1},
        "password_reset": {"reset_url": link("accounts:password_reset_confirm", "MQ", "set-789"),
                           "reset_hours": 1},
        "password_changed": {"changed_at": changed_at,
                             "reset_url": link("accounts:password_reset")},
        "order_confirmation": {
            "order": SimpleNamespace(number="LIB-000042", created_at=changed_at),
            "lines": lines, "total": sum(line.line_total for line in lines),
            "currency": "EUR", "order_url": link("orders:order_detail", 42)},
        "book_notification": {"book": book(), "book_url": book().url},
        "weekly_report": {"books": [book(1), book(2, description="")],
                          "period_start": date(2025, 3, 7), "period_end": date(2025, 3, 14)},
        "newsletter": {"newsletter": SimpleNamespace(title="Autumn reading",
                                                     body=newsletter_body())},
    }
    return {"site_name": settings.SITE_NAME, "site_url": site_url(), "recipient": user.email,
            "unsubscribe_url": unsubscribe_url(kind), "user": user, **contexts[kind]}
