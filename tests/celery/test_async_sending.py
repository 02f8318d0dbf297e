"""Views hand emails to real Celery workers through a real Redis; nothing is lost."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from notifications.models import EmailLog
from notifications.service import email_service
from tests.support.processes import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

SIGN_UP = {"username": "zoe", "first_name": "Zoë", "email": "zoe@example.com",
           "password1": "correct-horse-battery", "password2": "correct-horse-battery"}


def context(name):
    return {"user": {"first_name": name.title(), "username": name},
            "verify_url": "http://127.0.0.1:8000/v/", "verify_hours": 1}


def rows(status):
    return EmailLog.objects.filter(status=status).count()


def caught_ids(catcher):
    return [m.header("X-Library-Email-Id") for m in catcher.messages()]


def test_signup_returns_before_the_email_is_sent(async_settings, mailroom, catcher, worker):
    # The catcher holds each message for a second, so the send cannot finish in time.
    mailroom.set_chaos({"latency": 1.0})

    response = Client().post(reverse("accounts:signup"), SIGN_UP)

    assert response.status_code == 302
    log = EmailLog.objects.get(kind="welcome")
    assert log.status in ("queued", "sending") and catcher.messages() == []
    (message,) = catcher.wait_for(1, timeout=20)
    assert message.to == ["zoe@example.com"] and "Zoë" in message.subject
    assert message.header("X-Library-Email-Id") == str(log.pk)
    wait_until(lambda: rows("sent") == 1, 10, message="row marked sent")


def test_rolled_back_transaction_sends_nothing(async_settings, catcher, worker):
    with pytest.raises(RuntimeError), transaction.atomic():
        email_service.send("verification", "ghost@example.com", context("ghost"))
        raise RuntimeError("the sign-up failed after the email was queued")

    # A later email is the sentinel: once it arrives, the first would have too.
    email_service.send("verification", "real@example.com", context("real"))

    (message,) = catcher.wait_for(1, timeout=20)
    assert message.to == ["real@example.com"]
    assert EmailLog.objects.count() == 1


def test_named_tasks_are_thin_wrappers(async_settings, catcher, worker, make_user):
    from notifications.tasks import send_welcome_email

    user = make_user()
    send_welcome_email.delay(user.pk).get(timeout=20)

    (message,) = catcher.wait_for(1, timeout=20)
    assert message.to == [user.email]


@pytest.fixture
def make_user(db):
    from django.contrib.auth import get_user_model

    def make(username="reader"):
        return get_user_model().objects.create_user(username, f"{username}@example.com", "pw")

    return make


def test_new_book_fans_out_in_chunks_over_one_connection_each(async_settings, catcher, worker,
                                                              settings):
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from catalog.models import Book, Profile
    from catalog.notifications import notify_new_book

    settings.EMAIL_BATCH_SIZE = 100
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"fan{i}", email=f"fan{i}@example.com") for i in range(250))
    Profile.objects.bulk_create(Profile(user=u, subscribed_to_notifications=i % 5 != 0)
                                for i, u in enumerate(users))
    book = Book.objects.bulk_create([Book(title="T", author="A", isbn="1",
                                          price=Decimal("1.00"))])[0]

    results = notify_new_book(book.pk)

    assert len(results) == 200 and {r.status for r in results} == {"queued"}
    caught = catcher.wait_for(200, timeout=60)
    assert sorted(m.to[0] for m in caught) == sorted(
        f"fan{i}@example.com" for i in range(250) if i % 5 != 0)
    wait_until(lambda: worker.log().count("send_email_batch") >= 4, 10, message="batch log")
    batches = [line for line in worker.log().splitlines()
               if "send_email_batch" in line and "succeeded" in line]
    assert len(batches) == 2  # 200 subscribers, 100 per chunk
