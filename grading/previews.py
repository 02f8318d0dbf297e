"""Pictures of the HTML email each exercise sent, for the students' feedback pages.

The HTML comes from a submission, so it is photographed the way tools.previews
photographs every email: no JavaScript, nothing from the network or the disk, a
blank page between emails, and cut at MAX_HEIGHT pixels. One browser, in a
thread of its own, photographs each student's emails as soon as the sandbox has
observed them, while the grader goes on with the next submissions.
"""

import queue
import shutil
import threading
from pathlib import Path

from tools.browser import BrowserNotFound, chromium
from tools.previews import Camera, PreviewRefused

WIDTH = 600
MAX_HEIGHT = 2400


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
    """Writes <folder>/<student>/<exercise>.png for each record it is given.

    finish() returns ({student: {exercise: preview}}, note): a preview is
    {"file": path relative to `folder` or None, "subject", "problem"}; the note
    says why pictures are missing altogether (None when they are not).
    """

    def __init__(self, folder, width=WIDTH):
        self.folder, self.width = Path(folder), width
        self.previews, self.note = {}, None
        self._queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="previews", daemon=True)
        self._thread.start()

    def add(self, name, record):
        """Queue one student's record; its emails are photographed in the background."""
        self._queue.put((name, emails_to_show(record)))

    def finish(self):
        """Wait for the queued pictures; return (previews, note)."""
        self._queue.put(None)
        self._thread.join()
        return self.previews, self.note

    def _run(self):
        try:
            with chromium() as browser, Camera(browser, self.width, MAX_HEIGHT) as camera:
                while (item := self._queue.get()) is not None:
                    name, emails = item
                    self.previews[name] = self._student(camera, name, emails)
        except BrowserNotFound as exc:
            self.note = f"no email previews: {exc}"
        except Exception as exc:  # pictures are a courtesy: grading goes on without them
            self.note = f"email previews stopped: {type(exc).__name__}: {exc}"
        if self.note:
            while self._queue.get() is not None:
                pass

    def _student(self, camera, name, emails):
        where = self.folder / name
        shutil.rmtree(where, ignore_errors=True)  # no picture left from an earlier run
        shown = {}
        for exercise, message in sorted(emails.items()):
            preview = {"file": None, "subject": str(message.get("subject", "")),
                       "problem": None}
            try:
                picture = camera.shoot(message["html"])
                where.mkdir(parents=True, exist_ok=True)
                (where / f"{exercise}.png").write_bytes(picture)
                preview["file"] = f"{name}/{exercise}.png"
            except PreviewRefused as exc:
                preview["problem"] = str(exc)
            shown[exercise] = preview
        return shown


def photograph(records, folder, width=WIDTH):
    """Photograph every record's emails now; return (previews, note) as finish() does."""
    photographer = Photographer(folder, width)
    for name, record in records.items():
        photographer.add(name, record)
    return photographer.finish()
