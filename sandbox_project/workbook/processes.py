"""Child processes started by the workbook, the tests and the benchmarks.

A Celery worker or beat runs in its own process group, logs to a file, is
started with a bounded wait for its ready line, and is stopped (or killed, as a
crash would) by its own group id only.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SANDBOX = Path(__file__).resolve().parents[1]
REPO = SANDBOX.parent


def wait_until(predicate, timeout, interval=0.05, message="condition"):
    """Poll `predicate` until it is truthy; raise TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = message() if callable(message) else message
            raise TimeoutError(f"{detail} not reached within {timeout:g} s")
        time.sleep(interval)


class ManagedProcess:
    """A child process in its own process group, logging to a file."""

    ready_text = None

    def __init__(self, args, env, cwd, log_path):
        self.args, self.env, self.cwd = args, env, cwd
        self.log_path = Path(log_path)
        self.process = None

    def start(self, timeout=30):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.args, env=self.env, cwd=self.cwd, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        if self.ready_text:
            try:
                wait_until(self._ready, timeout, interval=0.1, message=f"{self.args} ready")
            except TimeoutError:
                self.stop()
                raise
        return self

    def _ready(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.args} exited early:\n{self.log()}")
        return self.ready_text in self.log()

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """SIGKILL the whole process group at once, as a crashed machine would."""
        if self.running:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout=15):
        """Ask the group to stop (SIGTERM), then kill it after `timeout`."""
        if not self.running:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class CeleryWorker(ManagedProcess):
    """`celery -A config worker` on one queue, restarted if it exits, as `make run` runs it."""

    ready_text = "ready."

    def __init__(self, env, log_path, *, concurrency=2, queue="emails", name="worker"):
        args = [sys.executable, str(REPO / "scripts" / "supervise.py"), "--delay", "0.5", "--",
                sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=info",
                "--pool=prefork", f"--concurrency={concurrency}", "-Q", queue,
                "-n", f"{name}-{os.getpid()}-{time.monotonic_ns()}@%h",
                "--without-mingle", "--without-gossip"]
        super().__init__(args, env, SANDBOX, log_path)


class CeleryBeat(ManagedProcess):
    """`celery -A config beat` with its schedule file in a temporary folder."""

    ready_text = "beat: Starting..."

    def __init__(self, env, log_path, schedule_path):
        args = [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=info",
                "-s", str(schedule_path)]
        super().__init__(args, env, SANDBOX, log_path)
