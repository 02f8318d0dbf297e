"""The services `make run` gives a student, started on free ports for the notebooks.

Used by the nbval plugin (tests/notebooks/plugin.py) and by `make notebooks`
(scripts/run_notebooks.py). Kernels inherit the environment of the process that
starts them, so `environment()` goes into os.environ before the first kernel.
"""

import os
import threading
from pathlib import Path

from mailroom.runner import MailroomProcess
from tests.support.processes import SANDBOX, CeleryWorker, start_embedded_redis

# The ports a student's `make run` uses: outputs saved by `make notebooks` show these.
DEFAULT_PORTS = {
    "MAILROOM_SMTP_PORT": 1025,
    "MAILROOM_SECURE_PORT": 1587,
    "MAILROOM_HTTP_PORT": 8025,
    "EMBEDDED_REDIS_PORT": 6399,
}


class NotebookServices:
    """The mail services, an embedded Redis and a Celery worker, each its own process."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.mailroom = MailroomProcess(self.workdir / "mailroom")
        self.redis = None
        self.worker = None

    def start(self):
        """Start everything; the mailroom and Redis start side by side."""
        failure = []

        def start_mailroom():
            try:
                self.mailroom.start()
            except BaseException as exc:  # re-raised below, in the caller's thread
                failure.append(exc)

        thread = threading.Thread(target=start_mailroom)
        thread.start()
        try:
            self.redis = start_embedded_redis(self.workdir / "redis")
        finally:
            thread.join()
        if failure:
            self.stop()
            raise failure[0]
        worker_env = {**self.base_environment(), **self.environment(),
                      "PYTHONPATH": str(SANDBOX),
                      "DATABASE_URL": f"sqlite:///{self.workdir / 'worker.sqlite3'}"}
        self.worker = CeleryWorker(worker_env, self.workdir / "worker.log", queue="emails")
        try:
            self.worker.start()
        except BaseException:
            self.stop()
            raise
        return self

    @staticmethod
    def base_environment():
        """Return os.environ without what would point kernels away from these services."""
        return {k: v for k, v in os.environ.items()
                if k not in ("REDIS_URL", "DATABASE_URL", "MAILHOG_URL", "EMAIL_STAGE")
                and not k.startswith(("MAILROOM_", "EMAIL_HOST", "SENDGRID_"))}

    def environment(self):
        """Return the variables that point a kernel at these services."""
        return {
            "MAILROOM_SMTP_PORT": str(self.mailroom.smtp_port),
            "MAILROOM_SECURE_PORT": str(self.mailroom.secure_port),
            "MAILROOM_HTTP_PORT": str(self.mailroom.http_port),
            "MAILROOM_DATA_DIR": str(self.mailroom.data_dir),
            "EMBEDDED_REDIS_PORT": str(self.redis.port),
            "WORKBOOK_VAR_DIR": str(self.workdir / "workbook"),
            # Exercise cells run the reference solutions, so their outputs are the answers.
            "WORKBOOK_EXERCISES": "solutions",
        }

    def ports(self):
        """Return {actual port: the default port it stands for}."""
        env = self.environment()
        return {int(env[name]): default for name, default in DEFAULT_PORTS.items()}

    def stop(self):
        for service in (self.worker, self.redis, self.mailroom):
            if service is not None:
                service.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
