"""Tell subscribed readers about a new book."""

from catalog.models import Book, Profile
from newsletters.tokens import unsubscribe_url
from notifications.service import email_service
from notifications.streaming import in_chunks

LIST_NAME = "book_news"


def subscribers():
    """Stream the active readers who asked for new-book notifications."""
    return in_chunks(
        Profile.objects.filter(subscribed_to_notifications=True, user__is_active=True)
        .select_related("user"))


def notify_new_book(book_id):
    """Send the new-book email to every subscriber over one connection."""
    book = Book.objects.get(pk=book_id)
    recipients = (
        (
            profile.user.email,
            {"user": profile.user, "book": book, "book_url": book.url},
            unsubscribe_url(profile.user, LIST_NAME),
        )
        for profile in subscribers()
        if profile.user.email
    )
    return email_service.send_bulk("book_notification", recipients)
