"""Observe one local folder of exercise files (solutions/, exercises/ or a path) in the sandbox."""

import tempfile
from pathlib import Path

from grading import catalogue, plan
from grading.paths import EXERCISES, REPO, SOLUTIONS
from grading.runner import observe
from grading.station import Station
from grading.submissions import read_exercises, read_folder
from grading.workspace import Workspace

NAMED = {"solutions": SOLUTIONS, "exercises": EXERCISES}


def resolve(source):
    """Return (name, folder) for "solutions", "exercises" or a path."""
    if source in NAMED:
        return source, NAMED[source]
    folder = Path(source)
    if not folder.is_absolute():
        folder = (Path.cwd() / folder) if (Path.cwd() / folder).exists() else REPO / folder
    return folder.name or "submission", folder


def observe_local(source, include_hidden=True, exercises=()):
    """Run the scenarios (of `exercises`, or all) on the files of `source`; return what happened."""
    name, folder = resolve(source)
    modules = [exercise.module for exercise in catalogue.exercises()]
    if (folder / "exercises").is_dir():
        submission = read_folder(folder, name, modules)
    else:
        submission = read_exercises(folder, name, modules)
    with tempfile.TemporaryDirectory(prefix="grading-") as root:
        workspace = Workspace(root).build()
        with Station(Path(root) / "station") as station:
            scenarios = [s for s in plan.load(include_hidden)
                         if not exercises or s.exercise in exercises]
            return observe(submission, station, workspace, scenarios)
