"""The student's self-check: a table per exercise, "not done yet" for stubs."""

import subprocess
import sys

from grading.paths import REPO
from grading.selfcheck import table


def check(*args):
    return subprocess.run([sys.executable, "-m", "grading", "check", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def test_check_on_stubs_says_not_done_yet():
    completed = check("ex01", "ex07")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert any(line.startswith("ex01 ") and "0/4" in line and "not done yet" in line
               for line in lines), completed.stdout
    assert any(line.startswith("ex07 ") and "not done yet" in line for line in lines)
    assert not any(line.startswith("ex02 ") for line in lines)


def test_check_on_solutions_says_done():
    completed = check("--source", "solutions", "ex05")
    assert completed.returncode == 0, completed.stderr
    assert "done" in completed.stdout and "6/6" in completed.stdout, completed.stdout


def test_table_shows_the_first_failing_expectation():
    rows = [{"exercise": "ex03", "title": "Send a password-reset email whose link works",
             "points": 3, "maximum": 5,
             "status": "The link's token is one Django accepts for this user: Django refuses "
                       "the token: make it with default_token_generator.make_token(user)"}]
    text = table(rows)
    assert "ex03 Send a password-reset email whose link works" in text
    assert "3/5" in text and "Django refuses the token" in text
    assert "total" in text.splitlines()[-1]


def test_notebook_helper_prints_and_returns_the_rows(capsys):
    import grading

    rows = grading.check("ex01")
    assert [(r["exercise"], r["points"], r["status"]) for r in rows] == [
        ("ex01", 0, "not done yet")]
    assert "not done yet" in capsys.readouterr().out
