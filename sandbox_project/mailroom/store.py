"""Durable message store: one SQLite file shared by every process that opens it."""

# Annotations stay unevaluated: the class defines a method named `list`.
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

# A second process may hold the write lock for a moment (WAL allows one writer).
BUSY_TIMEOUT_MS = 10_000

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        created TEXT NOT NULL,
        mail_from TEXT NOT NULL,
        rcpt_tos TEXT NOT NULL,
        helo TEXT NOT NULL,
        source TEXT NOT NULL,
        raw BLOB NOT NULL
    )""",
    # The count is kept by triggers so that pruning after each insert costs O(1),
    # whichever process inserted or deleted.
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    """INSERT OR IGNORE INTO counters (name, value)
        SELECT 'messages', count(*) FROM messages""",
    """CREATE TRIGGER IF NOT EXISTS messages_counted_in AFTER INSERT ON messages BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'messages';
    END""",
    """CREATE TRIGGER IF NOT EXISTS messages_counted_out AFTER DELETE ON messages BEGIN
        UPDATE counters SET value = value - 1 WHERE name = 'messages';
    END""",
)

COLUMNS = "id, created, mail_from, rcpt_tos, helo, raw, source"


@dataclass(frozen=True)
class StoredMessage:
    """One message exactly as received, with its envelope."""

    id: str
    created: datetime
    mail_from: str
    rcpt_tos: list[str]
    helo: str
    raw: bytes
    source: str

    @property
    def size(self) -> int:
        """Return the size of the raw message in bytes."""
        return len(self.raw)


class MessageStore:
    """Keep messages in SQLite, newest first, at most `max_messages` of them."""

    def __init__(self, path: Path, max_messages: int = 5000):
        if max_messages < 1:
            raise ValueError(f"max_messages must be at least 1, got {max_messages}")
        self.path = Path(path)
        self.max_messages = max_messages
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by the threads of this process, guarded by a lock.
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        self._listeners = []
        self._setup()

    def _setup(self):
        """Switch to WAL and create the schema if this is a new file."""
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        # With WAL, NORMAL survives a crash of the process; only a power cut may
        # lose the last commits.
        self._db.execute("PRAGMA synchronous = NORMAL")
        with self._write():
            for statement in SCHEMA:
                self._db.execute(statement)

    def _write(self):
        return _Transaction(self._db, self._lock, "BEGIN IMMEDIATE")

    def _read(self):
        return _Transaction(self._db, self._lock, "BEGIN")

    def add(
        self,
        raw: bytes,
        mail_from: str,
        rcpt_tos: list[str],
        helo: str = "",
        source: str = "smtp",
    ) -> StoredMessage:
        """Store one message, prune the oldest beyond the limit, then notify listeners."""
        message = StoredMessage(
            id=f"{uuid.uuid4().hex}@mailroom",
            created=datetime.now(UTC),
            mail_from=mail_from,
            rcpt_tos=list(rcpt_tos),
            helo=helo,
            raw=bytes(raw),
            source=source,
        )
        with self._write():
            self._db.execute(
                f"INSERT INTO messages ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                _to_row(message),
            )
            self._prune()
        self._notify(message)
        return message

    def _prune(self):
        """Delete the oldest messages beyond max_messages."""
        # One statement: LIMIT is 0, so nothing is deleted, while under the limit.
        self._db.execute(
            "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages ORDER BY seq LIMIT"
            " max(0, (SELECT value FROM counters WHERE name = 'messages') - ?))",
            (self.max_messages,),
        )

    def list(self, start: int = 0, limit: int = 50) -> tuple[int, list[StoredMessage]]:
        """Return the total count and one page of messages, newest first."""
        start, limit = max(0, int(start)), max(0, int(limit))
        with self._read():
            total = self._count()
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM messages ORDER BY seq DESC LIMIT ? OFFSET ?",
                (limit, start),
            ).fetchall()
        return total, [_from_row(row) for row in rows]

    def all(self) -> list[StoredMessage]:
        """Return every message, newest first."""
        with self._read():
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM messages ORDER BY seq DESC"
            ).fetchall()
        return [_from_row(row) for row in rows]

    def get(self, message_id: str) -> StoredMessage | None:
        """Return the message with this id, or None."""
        with self._read():
            row = self._db.execute(
                f"SELECT {COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
        return _from_row(row) if row else None

    def delete(self, message_id: str) -> bool:
        """Delete one message; return whether it existed."""
        with self._write():
            cursor = self._db.execute("DELETE FROM messages WHERE id = ?", (message_id,))
        return cursor.rowcount > 0

    def clear(self) -> int:
        """Delete every message; return how many there were."""
        with self._write():
            cursor = self._db.execute("DELETE FROM messages")
        return cursor.rowcount

    def count(self) -> int:
        """Return how many messages are stored."""
        with self._read():
            return self._count()

    def _count(self):
        return self._db.execute(
            "SELECT value FROM counters WHERE name = 'messages'"
        ).fetchone()[0]

    def close(self):
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def subscribe(self, callback) -> None:
        """Call `callback(message)` after each add, in the thread that added it."""
        with self._lock:
            self._listeners = [*self._listeners, callback]

    def unsubscribe(self, callback) -> None:
        """Stop calling `callback`; unknown callbacks are ignored."""
        with self._lock:
            # Equality, not identity: `obj.method` is a new bound method at each access.
            self._listeners = [cb for cb in self._listeners if cb != callback]

    def _notify(self, message):
        # The message is committed already: a failing listener must not undo the add.
        for callback in self._listeners:
            try:
                callback(message)
            except Exception:
                logger.exception("Message listener %r failed", callback)


class _Transaction:
    """Hold the lock and one SQLite transaction; commit on success, roll back on error."""

    def __init__(self, db, lock, begin):
        self.db, self.lock, self.begin = db, lock, begin

    def __enter__(self):
        self.lock.acquire()
        try:
            self.db.execute(self.begin)
        except BaseException:
            self.lock.release()
            raise
        return self.db

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self._commit()
            elif self.db.in_transaction:
                self.db.execute("ROLLBACK")
        finally:
            self.lock.release()

    def _commit(self):
        # A failed COMMIT leaves the transaction open; close it so the next BEGIN works.
        try:
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise


def _to_row(message):
    return (
        message.id,
        message.created.isoformat(),
        message.mail_from,
        json.dumps(message.rcpt_tos),
        message.helo,
        message.raw,
        message.source,
    )


def _from_row(row):
    message_id, created, mail_from, rcpt_tos, helo, raw, source = row
    return StoredMessage(
        id=message_id,
        created=datetime.fromisoformat(created),
        mail_from=mail_from,
        rcpt_tos=json.loads(rcpt_tos),
        helo=helo,
        raw=bytes(raw),
        source=source,
    )
