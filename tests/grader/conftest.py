"""Self-checks of the grader: one grading run over every kind of submission, then checks."""

import csv
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from grading.paths import HIDDEN_TESTS, REPO
from tests.grader import cases


@dataclass
class Graded:
    cases: dict
    rows: dict
    out: Path
    output: str
    returncode: int

    def score(self, student, exercise):
        return int(self.rows[student][exercise])

    def maximum(self, exercise):
        return self.score("full", exercise)


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """Grade every case with -j 2, as `make grade` does, in a fresh process."""
    root = tmp_path_factory.mktemp("grader")
    built = cases.build(root / "submissions")
    out = root / "grades"
    completed = subprocess.run(
        [sys.executable, "-m", "grading", "grade", str(root / "submissions"), "-j", "2",
         "--out", str(out), "--quiet"],
        cwd=REPO, capture_output=True, text=True, timeout=900)
    rows = {}
    if (out / "gradebook.csv").exists():
        with open(out / "gradebook.csv", newline="") as handle:
            rows = {row["student"]: row for row in csv.DictReader(handle)}
    return Graded(built, rows, out, completed.stdout + completed.stderr, completed.returncode)


@pytest.fixture(scope="session")
def hidden_present():
    return (HIDDEN_TESTS / "plan.py").is_file()
