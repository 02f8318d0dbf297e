"""Fixtures for the HTTP side: real servers on free loopback ports, always stopped."""

import asyncio
import json
import queue
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from mailroom.chaos import Chaos
from mailroom.config import Config
from mailroom.runner import LOOPBACK, MailroomThread, free_ports

CLIENT_TIMEOUT = 10


@dataclass
class Reply:
    """What an HTTP request got back."""

    status: int
    headers: dict
    body: bytes

    def json(self):
        """Return the body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class Http:
    """A tiny HTTP client that returns error statuses instead of raising them."""

    base_url: str

    def request(self, method, path, body=None, headers=None) -> Reply:
        """Send one request; `body` may be bytes or a JSON-able value."""
        headers = dict(headers or {})
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=CLIENT_TIMEOUT) as response:
                return Reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, dict(error.headers), error.read())

    def get(self, path, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs) -> Reply:
        return self.request("POST", path, body=body, **kwargs)

    def put(self, path, body=None, **kwargs) -> Reply:
        return self.request("PUT", path, body=body, **kwargs)

    def delete(self, path, **kwargs) -> Reply:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def chaos():
    """Return a Chaos with every fault off and a fixed seed."""
    return Chaos(seed=4321)


@pytest.fixture
def start_mailroom(tmp_path, chaos):
    """Return a function that starts a mailroom with some Config fields overridden."""
    started = []

    def start(**settings) -> MailroomThread:
        smtp_port, secure_port, http_port = free_ports(3)
        config = Config(
            host=LOOPBACK,
            smtp_port=smtp_port,
            secure_port=secure_port,
            http_port=http_port,
            data_dir=tmp_path / f"mailroom-{len(started)}",
            **settings,
        )
        services = MailroomThread(config, chaos).start()
        started.append(services)
        return services

    yield start
    for services in started:
        services.stop()


@pytest.fixture
def mailroom(start_mailroom):
    """Run the mail services (SMTP and HTTP) in this process, stopped after the test."""
    return start_mailroom()


@pytest.fixture
def store(mailroom):
    """Return the message store of the running mailroom."""
    return mailroom.store


@pytest.fixture
def make_http():
    """Return the client class, for servers that a test starts itself."""
    return Http


@pytest.fixture
def http(mailroom) -> Http:
    """Return a client for the mailroom's HTTP side."""
    return Http(f"http://{LOOPBACK}:{mailroom.config.http_port}")


class BackgroundApp:
    """An aiohttp application served from its own event loop thread."""

    def __init__(self, app: web.Application):
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner = None
        self.port = None

    def start(self) -> "BackgroundApp":
        """Serve the application on a free loopback port."""
        self.thread.start()
        self.port = self.call(self._start())
        return self

    async def _start(self):
        self.runner = web.AppRunner(self.app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, LOOPBACK, 0)
        await site.start()
        return self.runner.addresses[0][1]

    def call(self, coroutine, timeout=CLIENT_TIMEOUT):
        """Run a coroutine on the application's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def stop(self) -> None:
        """Stop serving and end the loop thread."""
        if self.runner is not None:
            self.call(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(CLIENT_TIMEOUT)
        self.loop.close()


@pytest.fixture
def serve_app():
    """Return a function that serves an aiohttp application until the test ends."""
    running = []

    def serve(app: web.Application) -> BackgroundApp:
        background = BackgroundApp(app).start()
        running.append(background)
        return background

    yield serve
    for background in reversed(running):
        background.stop()


@dataclass
class WebhookReceiver:
    """Collects the JSON bodies posted to it."""

    url: str = ""
    batches: queue.Queue = field(default_factory=queue.Queue)

    def next_batch(self, timeout=CLIENT_TIMEOUT):
        """Return the next posted body, waiting for it."""
        return self.batches.get(timeout=timeout)


@pytest.fixture
def webhook_receiver(serve_app) -> WebhookReceiver:
    """Run a tiny HTTP server that records SendGrid event webhook posts."""
    receiver = WebhookReceiver()

    async def receive(request):
        receiver.batches.put(await request.json())
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/events", receive)
    receiver.url = serve_app(app).url + "/events"
    return receiver
