"""Killed workers, SMTP outages, permanent failures and a Redis outage lose nothing."""

from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import EmailLog
from notifications.service import email_service
from tests.celery.conftest import QUEUE
from tests.support.processes import point_app_at, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

CONTEXT = {"user": {"first_name": "Reader", "username": "reader"},
           "verify_url": "http://127.0.0.1:8000/v/", "verify_hours": 1}


def queue_emails(count, prefix="reader"):
    return [email_service.send("verification", f"{prefix}{i}@example.com", CONTEXT).log.pk
            for i in range(count)]


def statuses():
    return Counter(EmailLog.objects.values_list("status", flat=True))


def test_killing_workers_loses_and_duplicates_nothing(async_settings, catcher, start_worker,
                                                      beat):
    ids = queue_emails(500)
    worker = start_worker(concurrency=2)
    for round_ in range(1, 5):
        # Let the worker get a little further each time, then kill it outright.
        wait_until(lambda n=round_: len(catcher.messages()) >= 60 * n, 60,
                   message=f"progress before kill {round_}")
        worker.kill()
        worker = start_worker(concurrency=2)

    wait_until(lambda: statuses().get("sent") == 500, 120, interval=0.5,
               message="every row sent")
    caught = catcher.messages()
    counts = Counter(m.header("X-Library-Email-Id") for m in caught)
    assert len(caught) == 500, f"{len(caught) - len(counts)} duplicates"
    assert set(counts) == {str(i) for i in ids}
    assert max(counts.values()) == 1


def test_smtp_outage_then_recovery_delivers_everything(async_settings, mailroom, catcher,
                                                       worker):
    mailroom.stop()
    try:
        ids = queue_emails(20, prefix="outage")
        wait_until(lambda: EmailLog.objects.filter(attempts__gte=2).count() == 20, 30,
                   message="every row retried at least once")
        assert statuses().get("sent") is None
    finally:
        mailroom.restart()

    wait_until(lambda: statuses().get("sent") == 20, 60, interval=0.2,
               message=lambda: f"all sent {statuses()}")
    assert len(catcher.wait_for(20, timeout=10)) == 20
    assert EmailLog.objects.filter(pk__in=ids, attempts__gte=2).count() == 20


def test_temporary_rejections_are_retried(async_settings, mailroom, catcher, worker):
    mailroom.set_chaos({"tempfail_rate": 0.5})
    queue_emails(10, prefix="flaky")

    wait_until(lambda: statuses().get("sent") == 10, 60, interval=0.2, message="all sent")
    assert len(catcher.messages()) == 10
    assert EmailLog.objects.filter(attempts__gt=1).exists()


def test_permanent_failure_ends_failed_without_retry(async_settings, mailroom, catcher, worker):
    mailroom.set_chaos({"reject_recipients": ["gone@example.com"]})

    log_id = email_service.send("verification", "gone@example.com", CONTEXT).log.pk

    wait_until(lambda: EmailLog.objects.get(pk=log_id).status == "failed", 20,
               message="row failed")
    log = EmailLog.objects.get(pk=log_id)
    assert log.attempts == 1 and "550" in log.last_error


def test_attempts_are_bounded(async_settings, mailroom, catcher, worker_env, start_worker):
    worker_env["EMAIL_MAX_ATTEMPTS"] = "3"
    start_worker()
    mailroom.set_chaos({"tempfail_rate": 1.0})

    log_id = email_service.send("verification", "unlucky@example.com", CONTEXT).log.pk

    wait_until(lambda: EmailLog.objects.get(pk=log_id).status == "failed", 30,
               message="row failed after its attempts")
    log = EmailLog.objects.get(pk=log_id)
    assert log.attempts == 3 and "451" in log.last_error


@pytest.fixture
def own_redis(tmp_path, worker_env):
    """A Redis this test may stop and start again on the same port."""
    from config.embedded_redis import EmbeddedRedis
    from mailroom.runner import free_ports

    (port,) = free_ports(1)
    server = EmbeddedRedis(port, tmp_path / "redis", persistent=False).start()
    worker_env["REDIS_URL"] = server.url
    yield server
    server.stop()


def test_redis_outage_during_a_request(async_settings, own_redis, catcher, start_worker, beat):
    start_worker()
    point_app_at(own_redis.url, QUEUE)
    own_redis.stop()

    response = Client().post(reverse("accounts:signup"), {
        "username": "zoe", "email": "zoe@example.com",
        "password1": "correct-horse-battery", "password2": "correct-horse-battery"})

    assert response.status_code == 302
    assert EmailLog.objects.get().status == "queued"
    own_redis.start()
    (message,) = catcher.wait_for(1, timeout=60)
    assert message.to == ["zoe@example.com"]
