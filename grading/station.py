"""The mail services one grading worker owns: catcher, SendGrid mock and connection gate."""

import secrets
import socket
from pathlib import Path

from grading.capture import captured
from grading.gate import LOOPBACK, Gate
from grading.paths import use_sandbox

use_sandbox()

from mailroom.config import Config  # noqa: E402 - needs the sandbox on sys.path
from mailroom.runner import MailroomThread, free_ports  # noqa: E402

MAX_MESSAGE_SIZE = 1024 * 1024
MAX_MESSAGES = 200
# Messages read back per scenario: the largest scenario sends about twenty.
MAX_COLLECTED = 60
# Children reach the SendGrid mock only: not the catcher's API, UI or fault settings.
SENDGRID_SEND = b"POST /v3/mail/send "


class Station:
    """Services on free loopback ports, reset before every scenario."""

    def __init__(self, data_dir):
        smtp, secure, http = free_ports(3)
        self.api_key = "SG." + secrets.token_urlsafe(24)
        self.config = Config(host=LOOPBACK, smtp_port=smtp, secure_port=secure, http_port=http,
                             data_dir=Path(data_dir), max_message_size=MAX_MESSAGE_SIZE,
                             max_messages=MAX_MESSAGES, sendgrid_api_key=self.api_key)
        self.mailroom = MailroomThread(self.config)
        self.gate = Gate(smtp)
        self.http_gate = Gate(http, allow=SENDGRID_SEND)
        self._dead = None

    def start(self):
        self.mailroom.start()
        self.gate.start()
        self.http_gate.start()
        # Bound but never listening: a connection here is refused, as to a server that is down.
        self._dead = socket.socket()
        self._dead.bind((LOOPBACK, 0))
        return self

    def stop(self):
        self.gate.stop()
        self.http_gate.stop()
        self.mailroom.stop()
        if self._dead is not None:
            self._dead.close()

    @property
    def dead_port(self):
        return self._dead.getsockname()[1]

    @property
    def http_url(self):
        """The SendGrid mock, as children reach it: through the gate that notes statuses."""
        return f"http://{LOOPBACK}:{self.http_gate.port}"

    @property
    def ports(self):
        """The TCP ports a sandboxed child may connect to: the two gates and the dead port.

        The catcher's own ports stay out of reach, so nothing bypasses the gates.
        """
        return [self.gate.port, self.http_gate.port, self.dead_port]

    def child_env(self):
        """Environment variables that point the sandbox project at these services."""
        return {
            "EMAIL_STAGE": "mailhog",
            "MAILROOM_SMTP_PORT": str(self.gate.port),
            "MAILROOM_HTTP_PORT": str(self.http_gate.port),
            "SENDGRID_API_KEY": self.api_key,
            "SENDGRID_API_HOST": self.http_url,
        }

    def prepare(self, services):
        """Forget earlier mail and faults; switch on what the next scenario needs."""
        self.mailroom.store.clear()
        chaos = self.mailroom.chaos
        chaos.reset()
        changes = {}
        if services.get("reject"):
            changes["reject_recipients"] = list(services["reject"])
        if services.get("sendgrid_5xx"):
            changes["sendgrid_5xx_rate"] = services["sendgrid_5xx"]
        chaos.update(changes)
        self.gate.reset(services.get("refuse_first", 0))
        self.http_gate.reset()

    def collect(self):
        """Return what arrived since prepare(): messages, oldest first, and connections."""
        _, newest = self.mailroom.store.list(0, MAX_COLLECTED)
        stored = list(reversed(newest))
        return {"messages": [captured(message) for message in stored],
                "connections": self.gate.count, "http_statuses": self.http_gate.statuses}

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
