"""Read the folder the file backend writes, one file per connection."""

from pathlib import Path

from outbox.base import Outbox
from outbox.console import split_messages
from outbox.message import parse


class FileOutbox(Outbox):
    def __init__(self, folder):
        self.folder = Path(folder)

    def files(self):
        """Return the message files, oldest first."""
        if not self.folder.is_dir():
            return []
        return sorted((p for p in self.folder.iterdir() if p.is_file()),
                      key=lambda p: (p.stat().st_mtime_ns, p.name))

    def messages(self):
        found = []
        for path in self.files():
            for i, raw in enumerate(split_messages(path.read_text(errors="replace"))):
                found.append(parse(raw, id=f"{path.name}#{i}"))
        return found

    def clear(self):
        for path in self.files():
            path.unlink()
