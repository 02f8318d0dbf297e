"""Fixtures shared by the tests that drive the sandbox: readers, books, a committing client.

Conftests import what they need from here, so every folder builds readers the same way.
"""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, TestCase

from catalog.models import Book

LINK = re.compile(r"https?://[^\s\"'<>]+")


def links(text):
    """Return every absolute link in `text`, in order."""
    return LINK.findall(text)


def site_path(url):
    """Turn an absolute sandbox URL into a path the test client can follow."""
    assert url.startswith(settings.SITE_URL), url
    return url[len(settings.SITE_URL):]


def html_part(message):
    """Return the text/html alternative of a message."""
    return next(body for body, mimetype in message.alternatives if mimetype == "text/html")


class CommitClient(Client):
    """A test client whose requests run their on-commit callbacks, as a real commit would.

    Each test runs inside a transaction that is rolled back, so without this an
    email sent "after commit" would never leave.
    """

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client(db):
    return CommitClient()


@pytest.fixture
def make_reader(db):
    """Return a factory of active, verified readers."""

    def make(username="reader", email=None, password="a-long-pass-phrase", *,
             first_name="", notifications=False, newsletter=False, **fields):
        user = get_user_model().objects.create_user(
            username, email or f"{username}@example.com", password, first_name=first_name,
            **fields)
        profile = user.profile
        profile.email_verified = True
        profile.subscribed_to_notifications = notifications
        profile.subscribed_to_newsletter = newsletter
        profile.save()
        return user

    return make


@pytest.fixture
def reader(make_reader):
    return make_reader("reader", first_name="Rita")


@pytest.fixture
def staff(make_reader):
    return make_reader("librarian", is_staff=True, is_superuser=True)


@pytest.fixture
def book(db):
    return Book.objects.bulk_create([Book(
        title="Fluent Python", author="Luciano Ramalho", isbn="978-1-492-05635-5",
        price=Decimal("54.00"), description="Clear, concise and effective programming.")])[0]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Start every database test with no rate-limit slots taken, whatever the cache backend."""
    uses_db = {"db", "transactional_db"} & set(request.fixturenames) or (
        request.node.get_closest_marker("django_db"))
    if uses_db:
        request.getfixturevalue("db")  # the database first: the default cache lives in it
        from django.core.cache import cache

        cache.clear()
