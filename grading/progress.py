"""A small progress bar on stderr: a redrawn line on a terminal, a line per tenth elsewhere."""

import sys
import threading
import time


class Progress:
    def __init__(self, total, stream=sys.stderr, width=30):
        self.total, self.stream, self.width = total, stream, width
        self.done = 0
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self._last_tenth = -1

    def advance(self, label=""):
        with self.lock:
            self.done += 1
            self._draw(label)

    def _draw(self, label):
        elapsed = time.monotonic() - self.started
        rate = elapsed / self.done if self.done else 0.0
        eta = rate * (self.total - self.done)
        filled = int(self.width * self.done / max(1, self.total))
        line = (f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total}"
                f"  {rate:.1f} s/submission  {eta:.0f} s left  {label[:30]}")
        if self.tty:
            self.stream.write("\r" + line.ljust(100))
            if self.done == self.total:
                self.stream.write("\n")
        else:
            tenth = 10 * self.done // max(1, self.total)
            if tenth == self._last_tenth:
                return
            self._last_tenth = tenth
            self.stream.write(line + "\n")
        self.stream.flush()
