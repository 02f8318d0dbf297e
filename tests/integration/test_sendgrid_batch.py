"""Bulk mail through SendGrid: up to 1,000 personalized emails in one Mail Send call."""

from collections import Counter

import pytest

from notifications import sendgrid_batch, tasks
from notifications.models import EmailLog
from notifications.rendering import EmailTemplates
from notifications.service import email_service, stamp
from tests.integration.test_sendgrid_service import stored_per_call
from tests.support.processes import point_app_at, start_embedded_redis

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def notification_rows(count, *, bad=()):
    """Record `count` queued book notifications, each for its own reader."""
    templates = EmailTemplates("book_notification")
    book = {"title": "Effective Python", "author": "Brett Slatkin", "description": "",
            "price": "41.00", "isbn": "1"}
    rows = [email_service.build_row(
        "book_notification", "not-an-address" if i in bad else f"reader{i}@example.com",
        {"user": {"first_name": f"Reader {i}", "username": f"r{i}"}, "book": book,
         "book_url": "http://127.0.0.1:8000/books/1/"},
        unsubscribe_url=f"http://127.0.0.1:8000/newsletters/unsubscribe/t{i}/",
        templates=templates) for i in range(count)]
    rows = EmailLog.objects.bulk_create(rows)
    for log in rows:
        stamp(log)
    EmailLog.objects.bulk_update(rows, ["headers"])
    return [log.pk for log in rows]


def test_one_call_carries_every_personalized_email(use_stage):
    stage = use_stage("sendgrid")
    ids = notification_rows(250)

    statuses = tasks.send_email_batch.run(ids)

    assert statuses == ["sent"] * 250
    (call, count), = stored_per_call(stage.mailroom).items()
    assert count == 250
    caught = stage.catcher.wait_for(250)
    reader7 = next(m for m in caught if m.to == ["reader7@example.com"])
    assert "Hello Reader 7," in reader7.text and "Hello Reader 7," in reader7.html
    assert reader7.header("List-Unsubscribe") == (
        "<http://127.0.0.1:8000/newsletters/unsubscribe/t7/>")
    log = EmailLog.objects.get(recipient="reader7@example.com")
    assert reader7.header("X-Library-Email-Id") == str(log.pk)
    assert log.status == "sent" and log.provider_message_id == call


def test_the_service_hands_sendgrid_chunks_of_1000(use_stage):
    use_stage("sendgrid")
    assert email_service.chunk_size() == 1000 and sendgrid_batch.in_use()


def test_a_bad_address_does_not_sink_the_batch(use_stage):
    use_stage("sendgrid")
    ids = notification_rows(20, bad={3})

    statuses = tasks.send_email_batch.run(ids)

    assert Counter(statuses) == {"sent": 19, "failed": 1}
    failed = EmailLog.objects.get(status="failed")
    assert failed.recipient == "not-an-address" and "400" in failed.last_error


@pytest.fixture
def broker(tmp_path):
    """A real Redis to publish retries to (no worker consumes them here)."""
    server = start_embedded_redis(tmp_path / "redis")
    point_app_at(server.url, f"batch-retries-{server.port}")
    yield server
    server.stop()


def test_a_rate_limited_batch_retries_each_row(use_stage, broker):
    import redis

    stage = use_stage("sendgrid")
    stage.mailroom.set_chaos({"sendgrid_429_rate": 1.0})
    ids = notification_rows(5)

    statuses = tasks.send_email_batch.run(ids)

    assert statuses == ["retry"] * 5
    rows = EmailLog.objects.filter(pk__in=ids)
    assert {r.status for r in rows} == {"queued"} and all(r.next_attempt_at for r in rows)
    assert stage.catcher.messages() == []
    # Each row's retry is a task of its own, waiting in the broker.
    assert redis.Redis.from_url(broker.url).llen(f"batch-retries-{broker.port}") == 5


def test_rows_too_big_for_substitutions_go_one_by_one(use_stage):
    stage = use_stage("sendgrid")
    ids = notification_rows(3)
    EmailLog.objects.filter(pk=ids[0]).update(html_body="<p>" + "x" * 12_000 + "</p>")

    statuses = tasks.send_email_batch.run(ids)

    assert Counter(statuses) == {"sent": 3}
    assert sorted(stored_per_call(stage.mailroom).values()) == [1, 2]
