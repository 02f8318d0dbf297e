"""A Celery worker started from a notebook: this kernel's database and queue, its own log."""

import atexit
import itertools
import os
import signal
import subprocess
import sys
import time

from workbook.lab import SANDBOX, var_dir

_numbers = itertools.count(1)


class Worker:
    """`celery -A config worker` as a child process, stopped by its own process group.

    Keyword arguments become environment variables of the worker, e.g.
    Worker(EMAIL_RETRY_BASE_DELAY="0.2") for quick retries.
    """

    def __init__(self, concurrency=2, **environment):
        from django.conf import settings

        self.number = next(_numbers)
        self.queue = settings.CELERY_TASK_DEFAULT_QUEUE
        self.log_path = var_dir() / f"worker-{os.getpid()}-{self.number}.log"
        self.env = {**os.environ, "PYTHONPATH": str(SANDBOX), "PYTHONUNBUFFERED": "1",
                    "EMAIL_STAGE": settings.EMAIL_STAGE, **environment}
        self.args = [sys.executable, "-m", "celery", "-A", "config", "worker",
                     "--loglevel=info", f"--concurrency={concurrency}", "-Q", self.queue,
                     "-n", f"notebook-{os.getpid()}-{self.number}@%h",
                     "--without-mingle", "--without-gossip"]
        self.process = None

    def start(self, timeout=60):
        """Start the worker and return once it says it is ready."""
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.args, cwd=SANDBOX, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while "ready." not in self.log():
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited; its log says:\n{self.log()[-2000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"the worker was not ready within {timeout} s")
            time.sleep(0.1)
        return self

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def log(self):
        """Return what the worker has logged so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def kill(self):
        """SIGKILL the worker and its pool processes at once, as a crash would."""
        if self.running:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout=15):
        """Ask the worker to finish (SIGTERM), kill it if it does not within `timeout`."""
        atexit.unregister(self.stop)
        if not self.running:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
