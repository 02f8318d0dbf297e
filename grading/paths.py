"""Where the parts of the workbook live."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SANDBOX = REPO / "sandbox_project"
TEMPLATES = REPO / "templates"
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
GRADING_TESTS = REPO / "tests" / "grading"
HIDDEN_TESTS = GRADING_TESTS / "hidden"


def use_sandbox():
    """Make the sandbox project's packages (mailroom, outbox...) importable."""
    if str(SANDBOX) not in sys.path:
        sys.path.insert(0, str(SANDBOX))
