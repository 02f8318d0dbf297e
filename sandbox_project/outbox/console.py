"""Read what the console backend wrote to a stream (a captured stdout, say)."""

from outbox.base import Outbox
from outbox.message import parse

# The console and file backends write this line after every message.
SEPARATOR = "-" * 79


def split_messages(text):
    """Split console or file backend output into raw message bytes."""
    chunks = text.replace("\r\n", "\n").split("\n" + SEPARATOR + "\n")
    return [chunk.strip("\n").encode() for chunk in chunks if chunk.strip()]


class ConsoleOutbox(Outbox):
    """Messages in a text stream, such as io.StringIO passed to the console backend."""

    def __init__(self, stream):
        self.stream = stream

    def messages(self):
        return [parse(raw, id=str(i)) for i, raw in enumerate(split_messages(self.text()))]

    def text(self):
        return self.stream.getvalue() if hasattr(self.stream, "getvalue") else str(self.stream)

    def clear(self):
        self.stream.seek(0)
        self.stream.truncate()
