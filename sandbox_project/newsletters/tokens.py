"""Signed, opaque, expiring unsubscribe tokens (RFC 8058 one-click)."""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

from catalog.models import Profile

SALT = "newsletters.unsubscribe"
# List name -> the Profile field that holds the subscription.
LISTS = {
    "book_news": "subscribed_to_notifications",
    "newsletter": "subscribed_to_newsletter",
}
LIST_TITLES = {
    "book_news": "new-book notifications",
    "newsletter": "the newsletter and weekly report",
}


class InvalidToken(Exception):
    """A token that was tampered with, has expired or names nothing."""


@dataclass(frozen=True)
class Unsubscribe:
    profile: Profile
    list_name: str

    @property
    def field(self):
        return LISTS[self.list_name]

    @property
    def is_subscribed(self):
        return getattr(self.profile, self.field)

    @property
    def title(self):
        return LIST_TITLES[self.list_name]


def make_token(user, list_name):
    """Return a token that unsubscribes `user` from `list_name`."""
    if list_name not in LISTS:
        raise ValueError(f"unknown list {list_name!r}")
    value = f"{user.profile.email_key.hex}.{list_name}"
    return signing.TimestampSigner(salt=SALT).sign(value)


def unsubscribe_url(user, list_name):
    """Return the absolute one-click unsubscribe URL for `user` and `list_name`."""
    path = reverse("newsletters:unsubscribe", args=[make_token(user, list_name)])
    return settings.SITE_URL + path


def read_token(token):
    """Return the Unsubscribe a token stands for, or raise InvalidToken."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(
            token, max_age=settings.UNSUBSCRIBE_TIMEOUT)
    except signing.SignatureExpired as exc:
        raise InvalidToken("This unsubscribe link has expired.") from exc
    except signing.BadSignature as exc:
        raise InvalidToken("This unsubscribe link is not valid.") from exc
    key, _, list_name = value.partition(".")
    profile = Profile.objects.select_related("user").filter(email_key=_as_uuid(key)).first()
    if profile is None or list_name not in LISTS:
        raise InvalidToken("This unsubscribe link is not valid.")
    return Unsubscribe(profile, list_name)


def _as_uuid(key):
    try:
        return uuid.UUID(hex=key)
    except ValueError as exc:
        raise InvalidToken("This unsubscribe link is not valid.") from exc
