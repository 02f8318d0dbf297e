"""Collect the outcome of every grading test, with its points, while pytest runs."""

import contextlib
import io
import re
from dataclasses import dataclass

import pytest

EXERCISE = re.compile(r"(ex\d\d)")


@dataclass
class Result:
    submission: str
    exercise: str
    test: str
    expectation: str
    points: int
    passed: bool
    message: str = ""
    judge_error: bool = False

    @property
    def earned(self):
        return self.points if self.passed else 0


class Collector:
    """A pytest plugin that records one Result per grading test and submission."""

    def __init__(self):
        self.results = []
        self.collection_errors = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        marker = item.get_closest_marker("points")
        if marker is None:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.results.append(_result(item, call, report, marker.args[0]))

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext[-500:]}")


def _result(item, call, report, points):
    callspec = getattr(item, "callspec", None)
    submission = str(callspec.params.get("observed", "?")) if callspec else "?"
    match = EXERCISE.search(item.module.__name__)
    doc = (item.function.__doc__ or item.name).strip().splitlines()[0].rstrip(".")
    message, judge_error = "", False
    if not report.passed and call.excinfo is not None:
        error = call.excinfo.value
        if isinstance(error, AssertionError | pytest.fail.Exception):
            message = str(getattr(error, "msg", None) or error).split("\nassert ")[0]
        elif isinstance(error, pytest.skip.Exception):
            message = f"skipped: {getattr(error, 'msg', error)}"
        else:
            judge_error = True
            message = f"the grader could not judge this ({type(error).__name__}: {error})"
    return Result(submission, match.group(1) if match else "?", item.name.split("[")[0], doc,
                  int(points), report.passed, message.strip()[:500], judge_error)


def run_tests(args, collector=None):
    """Run pytest in this process with a collector; return (exit code, collector, its output)."""
    collector = collector or Collector()
    output = io.StringIO()
    # The table or gradebook is the report; pytest's own output is kept for errors.
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = pytest.main([*args, "-p", "no:cacheprovider", "-q", "--no-header", "--tb=short"],
                           plugins=[collector])
    return code, collector, output.getvalue()
