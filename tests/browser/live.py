"""The whole sandbox running for real, as `make run` starts it, on free loopback ports.

A `manage.py runserver` process, the mail services (`python -m mailroom`), an
embedded Redis and a Celery worker share one fresh SQLite file, migrated and
seeded once. The web process sends every email through the worker
(EMAIL_ASYNC=true) to the catcher (EMAIL_STAGE=mailhog), and SITE_URL names
the server, so the links in the emails lead back to it.
"""

import os
import subprocess
import sys
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from mailroom.runner import LOOPBACK, MailroomProcess, accepts_connections, free_ports
from outbox import MailHogOutbox
from tests.support.processes import (
    SANDBOX,
    CeleryWorker,
    ManagedProcess,
    start_embedded_redis,
    wait_until,
)

QUEUE = f"emails-browser-{uuid.uuid4().hex[:8]}"
# The demo staff account `manage.py seed_demo` creates, as after `make run`.
ADMIN = ("admin", "library-admin")


class SandboxServer(ManagedProcess):
    """`manage.py runserver --noreload` on one loopback port."""

    def __init__(self, env, log_path, port):
        args = [sys.executable, "manage.py", "runserver", "--noreload", f"{LOOPBACK}:{port}"]
        super().__init__(args, env, SANDBOX, log_path)
        self.port = port

    @property
    def url(self):
        return f"http://{LOOPBACK}:{self.port}"

    def wait_listening(self, timeout=30):
        """Return once the server accepts connections; raise with its log if it died."""
        wait_until(self._listening, timeout, interval=0.1, message="the sandbox server")
        return self

    def _listening(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"runserver exited early:\n{self.log()}")
        return accepts_connections(LOOPBACK, self.port)


@dataclass
class LiveSandbox:
    """Addresses and handles of a running sandbox."""

    url: str
    mailroom: MailroomProcess
    server: SandboxServer
    worker: CeleryWorker

    @property
    def catcher_url(self):
        return self.mailroom.http_url

    @property
    def outbox(self):
        return MailHogOutbox(self.mailroom.http_url)

    def logs(self, tail=4000):
        """Return the ends of the server's and the worker's logs, for a failing test's report."""
        return (f"--- server ---\n{self.server.log()[-tail:]}\n"
                f"--- worker ---\n{self.worker.log()[-tail:]}")


def sandbox_env(mailroom, redis_url, database, site_url):
    """Return the environment of the server and the worker: every email setting spelled out.

    Spelled out so that a developer's .env (a real SMTP host, say) never
    sends test mail anywhere but the catcher.
    """
    env = {
        **os.environ,
        **mailroom.env_for_django(),
        "PYTHONPATH": str(SANDBOX),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",  # runserver serves the admin's CSS and scripts only in debug mode
        "ALLOWED_HOSTS": f"{LOOPBACK},localhost",
        "SITE_URL": site_url,
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": QUEUE,
        "EMAIL_STAGE": "mailhog",
        "EMAIL_ASYNC": "true",
        "EMAIL_BACKEND": "notifications.backends.smtp.EmailBackend",
        "EMAIL_HOST": LOOPBACK,
        "EMAIL_PORT": str(mailroom.smtp_port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_USE_SSL": "false",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_RECONCILE_URL": mailroom.http_url,
    }
    env.pop("EMAIL_SSL_CAFILE", None)
    return env


def manage(env, *args, timeout=120):
    """Run one manage.py command to its end; raise with its output if it fails."""
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=SANDBOX, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def start_live_sandbox(root: Path, stack: ExitStack) -> LiveSandbox:
    """Start every process under `root`; `stack` stops them all."""
    mailroom = stack.enter_context(MailroomProcess(root / "mailroom"))
    redis = start_embedded_redis(root / "redis")
    stack.callback(redis.stop)
    (port,) = free_ports(1)
    site_url = f"http://{LOOPBACK}:{port}"
    env = sandbox_env(mailroom, redis.url, root / "sandbox.sqlite3", site_url)
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "seed_demo")
    server = SandboxServer(env, root / "server.log", port)
    worker = CeleryWorker(env, root / "worker.log", queue=QUEUE, concurrency=1)
    stack.callback(server.stop)
    stack.callback(worker.stop)
    server.start()  # comes up while the worker does
    worker.start()
    server.wait_listening()
    return LiveSandbox(site_url, mailroom, server, worker)
