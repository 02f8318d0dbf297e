"""The gradebook, the feedback and the summary."""

import csv
import re

from grading import previews
from grading.gradebook import csv_cell, md
from grading.previews import MAX_HEIGHT, WIDTH
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


def png_size(path):
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), path
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_feedback_shows_each_html_email(graded):
    html = (graded.out / "feedback" / "full.html").read_text()
    markdown = (graded.out / "feedback" / "full.md").read_text()
    for exercise in ("ex02", "ex03", "ex04", "ex05"):
        width, height = png_size(graded.out / "feedback" / "pictures" / "full" / f"{exercise}.png")
        assert width == WIDTH and 400 <= height <= MAX_HEIGHT, (exercise, width, height)
        assert f'<img src="pictures/full/{exercise}.png" width="600"' in html
        assert f"](pictures/full/{exercise}.png)" in markdown
    # Plain-text exercises have no picture.
    assert not (graded.out / "feedback" / "pictures" / "full" / "ex01.png").exists()


def test_a_previewed_email_cannot_redirect_or_run_scripts(graded):
    folder = graded.out / "feedback" / "pictures" / "hostile-html"
    html = (graded.out / "feedback" / "hostile-html.html").read_text()
    # The redirect is refused, and said so, rather than photographed.
    assert not (folder / "ex02.png").exists()
    assert "No picture of your email: the email tried to open" in html
    # The script would have made the page 99999 px tall: it did not run.
    _, height = png_size(folder / "ex04.png")
    _, reference = png_size(graded.out / "feedback" / "pictures" / "full" / "ex04.png")
    assert height < MAX_HEIGHT and abs(height - reference) < 400, (height, reference)


def test_without_a_browser_the_grader_says_so_and_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "no-such-chromium"))
    record = {"scenarios": {"ex02.welcome": {"exercise": "ex02", "messages": [
        {"subject": "Welcome", "html": "<p>Welcome</p>"}]}}}
    photographer = previews.Photographer(tmp_path / "feedback")
    photographer.add("ada", record)
    shots, note = photographer.finish()
    assert shots == {}
    assert note.startswith("no email previews: CHROMIUM_PATH=")


def test_the_first_html_email_of_each_exercise_is_shown():
    record = {"scenarios": {
        "ex01.console": {"exercise": "ex01", "messages": [{"subject": "Plain", "html": ""}]},
        "ex05.notify": {"exercise": "ex05", "messages": [
            {"subject": "First", "html": "<p>1</p>"}, {"subject": "Second", "html": "<p>2</p>"}]},
        "ex05.crowd": {"exercise": "ex05", "messages": [{"subject": "Third", "html": "<p>3</p>"}]},
    }}
    assert {e: m["subject"] for e, m in previews.emails_to_show(record).items()} == {
        "ex05": "First"}


def test_a_student_named_like_a_feedback_file_gets_both(graded):
    feedback = graded.out / "feedback"
    assert (feedback / "dotted.md.md").is_file() and (feedback / "dotted.md.html").is_file()
    assert png_size(feedback / "pictures" / "dotted.md" / "ex02.png")[0] == WIDTH
