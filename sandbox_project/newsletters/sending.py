"""Send the newsletter and the weekly report to their subscribers."""

from datetime import timedelta

from django.utils import timezone

from catalog.models import Book, Profile
from newsletters.tokens import unsubscribe_url
from notifications.service import email_service
from notifications.streaming import in_chunks

LIST_NAME = "newsletter"


def subscribers():
    """Stream the active readers subscribed to the newsletter."""
    return in_chunks(
        Profile.objects.filter(subscribed_to_newsletter=True, user__is_active=True)
        .exclude(user__email="")
        .select_related("user"))


def send_newsletter(newsletter):
    """Send `newsletter` to every subscriber and stamp it as sent."""
    recipients = (
        (p.user.email, {"user": p.user, "newsletter": newsletter},
         unsubscribe_url(p.user, LIST_NAME))
        for p in subscribers()
    )
    results = email_service.send_bulk("newsletter", recipients)
    newsletter.sent_at = timezone.now()
    newsletter.save(update_fields=["sent_at"])
    return results


def send_weekly_report(now=None):
    """Send the books added in the last seven days to every subscriber."""
    end = now or timezone.now()
    start = end - timedelta(days=7)
    books = list(Book.objects.filter(added_at__gte=start, added_at__lt=end).order_by("-added_at"))
    context = {"books": books, "period_start": start.date(), "period_end": end.date()}
    recipients = (
        (p.user.email, {**context, "user": p.user}, unsubscribe_url(p.user, LIST_NAME))
        for p in subscribers()
    )
    return email_service.send_bulk("weekly_report", recipients)
