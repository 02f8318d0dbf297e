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
    ### BEGIN SOLUTION
    # HINT: Profile.objects.filter(...) with select_related("user"); exclude empty emails.
    return (Profile.objects.filter(subscribed_to_notifications=True, user__is_active=True)
            .exclude(user__email="").select_related("user"))
    ### END SOLUTION


def notify_subscribers(book):
    """Email every subscriber about `book` over one connection; return the number sent."""
    ### BEGIN SOLUTION
    # HINT: build one EmailMultiAlternatives per reader, then
    # HINT: get_connection().send_messages(messages) sends them all on one connection.
    messages = []
    for profile in subscribers():
        context = {"user": profile.user, "book": book, "book_url": book.url,
                   "site_name": settings.SITE_NAME, "site_url": settings.SITE_URL}
        subject = render_to_string("emails/book_notification/subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject, render_to_string("emails/book_notification/body.txt", context),
            to=[profile.user.email])
        message.attach_alternative(
            render_to_string("emails/book_notification/body.html", context), "text/html")
        messages.append(message)
    if not messages:
        return 0
    return get_connection().send_messages(messages)
    ### END SOLUTION
