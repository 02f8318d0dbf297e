"""Read observations as the grading tests need them, and fail in plain words.

Everything here came out of the sandbox or from files the submission could
write: it is data to judge, never code to run, and any of it may be missing or
malformed. A helper that cannot find what it needs fails the test with a
sentence a student can act on.
"""

import json
import re

import pytest

from outbox.console import split_messages
from outbox.message import parse

LINK = re.compile(r"https?://[^\s\"'<>]+")
HTML_TAG = re.compile(r"<\s*/?\s*(html|head|body|p|div|span|a|table|tr|td|br|h[1-6]|strong|em|"
                      r"img|style|ul|li)\b", re.I)
STOPPED = {
    "timeout": "it {detail}",
    "crashed": "{detail}",
    "skipped": "{detail}",
    "protocol": "{detail}",
}


class Observed:
    """Everything recorded for one submission."""

    def __init__(self, record):
        self.record = record if isinstance(record, dict) else {}
        self.secret_key = self.record.get("secret_key", "")
        self.db = self.record.get("db") if isinstance(self.record.get("db"), dict) else {}

    @property
    def name(self):
        return self.record.get("submission", "?")

    def run(self, scenario_id):
        """Return the run of one scenario, or fail saying why it has none."""
        if self.record.get("error"):
            pytest.fail(f"nothing was graded: {self.record['error']}")
        entry = (self.record.get("scenarios") or {}).get(scenario_id)
        if not isinstance(entry, dict):
            pytest.fail(f"the scenario {scenario_id} did not run")
        status = entry.get("status")
        if status != "ok":
            detail = str(entry.get("detail", ""))
            pytest.fail("the code stopped: " + STOPPED.get(status, "{detail}").format(
                detail=detail))
        result = entry.get("result") or {}
        if "driver_error" in result:
            last = str(result["driver_error"]).strip().splitlines()[-1:] or ["?"]
            pytest.fail(f"the scenario could not run: {last[0][:300]}")
        return Run(scenario_id, entry)

    def rows(self, table):
        if "error" in self.db:
            pytest.fail(f"the database could not be read: {self.db['error']}")
        rows = self.db.get(table)
        return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []

    def user(self, email):
        """Return the auth_user row with this address, or fail."""
        for row in self.rows("auth_user"):
            if str(row.get("email", "")).lower() == email.lower():
                return row
        pytest.fail(f"no user {email} in the database")


class Run:
    """One scenario's run: its inputs, what the code answered, what it sent."""

    def __init__(self, scenario_id, entry):
        self.id = scenario_id
        self.entry = entry
        self.params = entry.get("params") or {}
        self.obs = (entry.get("result") or {}).get("obs") or {}
        self.connections = entry.get("connections") or 0
        # Statuses the SendGrid mock answered, noted by the grader's HTTP gate.
        self.http_statuses = [s for s in entry.get("http_statuses") or [] if isinstance(s, int)]
        self.stdout = entry.get("stdout") or ""
        self.broker = [m for m in entry.get("broker") or [] if isinstance(m, dict)]
        self.messages = [Message(m) for m in entry.get("messages") or [] if isinstance(m, dict)]

    def value(self, key="call", what="the function"):
        """Return what the call under `key` returned, or fail saying what it raised."""
        return answered(self.obs.get(key), what)

    def to(self, address):
        """Return the messages delivered to `address`."""
        return [m for m in self.messages if address.lower() in m.recipients]

    def only_message(self, address):
        """Return the one message for `address`, or fail."""
        found = self.to(address)
        if len(found) != 1:
            pytest.fail(f"expected one email to {address}, found {len(found)}"
                        f" (and {len(self.messages)} email(s) in all)")
        return found[0]

    def console_messages(self):
        return [Message.from_raw(raw) for raw in split_messages(self.stdout)]


def answered(call, what="the function"):
    """Return a call's returned value, or fail: not done yet, raised, or no answer."""
    if not isinstance(call, dict):
        pytest.fail(f"{what} gave no answer")
    raised = call.get("raised")
    if isinstance(raised, dict):
        kind, message = raised.get("type", "?"), str(raised.get("message", ""))[:300]
        where = f" ({raised['where']})" if raised.get("where") else ""
        if kind == "NotImplementedError":
            pytest.fail(f"not done yet{': ' + message if message else ''}")
        if kind == "ModuleNotFoundError" and "exercises." in message:
            pytest.fail(f"the exercise file is missing: {message}")
        pytest.fail(f"{what} raised {kind}: {message}{where}")
    return call.get("returned")


class Message:
    """One delivered email, as captured by the grader."""

    def __init__(self, data):
        self.data = data

    @classmethod
    def from_raw(cls, raw):
        message = parse(raw)
        return cls({"subject": message.subject, "from": message.from_email, "to": message.to,
                    "cc": message.cc, "envelope_to": [], "text": message.text,
                    "html": message.html,
                    "headers": {k: list(v) for k, v in message.headers.items()},
                    "content_types": _content_types(raw), "attachments": []})

    def __getattr__(self, name):
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def recipients(self):
        found = list(self.data.get("to") or []) + list(self.data.get("cc") or [])
        found += list(self.data.get("envelope_to") or [])
        return {str(address).lower() for address in found}

    def header(self, name, default=None):
        values = (self.data.get("headers") or {}).get(name.lower())
        return values[0] if isinstance(values, list) and values else default

    @property
    def links(self):
        return LINK.findall(self.data.get("text") or "")

    def has_html_tags(self):
        return bool(HTML_TAG.search(self.data.get("text") or ""))


def _content_types(raw):
    from email import policy
    from email.parser import BytesParser

    return [p.get_content_type() for p in BytesParser(policy=policy.default).parsebytes(raw).walk()]


def json_field(value):
    """Return a JSON column's value as data: SQLite hands it over as text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value
