"""One real mailroom for the integration tests, and Django pointed at it stage by stage.

Settings come from `config.stages.email_settings`, fed with the environment
`MailroomProcess.env_for_django()` returns: the same code path as
`EMAIL_STAGE=smtp make run`, only on free ports.
"""

import json
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import environ
import pytest
from django.contrib.auth import get_user_model

from catalog.models import Book
from config.stages import email_settings
from mailroom.runner import MailroomProcess
from outbox import MailHogOutbox, for_stage
from tests.sandbox.conftest import CommitClient

STAGES = ("mailhog", "smtp", "sendgrid")
# A dead server must fail a test in seconds, not hang it.
EMAIL_TIMEOUT = "5"


@dataclass
class Stage:
    """An email stage pointed at a running mailroom, with the outbox that reads it."""

    name: str
    mailroom: MailroomProcess
    outbox: MailHogOutbox

    @property
    def catcher(self):
        """Return an outbox of everything the mailroom holds, whichever way it came."""
        return MailHogOutbox(self.mailroom.http_url)


def stage_settings(name, mailroom, var_dir):
    """Return the settings `EMAIL_STAGE=name` gives with the mailroom's environment."""
    env = environ.Env()
    env.ENVIRON = {**mailroom.env_for_django(), "EMAIL_TIMEOUT": EMAIL_TIMEOUT}
    return {
        **email_settings(name, env, Path(var_dir)),
        "MAILHOG_URL": mailroom.http_url,
        "EMAIL_RECONCILE_URL": mailroom.http_url,
        "EMAIL_ASYNC": False,
    }


def set_chaos(mailroom, changes=None):
    """Set (or with None, reset) the mailroom's chaos controls through its HTTP API."""
    method, body = ("DELETE", None) if changes is None else ("PUT", json.dumps(changes).encode())
    request = urllib.request.Request(f"{mailroom.http_url}/api/v2/jim", data=body, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200, response.read()


@pytest.fixture(scope="session")
def mailroom(tmp_path_factory):
    """One `python -m mailroom` for the whole run, as `make run` starts it."""
    with MailroomProcess(tmp_path_factory.mktemp("mailroom")) as services:
        yield services


@pytest.fixture
def start_mailroom(tmp_path):
    """Return a function that starts a mailroom of the test's own; all are stopped after."""
    started = []

    def start(**env):
        services = MailroomProcess(tmp_path / f"mailroom-{len(started)}", env=env)
        started.append(services)
        return services.start()

    yield start
    for services in started:
        services.stop()


@pytest.fixture
def use_stage(settings, mailroom, tmp_path):
    """Return a function that points Django at a stage, empty outbox and no chaos included.

    Keyword arguments override single settings, e.g. EMAIL_HOST_PASSWORD="wrong".
    """
    touched = []

    def use(name, services=None, **overrides):
        services = services or mailroom
        for key, value in {**stage_settings(name, services, tmp_path), **overrides}.items():
            setattr(settings, key, value)
        set_chaos(services)
        touched.append(services)
        box = for_stage(name, url=services.http_url)
        box.clear()
        return Stage(name, services, box)

    yield use
    for services in touched:
        if services.running:
            set_chaos(services)


@pytest.fixture(params=STAGES)
def stage(request, use_stage):
    """Run the test once per stage that sends over a real socket."""
    return use_stage(request.param)


@pytest.fixture
def client(db):
    return CommitClient()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Start every database test with no rate-limit slots taken, whatever the cache backend."""
    if {"db", "transactional_db"} & set(request.fixturenames):
        request.getfixturevalue("db")  # the database first: the default cache lives in it
        from django.core.cache import cache

        cache.clear()


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
    # bulk_create sends no post_save, so no new-book emails: this book is already in stock.
    return Book.objects.bulk_create([Book(
        title="Fluent Python", author="Luciano Ramalho", isbn="978-1-492-05635-5",
        price=Decimal("54.00"), description="Clear, concise and effective programming.")])[0]
