"""The exercises: one module each in exercises/, named exNN_topic.py."""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from grading.paths import EXERCISES

MODULE_NAME = re.compile(r"^(ex\d\d)_[a-z0-9_]+$")


@dataclass(frozen=True)
class Exercise:
    id: str
    module: str
    title: str
    task: str

    @property
    def filename(self):
        return f"{self.module}.py"


def exercises(folder=EXERCISES):
    """Return the exercises whose modules are in `folder`, in order."""
    found = []
    for path in sorted(Path(folder).glob("ex[0-9][0-9]_*.py")):
        match = MODULE_NAME.match(path.stem)
        if match:
            title, task = _docstring(path)
            found.append(Exercise(match.group(1), path.stem, title, task))
    return found


def by_id(folder=EXERCISES):
    return {exercise.id: exercise for exercise in exercises(folder)}


def _docstring(path):
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or path.stem
    title, _, task = doc.partition("\n")
    return title.strip().rstrip("."), task.strip()
