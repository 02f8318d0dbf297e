"""Books and the reader profile that holds a reader's email choices."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.CharField(max_length=200)
    isbn = models.CharField("ISBN", max_length=17, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    added_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return f"{self.title} by {self.author}"

    def get_absolute_url(self):
        return reverse("catalog:book_detail", args=[self.pk])

    @property
    def url(self):
        """Return the absolute URL of the book's page, for emails."""
        return settings.SITE_URL + self.get_absolute_url()


class Profile(models.Model):
    """A reader's email state: verified address and list subscriptions."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="profile")
    email_verified = models.BooleanField(default=False)
    subscribed_to_notifications = models.BooleanField(
        "new-book notifications", default=False)
    subscribed_to_newsletter = models.BooleanField("newsletter and weekly report", default=False)
    # Unsubscribe links carry this random key, never the user's id or address.
    email_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    def __str__(self):
        return f"profile of {self.user}"
