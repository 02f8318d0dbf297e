"""Read the MailHog API v2: the local catcher, its SendGrid mock, or a real MailHog."""

import json
import urllib.error
import urllib.request

from outbox.base import Outbox
from outbox.message import parse

PAGE = 250


class MailHogUnavailable(ConnectionError):
    """The catcher's HTTP API did not answer."""


class MailHogOutbox(Outbox):
    """Messages held by a MailHog-compatible server at `url`."""

    def __init__(self, url="http://127.0.0.1:8025", timeout=5.0):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def messages(self):
        items = []
        start = 0
        while True:
            page = self._get(f"/api/v2/messages?start={start}&limit={PAGE}")
            items.extend(page.get("items") or [])
            start += page.get("count") or 0
            if not page.get("count") or start >= page.get("total", 0):
                break
        # The API lists newest first; outboxes read oldest first.
        return [self._message(item) for item in reversed(items) if self.keep(item)]

    def keep(self, item):
        return True

    def clear(self):
        self._request("DELETE", "/api/v1/messages")

    def _message(self, item):
        raw_data = (item.get("Raw") or {}).get("Data", "")
        envelope_to = (item.get("Raw") or {}).get("To") or []
        return parse(raw_data.encode("utf-8", "surrogateescape"), id=item.get("ID", ""),
                     envelope_to=envelope_to)

    def _get(self, path):
        return json.loads(self._request("GET", path) or b"{}")

    def _request(self, method, path):
        request = urllib.request.Request(self.url + path, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            raise MailHogUnavailable(
                f"No mail catcher answers at {self.url}. Start the local mail services with "
                "`make run` (or `make services`), or `docker compose up` for a real MailHog."
            ) from exc


class SendGridMockOutbox(MailHogOutbox):
    """Only the messages the local SendGrid mock accepted."""

    def keep(self, item):
        headers = (item.get("Content") or {}).get("Headers") or {}
        return any(name.lower() == "x-sendgrid-message-id" for name in headers)
