"""Grading tests: points per exercise, judged here, in the trusted process.

What is graded:

    pytest tests/grading                           solutions/ (the default)
    pytest tests/grading --exercises=exercises     exercises/
    pytest tests/grading --exercises=PATH          a folder of exercise files

The submissions run in the sandbox (grading/runner.py); these tests only read
what was observed. The grader passes --observations=DIR instead: one JSON file
of observations per submission, recorded in parallel beforehand.
"""

import json
import re
from pathlib import Path

import pytest

from grading.paths import SOLUTIONS
from tests.grading.observed import Observed

HIDDEN = Path(__file__).parent / "hidden"
EXERCISE = re.compile(r"(ex\d\d)")


def pytest_addoption(parser):
    group = parser.getgroup("grading")
    group.addoption("--exercises", default=None, metavar="SOURCE",
                    help="grade 'solutions' (default), 'exercises' or a folder of exercise files")
    group.addoption("--observations", default=None, metavar="DIR",
                    help="judge the observations the grader recorded in DIR")
    group.addoption("--public-only", action="store_true",
                    help="leave out the hidden tests and their scenarios")
    group.addoption("--only", default=None, metavar="EXERCISES",
                    help="grade only these exercises, such as ex03 or ex03,ex05")


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): what a grading test is worth")


def pytest_ignore_collect(collection_path, config):
    if _option(config, "public_only") and HIDDEN in (collection_path, *collection_path.parents):
        return True
    return None


def pytest_collection_modifyitems(config, items):
    chosen = _option(config, "exercises") or _option(config, "observations")
    if not chosen and not SOLUTIONS.is_dir():
        skip = pytest.mark.skip(reason="no solutions/ in this copy: `make check` checks exercises/")
        for item in items:
            item.add_marker(skip)
        return
    wanted = only(config)
    if wanted:
        keep = [item for item in items if _exercise_of(item) in wanted]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


def _exercise_of(item):
    match = EXERCISE.search(item.module.__name__)
    return match.group(1) if match else None


def only(config):
    value = _option(config, "only")
    return set(value.split(",")) if value else set()


def _option(config, name):
    return config.getoption(name, default=None)


def submission_names(config):
    folder = _option(config, "observations")
    if folder:
        return sorted(path.stem for path in Path(folder).glob("*.json"))
    return [_option(config, "exercises") or "solutions"]


def pytest_generate_tests(metafunc):
    if "observed" in metafunc.fixturenames:
        metafunc.parametrize("observed", submission_names(metafunc.config), indirect=True,
                             scope="session")


class Observations:
    """Observations by submission name, recorded now or read from the grader's folder."""

    def __init__(self, config):
        self.config = config
        self.cache = {}

    def get(self, name):
        if name not in self.cache:
            folder = _option(self.config, "observations")
            if folder:
                record = json.loads((Path(folder) / f"{name}.json").read_text())
            else:
                from grading.local import observe_local

                record = observe_local(name, not _option(self.config, "public_only"),
                                       only(self.config))
            self.cache[name] = Observed(record)
        return self.cache[name]


@pytest.fixture(scope="session")
def observations(pytestconfig):
    return Observations(pytestconfig)


@pytest.fixture(scope="session")
def observed(request, observations):
    return observations.get(request.param)
