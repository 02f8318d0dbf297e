"""Read what a submission left behind, as plain data, without trusting any of it.

Messages come from the grader's own catcher; the database, the Celery folder and
the printed output come from files the child could write, so every read here
refuses links and special files, caps sizes and bounds the work it does.
"""

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path

from grading.paths import use_sandbox

use_sandbox()

from outbox.message import parse  # noqa: E402 - needs the sandbox on sys.path

TEXT_CAP = 64 * 1024
HEADER_CAP = 4 * 1024
FILE_CAP = 64 * 1024
MAX_BROKER_FILES = 50
MAX_ROWS = 500
# SQLite virtual machine steps one snapshot may take: bounds a hostile schema's cost.
# Only tables are read, never views, so no trigger runs; Python's sqlite3 offers no
# function with a side effect a schema could call (Django's JSON columns need
# trusted_schema left on for their JSON_VALID checks).
SQL_STEP_BUDGET = 5_000_000

DB_TABLES = {
    "auth_user": ("id", "username", "email", "password", "last_login", "is_active",
                  "first_name"),
    "catalog_profile": ("id", "user_id", "email_key", "subscribed_to_notifications",
                        "subscribed_to_newsletter"),
    "notifications_emaillog": ("id", "kind", "recipient", "from_email", "subject", "text_body",
                               "status", "attempts", "last_error", "sent_at", "created_at",
                               "headers"),
}


def captured(stored):
    """Return one stored message (mailroom StoredMessage) as plain data."""
    message = parse(stored.raw, id=stored.id, envelope_to=stored.rcpt_tos)
    return {
        "subject": message.subject[:HEADER_CAP],
        "from": message.from_email,
        "to": message.to,
        "cc": message.cc,
        "envelope_to": list(stored.rcpt_tos),
        "text": message.text[:TEXT_CAP],
        "html": message.html[:TEXT_CAP],
        "headers": {name: [value[:HEADER_CAP] for value in values[:20]]
                    for name, values in list(message.headers.items())[:100]},
        "content_types": _content_types(message.raw),
        "attachments": [{
            "filename": item.filename[:200], "content_type": item.content_type,
            "size": len(item.content), "sha256": hashlib.sha256(item.content).hexdigest(),
            "head": base64.b64encode(item.content[:16]).decode()} for item in message.attachments],
        "source": stored.source,
    }


def _content_types(raw):
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(raw)
    return [part.get_content_type() for part in message.walk()][:50]


def open_plain_file(path):
    """Open a regular file for reading, never following a link nor blocking on a FIFO."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path} is not a regular file")
    return os.fdopen(fd, "rb")


def read_slice(path, start, end, cap=TEXT_CAP):
    """Return bytes start..end of a file the grader wrote to, at most `cap` of them."""
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            return handle.read(max(0, min(end - start, cap))).decode("utf-8", "replace")
    except OSError:
        return ""


def read_broker(folder):
    """Return the Celery messages in `folder` as {"task", "args", "kwargs"}, then remove them."""
    found = []
    try:
        names = sorted(os.listdir(folder))[:MAX_BROKER_FILES]
    except OSError:
        return found
    for name in names:
        path = os.path.join(folder, name)
        try:
            with open_plain_file(path) as handle:
                payload = json.loads(handle.read(FILE_CAP + 1)[:FILE_CAP])
            found.append(_task_message(payload))
        except (OSError, ValueError, TypeError, AttributeError):
            found.append({"task": None, "args": None, "kwargs": None, "unreadable": name[:100]})
        try:
            os.unlink(path)
        except OSError:
            pass
    return found


def _task_message(payload):
    body = payload.get("body")
    if payload.get("properties", {}).get("body_encoding") == "base64":
        body = base64.b64decode(body)
    args, kwargs, _ = json.loads(body)
    return {"task": str(payload.get("headers", {}).get("task"))[:200],
            "args": args if isinstance(args, list) else None,
            "kwargs": kwargs if isinstance(kwargs, dict) else None}


def read_database(work, scratch):
    """Copy the child's SQLite files to `scratch` and return the rows the tests need."""
    scratch = Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    copy = scratch / "db.sqlite3"
    for suffix in ("", "-wal"):
        source = Path(work) / f"db.sqlite3{suffix}"
        if not os.path.lexists(source):
            continue
        try:
            with open_plain_file(source) as handle, open(f"{copy}{suffix}", "wb") as out:
                shutil.copyfileobj(handle, out)
        except OSError as exc:
            return {"error": f"database file unreadable: {exc}"}
    if not copy.exists():
        return {"error": "the database file is missing"}
    try:
        return _rows(copy)
    except sqlite3.Error as exc:
        return {"error": f"database unreadable: {exc}"}


def _rows(path):
    steps = [0]

    def budget():
        steps[0] += 1
        return steps[0] > SQL_STEP_BUDGET // 1000  # non-zero aborts the query

    db = sqlite3.connect(path)
    try:
        db.set_progress_handler(budget, 1000)
        tables = {name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        rows = {}
        for table, columns in DB_TABLES.items():
            if table not in tables:
                rows[table] = []
                continue
            present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            wanted = [c for c in columns if c in present]
            cursor = db.execute(f"SELECT {', '.join(wanted)} FROM {table} LIMIT {MAX_ROWS}")
            rows[table] = [{c: _cell(v) for c, v in zip(wanted, row, strict=True)}
                           for row in cursor]
        return rows
    finally:
        db.close()


def _cell(value):
    if isinstance(value, bytes):
        return value[:HEADER_CAP].decode("utf-8", "replace")
    if isinstance(value, str):
        return value[:TEXT_CAP]
    return value
