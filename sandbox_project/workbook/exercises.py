"""Exercise cells: load the student's code from exercises/, try it, and grade it.

    ex01 = workbook.exercise("ex01")      # exercises/ex01_*.py, read again on every run
    with workbook.attempt():
        ex01.send_console_email(...)      # "not done yet" instead of an error
    workbook.check("ex01")                # the points, from the grader

WORKBOOK_EXERCISES names the folder the exercises come from: `exercises`
(what students edit, the default) or `solutions` (what the notebook tests run).
"""

import contextlib
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import traceback

from workbook.lab import REPO


def folder():
    """Return the name of the folder exercise cells import from."""
    return os.environ.get("WORKBOOK_EXERCISES") or "exercises"


class Unusable:
    """Stands in for an exercise that cannot be imported: every use raises why."""

    def __init__(self, error):
        self.error = error

    def __getattr__(self, name):
        raise self.error


def exercise(number):
    """Return the module of exercise `number` ("ex01"), read again from its file."""
    paths = sorted((REPO / folder()).glob(f"{number}_*.py"))
    if not paths:
        return Unusable(NotImplementedError(f"there is no {folder()}/{number}_*.py"))
    name = f"{folder()}.{paths[0].stem}"
    try:
        if name not in sys.modules:
            return importlib.import_module(name)
        # Read the file again: the student may have edited it since the last run. Celery
        # keeps the first task registered under a name, so the old tasks go first.
        _forget_tasks(name)
        return importlib.reload(sys.modules[name])
    except Exception as error:  # a stub that raises on import, or a syntax error
        sys.modules.pop(name, None)
        return Unusable(error)


def _forget_tasks(module_name):
    from config.celery import app

    for task_name in [n for n in app.tasks if n.startswith(module_name + ".")]:
        app.tasks.unregister(task_name)


@contextlib.contextmanager
def attempt():
    """Run an exercise: an unfinished one prints "not done yet", a broken one its error."""
    try:
        yield
    except NotImplementedError as todo:
        print(f"Not done yet: {todo}" if str(todo) else "Not done yet.")
    except Exception as error:
        if isinstance(error, SyntaxError):
            filename, line = error.filename, error.lineno
        else:
            frame = traceback.extract_tb(error.__traceback__)[-1]
            filename, line = frame.filename, frame.lineno
        where = os.path.relpath(filename, REPO) if filename else "?"
        print(f"Your code raised {error.__class__.__name__}: {error}\n"
              f"  (in {where}, line {line}; fix it and run this cell again)")


def check(exercise=None):
    """Grade `exercise` (such as "ex01"; all of them by default) and show the points.

    The grader's public checks run in a process of their own (`python -m grading
    check`), on the folder exercise cells import from. A check never stops the
    notebook: an exercise not done yet is a result, not an error.
    """
    if importlib.util.find_spec("grading") is None:
        which = f"Exercise {exercise}" if exercise else "The exercises"
        print(f"{which}: the grader is not available yet, so nothing was checked.")
        return
    command = [sys.executable, "-m", "grading", "check", "--json", "--source", folder(),
               *([exercise] if exercise else [])]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    try:
        rows = json.loads(done.stdout)
    except ValueError:
        print(f"The grader could not run:\n{(done.stdout + done.stderr).strip()[-3000:]}")
        return
    from grading.selfcheck import table

    print(table(rows, width=90))
