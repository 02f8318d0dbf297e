"""Pictures of the HTML email each exercise sent, for the students' feedback pages.

The HTML comes from a submission, so it is photographed the way tools.previews
photographs every email: no JavaScript, a browser that reaches no host, nothing
read from the disk, a blank page between emails, and cut at MAX_HEIGHT pixels.
One browser, in a thread of its own, photographs each student's emails as soon
as the sandbox has observed them, while the grader goes on with the next
submissions. A browser that dies is replaced; one that hangs is given up on.
"""

import queue
import shutil
import threading
import time
from pathlib import Path

from tools.browser import BrowserNotFound, chromium
from tools.previews import Camera, PreviewRefused

WIDTH = 600
MAX_HEIGHT = 2400
# Pictures live apart from feedback/<student>.md and .html, whatever the names.
FOLDER = "pictures"
# Seconds without a picture after which finish() stops waiting for the browser.
STALL_SECONDS = 60
MAX_RESTARTS = 3


def emails_to_show(record):
    """Return {exercise: message}: the first captured email with HTML of each exercise."""
    chosen = {}
    for entry in (record.get("scenarios") or {}).values():
        exercise = entry.get("exercise")
        if exercise in chosen:
            continue
        for message in entry.get("messages") or []:
            if isinstance(message, dict) and message.get("html"):
                chosen[exercise] = message
                break
    return chosen


class Photographer:
    """Writes <feedback>/pictures/<student>/<exercise>.png for each record it is given.

    finish() returns ({student: {exercise: preview}}, note): a preview is
    {"file": path relative to `feedback` or None, "subject", "problem"}; the
    note says why pictures are missing altogether (None when they are not).
    """

    def __init__(self, feedback, width=WIDTH):
        self.feedback, self.width = Path(feedback), width
        self.previews, self.note = {}, None
        self._queue = queue.Queue()
        self._progress = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="previews", daemon=True)
        self._thread.start()

    def add(self, name, record):
        """Queue one student's record; its emails are photographed in the background."""
        self._queue.put((name, emails_to_show(record)))

    def finish(self, stall=STALL_SECONDS):
        """Wait for the queued pictures, unless the browser stalls; return (previews, note)."""
        self._queue.put(None)
        self._progress = time.monotonic()
        while self._thread.is_alive():
            self._thread.join(0.5)
            if self._thread.is_alive() and time.monotonic() - self._progress > stall:
                self.note = f"email previews stopped: the browser took no picture in {stall} s"
                break
        return dict(self.previews), self.note

    def _run(self):
        restarts, done = 0, False
        while not done:
            try:
                with chromium(offline=True) as browser, \
                        Camera(browser, self.width, MAX_HEIGHT) as camera:
                    while not done:
                        item = self._queue.get()
                        done = item is None
                        if not done:
                            # Until its pictures are taken, the student has none.
                            self.previews[item[0]] = {}
                            self.previews[item[0]] = self._student(camera, *item)
                return
            except BrowserNotFound as exc:
                self.note = f"no email previews: {exc}"
            except Exception as exc:  # pictures are a courtesy: grading goes on without them
                restarts += 1
                if restarts <= MAX_RESTARTS:
                    continue  # a fresh browser for the next students
                self.note = f"email previews stopped: {type(exc).__name__}: {exc}"
            break
        while not done:
            done = self._queue.get() is None

    def _student(self, camera, name, emails):
        where = self.feedback / FOLDER / name
        shutil.rmtree(where, ignore_errors=True)  # no picture left from an earlier run
        shown = {}
        for exercise, message in sorted(emails.items()):
            preview = {"file": None, "subject": str(message.get("subject", "")),
                       "problem": None}
            try:
                picture = camera.shoot(message["html"])
                where.mkdir(parents=True, exist_ok=True)
                (where / f"{exercise}.png").write_bytes(picture)
                preview["file"] = f"{FOLDER}/{name}/{exercise}.png"
            except PreviewRefused as exc:
                preview["problem"] = str(exc)
            self._progress = time.monotonic()
            shown[exercise] = preview
        return shown

