"""Tell subscribed readers about a new book, over one connection.

Write `notify_subscribers(book)`: send the `book_notification` email to every
reader who asked for new-book notifications (`Profile.subscribed_to_notifications`)
and whose account is active, and return the number of emails sent.

- One email per reader: a reader must never see another reader's address.
- Readers without an email address get nothing.
- Open one SMTP connection for all of them (`get_connection()` and
  `send_messages`), not one per email.

Context: `user`, `book`, `book_url` (`book.url`), `site_name`, `site_url`.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

from catalog.models import Profile


def subscribers():
    """Return the profiles of the active readers subscribed to new-book notifications."""
    raise NotImplementedError('Profile.objects.filter(...) with select_related("user"); exclude empty emails.')


def notify_subscribers(book):
    """Email every subscriber about `book` over one connection; return the number sent."""
    raise NotImplementedError(
        'build one EmailMultiAlternatives per reader, then '
        'get_connection().send_messages(messages) sends them all on one connection.'
    )
