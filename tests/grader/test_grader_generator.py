"""exercises/ is generated from solutions/ and stays in sync."""

import pytest

from grading import generate
from grading.paths import EXERCISES


def test_exercises_in_sync_with_solutions():
    stale = generate.differences()
    assert not stale, f"run `python -m grading.generate`: {stale} differ"


def test_blocks_become_stubs_with_hints():
    source = (
        "def f():\n"
        "    x = 1\n"
        "    ### BEGIN SOLUTION\n"
        "    # HINT: add one.\n"
        "    return x + 1\n"
        "    ### END SOLUTION\n"
    )
    assert generate.stub_source(source) == (
        "def f():\n    x = 1\n    raise NotImplementedError('add one.')\n")


def test_unbalanced_markers_are_refused():
    with pytest.raises(generate.MarkerError):
        generate.stub_source("### BEGIN SOLUTION\nx = 1\n")
    with pytest.raises(generate.MarkerError):
        generate.stub_source("x = 1\n### END SOLUTION\n")


def test_no_solution_code_in_exercises():
    for path in EXERCISES.glob("ex*.py"):
        text = path.read_text()
        assert generate.BEGIN not in text and "HINT:" not in text, path.name


def test_homework_lists_every_exercise_with_points():
    homework = (EXERCISES / "homework.md").read_text()
    for path in EXERCISES.glob("ex*.py"):
        assert f"`exercises/{path.name}`" in homework
    assert "points" in homework
