"""A Celery worker started from a notebook: this kernel's database and queue, its own log."""

import atexit
import itertools
import os

from workbook.lab import SANDBOX, var_dir
from workbook.processes import CeleryWorker

_numbers = itertools.count(1)


class Worker(CeleryWorker):
    """`celery -A config worker` as a child process, stopped by its own process group.

    Keyword arguments become environment variables of the worker, e.g.
    Worker(EMAIL_RETRY_BASE_DELAY="0.2") for quick retries.
    """

    def __init__(self, concurrency=2, **environment):
        from django.conf import settings

        number = next(_numbers)
        env = {**os.environ, "PYTHONPATH": str(SANDBOX), "PYTHONUNBUFFERED": "1",
               "EMAIL_STAGE": settings.EMAIL_STAGE, **environment}
        super().__init__(env, var_dir() / f"worker-{os.getpid()}-{number}.log",
                         concurrency=concurrency, queue=settings.CELERY_TASK_DEFAULT_QUEUE,
                         name="notebook")

    def start(self, timeout=60):
        """Start the worker and return once it says it is ready."""
        super().start(timeout)
        atexit.register(self.stop)  # a kernel shut down mid-notebook leaves no worker behind
        return self

    def stop(self, timeout=15):
        atexit.unregister(self.stop)
        super().stop(timeout)
