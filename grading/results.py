"""Collect the outcome of every grading test, with its points, while pytest runs."""

import contextlib
import io
import re
from dataclasses import dataclass

import pytest
from _pytest.reports import TestReport

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

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        """Record the outcome of a grading test; report a failure by its message alone.

        Formatting a traceback for every failure of a class of a hundred costs more
        than judging them; the message is all the gradebook and the table show.
        """
        marker = item.get_closest_marker("points")
        if marker is None:
            return None
        if call.excinfo is None or isinstance(call.excinfo.value, pytest.skip.Exception):
            report = TestReport.from_item_and_call(item, call)
        else:
            report = TestReport(item.nodeid, item.location, dict.fromkeys(item.keywords, 1),
                                "failed", _message(call.excinfo.value)[0] or "failed",
                                call.when, duration=call.duration, start=call.start,
                                stop=call.stop, user_properties=item.user_properties)
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.results.append(_result(item, call, report, marker.args[0]))
        return report

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
        message, judge_error = _message(call.excinfo.value)
    return Result(submission, match.group(1) if match else "?", item.name.split("[")[0], doc,
                  int(points), report.passed, message.strip()[:500], judge_error)


def _message(error):
    """Return (the plain words of a failure, whether the judge itself went wrong)."""
    if isinstance(error, AssertionError | pytest.fail.Exception):
        return str(getattr(error, "msg", None) or error).split("\nassert ")[0], False
    if isinstance(error, pytest.skip.Exception):
        return f"skipped: {getattr(error, 'msg', error)}", False
    return f"the grader could not judge this ({type(error).__name__}: {error})", True


def run_tests(args, collector=None):
    """Run pytest in this process with a collector; return (exit code, collector, its output)."""
    collector = collector or Collector()
    output = io.StringIO()
    # The table or gradebook is the report; pytest's own output is kept for errors.
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = pytest.main([*args, "-p", "no:cacheprovider", "-p", "no:logging", "-s", "-q",
                            "--no-header", "--tb=no"],
                           plugins=[collector])
    return code, collector, output.getvalue()
