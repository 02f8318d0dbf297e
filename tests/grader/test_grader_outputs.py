"""The gradebook, the feedback and the summary."""

import csv
import re

from grading.gradebook import csv_cell, md
from tests.grader.cases import exercise_ids


def test_gradebook_columns(graded):
    with open(graded.out / "gradebook.csv", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == ["student", *exercise_ids(), "total", "maximum", "status"]


def test_feedback_for_every_student(graded):
    for student in graded.rows:
        markdown = (graded.out / "feedback" / f"{student}.md").read_text()
        html = (graded.out / "feedback" / f"{student}.html").read_text()
        assert f"{graded.rows[student]['total']} / {graded.rows[student]['maximum']}" in markdown
        assert html.startswith("<!doctype html>")
        assert "<script" not in html.lower()


def test_feedback_explains_failures(graded):
    feedback = (graded.out / "feedback" / "wrong-a.md").read_text()
    assert "read-then-write races; use cache.add" in feedback
    untouched = (graded.out / "feedback" / "untouched.md").read_text()
    assert "not done yet" in untouched


def test_summary(graded):
    summary = (graded.out / "summary.md").read_text()
    assert f"{len(graded.rows)} submissions graded" in summary
    for exercise in exercise_ids():
        assert re.search(rf"^\| {exercise} .*\|", summary, re.M), exercise
    assert "Distribution of totals" in summary


def test_untrusted_text_is_escaped():
    assert md("<img src=x onerror=alert(1)> *bold*") == (
        r"\<img src=x onerror=alert(1)\> \*bold\*")
    assert csv_cell("=HYPERLINK(\"http://x\")").startswith("'")
