"""The student's self-check: public tests on exercises/, one line per exercise."""

import json
import subprocess
import sys

from grading.catalogue import exercises
from grading.paths import GRADING_TESTS, REPO
from grading.results import run_tests

NOT_DONE = "not done yet"


def check(only=(), source="exercises"):
    """Run the public tests on `source`; return one row per exercise, and pytest's output."""
    args = [str(GRADING_TESTS), f"--exercises={source}", "--public-only"]
    if only:
        args.append(f"--only={','.join(only)}")
    code, collector, output = run_tests(args)
    rows = []
    for exercise in exercises():
        if only and exercise.id not in only:
            continue
        results = [r for r in collector.results if r.exercise == exercise.id]
        rows.append(_row(exercise, results))
    if not collector.results:
        raise RuntimeError(f"the checks did not run (pytest exit code {code}):\n{output[-3000:]}")
    return rows


def _row(exercise, results):
    earned = sum(r.earned for r in results)
    maximum = sum(r.points for r in results)
    failed = [r for r in results if not r.passed]
    if not failed:
        status = "done"
    elif all(r.message.startswith(NOT_DONE) for r in failed) and earned == 0:
        status = NOT_DONE
    else:
        first = failed[0]
        status = f"{first.expectation}: {first.message}"
    return {"exercise": exercise.id, "title": exercise.title, "points": earned,
            "maximum": maximum, "status": status}


def table(rows, width=110):
    """Return the rows as a plain-text table; a long status wraps under its exercise."""
    title_width = 50
    lines = [f"{'exercise':<{title_width}} {'points':>7}  status", "-" * width]
    budget = width - title_width - 10
    for row in rows:
        title = f"{row['exercise']} {row['title']}"
        title = title if len(title) <= title_width else title[: title_width - 3] + "..."
        words, status_lines = row["status"].split(), [""]
        for word in words:
            if status_lines[-1] and len(status_lines[-1]) + len(word) + 1 > budget:
                status_lines.append("")
            status_lines[-1] = f"{status_lines[-1]} {word}".strip()
        lines.append(f"{title:<{title_width}} {row['points']:>3}/{row['maximum']:<3}  "
                     f"{status_lines[0]}")
        lines += [" " * (title_width + 10) + more for more in status_lines[1:4]]
    total, maximum = sum(r["points"] for r in rows), sum(r["maximum"] for r in rows)
    lines += ["-" * width, f"{'total':<{title_width}} {total:>3}/{maximum:<3}"]
    return "\n".join(lines)


def notebook_check(exercise=None):
    """Run the check in a fresh process (the kernel keeps its own Django); print the table."""
    command = [sys.executable, "-m", "grading", "check", "--json"]
    if exercise:
        command.append(exercise)
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    try:
        rows = json.loads(completed.stdout)
    except ValueError:
        print(completed.stdout + completed.stderr)
        return []
    print(table(rows, width=90))
    return rows
