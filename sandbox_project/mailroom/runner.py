"""Start and stop a mailroom for tests, notebooks and integration tests.

`MailroomProcess` runs `python -m mailroom` as a child process, the way students
run it; `MailroomThread` runs the same services inside this process, in a
background event loop, for tests and benchmarks that need the store and chaos
objects at hand.
"""

import asyncio
import atexit
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from mailroom.chaos import Chaos
from mailroom.config import Config
from mailroom.server import READY_LINE, Mailroom

SANDBOX_DIR = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
POLL_INTERVAL = 0.05
STOP_TIMEOUT = 10.0


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """Return `count` distinct ports that are free on `host` right now."""
    sockets = []
    try:
        # Hold every socket open until all are chosen so the same port is not given twice.
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def accepts_connections(host: str, port: int) -> bool:
    """Return whether something listens on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def set_chaos(http_url: str, changes: dict | None = None) -> dict:
    """Set faults through a running mailroom's `PUT /api/v2/jim` (None: all off); return them."""
    method, body = ("DELETE", None) if changes is None else ("PUT", json.dumps(changes).encode())
    request = urllib.request.Request(f"{http_url}/api/v2/jim", data=body, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def http_side_installed() -> bool:
    """Return whether the HTTP side (mailroom.http.app) is present."""
    try:
        return importlib.util.find_spec("mailroom.http.app") is not None
    except ModuleNotFoundError:
        return False


class MailroomProcess:
    """One `python -m mailroom` child process on free loopback ports."""

    def __init__(self, data_dir: Path, env: dict | None = None):
        self.data_dir = Path(data_dir).resolve()
        self.extra_env = dict(env or {})
        self.smtp_port, self.secure_port, self.http_port = free_ports(3)
        self.config = Config.from_env({**os.environ, **self.extra_env, **self._fixed_env()})
        self.process = None
        self._logs = []

    def _fixed_env(self):
        return {
            "MAILROOM_HOST": LOOPBACK,
            "MAILROOM_SMTP_PORT": str(self.smtp_port),
            "MAILROOM_SECURE_PORT": str(self.secure_port),
            "MAILROOM_HTTP_PORT": str(self.http_port),
            "MAILROOM_DATA_DIR": str(self.data_dir),
        }

    @property
    def http_url(self) -> str:
        """Return the base URL of the MailHog API, web UI and SendGrid mock."""
        return f"http://{LOOPBACK}:{self.http_port}"

    def set_chaos(self, changes: dict | None = None) -> dict:
        """Set this mailroom's faults (None: all off), as set_chaos() does."""
        return set_chaos(self.http_url, changes)

    @property
    def stdout_path(self) -> Path:
        """Return the file that receives the process's stdout."""
        return self.data_dir / "mailroom.stdout.log"

    @property
    def stderr_path(self) -> Path:
        """Return the file that receives the process's stderr."""
        return self.data_dir / "mailroom.stderr.log"

    def start(self, timeout: float = 15) -> "MailroomProcess":
        """Launch the process and wait until every listener accepts connections."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError(f"mailroom already running as PID {self.process.pid}")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._close_logs()
        # Files, not pipes: nobody reads a pipe while the process runs, and a full one blocks it.
        stdout, stderr = open(self.stdout_path, "wb"), open(self.stderr_path, "wb")
        self._logs = [stdout, stderr]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mailroom"],
            env=self._child_env(),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
        # A notebook or test run that ends without stop() must not leave the ports taken.
        atexit.register(self.stop)
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _child_env(self):
        env = {**os.environ, **self.extra_env, **self._fixed_env()}
        paths = [str(SANDBOX_DIR), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _ports(self):
        ports = [self.smtp_port, self.secure_port]
        if http_side_installed():
            ports.append(self.http_port)
        return ports

    def _wait_until_ready(self, timeout):
        # The ready line proves that this process bound the ports, not some other one.
        deadline = time.monotonic() + timeout
        ready = False
        pending = self._ports()
        while not ready or pending:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"mailroom exited with status {self.process.returncode}: {self.stderr()}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"mailroom was not ready (ports {pending}) within {timeout} s: "
                    f"{self.stderr()}"
                )
            ready = ready or READY_LINE in self.stdout()
            if ready:
                pending = [port for port in pending if not accepts_connections(LOOPBACK, port)]
            if not ready or pending:
                time.sleep(POLL_INTERVAL)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """Terminate the process (SIGTERM), kill it after `timeout`; return its exit status."""
        atexit.unregister(self.stop)
        process, self.process = self.process, None
        status = None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            status = process.returncode
        self._close_logs()
        return status

    def _close_logs(self):
        for log in self._logs:
            log.close()
        self._logs = []

    def restart(self, timeout: float = 15) -> "MailroomProcess":
        """Stop, then start again on the same ports and data directory."""
        self.stop()
        return self.start(timeout)

    @property
    def running(self) -> bool:
        """Return whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def stdout(self) -> str:
        """Return what the process printed so far."""
        return _read_text(self.stdout_path)

    def stderr(self) -> str:
        """Return what the process wrote to stderr so far."""
        return _read_text(self.stderr_path).strip()

    def env_for_django(self) -> dict[str, str]:
        """Return the environment variables that point the Django project at this mailroom."""
        return {
            **self.config.to_env(),
            "MAILROOM_CA_PATH": str(self.config.ca_path),
            "EMAIL_SSL_CAFILE": str(self.config.ca_path),
            "MAILHOG_URL": self.http_url,
        }

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class MailroomThread:
    """The mailroom services in a background event loop of this process."""

    def __init__(self, config: Config, chaos: Chaos | None = None):
        self.config = config
        self.chaos = chaos if chaos is not None else Chaos()
        self.mailroom = None
        self.lines = []
        self._loop = None
        self._thread = None

    @property
    def store(self):
        """Return the running services' message store."""
        return self.mailroom.store

    def start(self, timeout: float = 15) -> "MailroomThread":
        """Start the services and return once they listen; re-raise their startup error."""
        self._loop = asyncio.new_event_loop()
        self.mailroom = Mailroom(self.config, self.chaos)
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="mailroom", daemon=True
        )
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self.mailroom.start(), self._loop)
        try:
            self.lines = future.result(timeout)
        except BaseException:
            self._halt_loop()
            raise
        return self

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the services, finish their tasks, then stop the loop."""
        if self._loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._shut_down(), self._loop)
        try:
            future.result(timeout)
        finally:
            self._halt_loop()

    async def _shut_down(self):
        await self.mailroom.stop()
        # As asyncio.run does: let cancelled sessions finish before the loop closes.
        current = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks() if task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.get_running_loop().shutdown_asyncgens()

    def _halt_loop(self):
        loop, self._loop = self._loop, None
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(STOP_TIMEOUT)
        loop.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def _read_text(path):
    try:
        return Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return ""
