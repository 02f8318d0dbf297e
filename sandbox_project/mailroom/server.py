"""Run the catcher, the secure listener and the HTTP side together in one asyncio loop."""

import asyncio
import errno
import logging
import sqlite3
import weakref

from mailroom.certs import ensure_certificates, server_tls_context
from mailroom.chaos import Chaos
from mailroom.smtp import CatcherHandler, catcher_factory, secure_factory
from mailroom.store import MessageStore

logger = logging.getLogger(__name__)

# How long open HTTP requests (such as event streams) may take to finish on stop.
HTTP_SHUTDOWN_TIMEOUT = 2.0

# Printed once every listener is bound; runner.py waits for it.
READY_LINE = "Mailroom ready; stop with Ctrl+C"

HTTP_MISSING_NOTE = (
    "HTTP side not installed (mailroom.http.app is missing): "
    "serving SMTP only, without the MailHog API, web UI or SendGrid mock"
)


class ServiceError(Exception):
    """A listener could not start; the message says why in one line."""


class Mailroom:
    """Own the store, the chaos settings and every listener of one mailroom."""

    def __init__(self, config, chaos=None, store=None):
        self.config = config
        self.chaos = chaos if chaos is not None else Chaos()
        self.store = store
        self._owns_store = store is None
        self._servers = []
        self._sessions = weakref.WeakSet()
        self._http_runner = None
        self.notes = []

    async def start(self) -> list[str]:
        """Start every listener; return one line per listener."""
        if self.store is None:
            self.store = _open_store(self.config)
        try:
            return [
                await self._start_catcher(),
                await self._start_secure(),
                *await self._start_http(),
            ]
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop every listener, then close the store if this mailroom opened it."""
        for server in self._servers:
            server.close()
        # Open sessions would otherwise live on until their idle timeout (minutes).
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        for server in self._servers:
            await server.wait_closed()
        self._servers = []
        if self._http_runner is not None:
            await self._http_runner.cleanup()
            self._http_runner = None
        if self._owns_store and self.store is not None:
            self.store.close()
            self.store = None

    async def _start_catcher(self):
        handler = CatcherHandler(self.store, self.chaos, source="smtp")
        factory = catcher_factory(handler, self.config, loop=asyncio.get_running_loop())
        await self._listen(factory, self.config.smtp_port, "SMTP catcher", "MAILROOM_SMTP_PORT")
        return f"SMTP catcher on {self.config.host}:{self.config.smtp_port}"

    async def _start_secure(self):
        try:
            _, server_path = ensure_certificates(self.config.certs_dir)
        except OSError as exc:
            raise ServiceError(
                f"cannot create the certificates in {self.config.certs_dir}: {exc}"
            ) from None
        tls_context = server_tls_context(server_path)
        handler = CatcherHandler(self.store, self.chaos, source="smtps")
        factory = secure_factory(
            handler, self.config, tls_context, loop=asyncio.get_running_loop()
        )
        await self._listen(
            factory, self.config.secure_port, "secure SMTP listener", "MAILROOM_SECURE_PORT"
        )
        return (
            f"SMTP secure listener (STARTTLS + AUTH) on {self.config.host}:"
            f"{self.config.secure_port}, CA at {self.config.ca_path}"
        )

    async def _start_http(self):
        create_app = _load_http_app()
        if create_app is None:
            self.notes.append(HTTP_MISSING_NOTE)
            return []
        from aiohttp import web

        app = create_app(self.store, self.config, self.chaos)
        self._http_runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=HTTP_SHUTDOWN_TIMEOUT
        )
        await self._http_runner.setup()
        site = web.TCPSite(self._http_runner, self.config.host, self.config.http_port)
        try:
            await site.start()
        except OSError as exc:
            raise _bind_error(exc, self.config, self.config.http_port, "HTTP side",
                              "MAILROOM_HTTP_PORT") from None
        return [
            f"HTTP (MailHog API v2, web UI, SendGrid v3 mock) on "
            f"http://{self.config.host}:{self.config.http_port}"
        ]

    async def _listen(self, factory, port, what, variable):
        loop = asyncio.get_running_loop()
        try:
            server = await loop.create_server(
                self._tracked(factory), host=self.config.host, port=port
            )
        except OSError as exc:
            raise _bind_error(exc, self.config, port, what, variable) from None
        self._servers.append(server)

    def _tracked(self, factory):
        """Wrap `factory` so that stop() can close the sessions it made."""

        def make_session():
            session = factory()
            self._sessions.add(session)
            return session

        return make_session


def _open_store(config):
    """Open the message store, or explain in one line why it cannot be opened."""
    try:
        return MessageStore(config.db_path, config.max_messages)
    except (OSError, sqlite3.Error) as exc:
        raise ServiceError(f"cannot open the message store {config.db_path}: {exc}") from None


def _load_http_app():
    """Return mailroom.http.app.create_app, or None when the HTTP side is not installed."""
    try:
        from mailroom.http.app import create_app
    except ModuleNotFoundError as exc:
        # Only a missing HTTP package is tolerated; a broken one must show its error.
        if exc.name in ("mailroom.http", "mailroom.http.app"):
            return None
        raise
    return create_app


def _bind_error(exc, config, port, what, variable):
    """Turn a failed bind into a one-line ServiceError."""
    if exc.errno == errno.EADDRINUSE:
        return ServiceError(
            f"cannot start the {what}: port {port} on {config.host} is already in use "
            f"(another mailroom or MailHog running?); stop it or set {variable}"
        )
    return ServiceError(f"cannot start the {what} on {config.host}:{port}: {exc.strerror or exc}")


async def serve(config, chaos, stop_event: asyncio.Event, out=print) -> None:
    """Run a mailroom until `stop_event` is set, announcing each listener through `out`."""
    mailroom = Mailroom(config, chaos)
    lines = await mailroom.start()
    try:
        for line in [*lines, *mailroom.notes]:
            out(line)
        out(READY_LINE)
        await stop_event.wait()
    finally:
        await mailroom.stop()
