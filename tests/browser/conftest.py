"""A real Chromium, driven by Playwright, against the whole sandbox running for real.

Without a Chromium these tests fail, saying how to install one: a browser
test that skips would hide a broken link as well as a missing browser.

The browser and the sandbox live as long as this folder's tests run (package
scope): Playwright's synchronous API keeps an event loop running in this
thread, where Django would refuse database queries, so it must be gone before
the other folders' tests start. No test here touches the database itself;
they see it only through pages and emails, as a reader does.
"""

from contextlib import ExitStack

import pytest

from tests.browser.live import start_live_sandbox
from tools.browser import BrowserNotFound, chromium, find_chromium

# A page that does not show what a test waits for fails it in seconds, not 30.
TIMEOUT_MS = 10_000
# Why the browser tests could not run, repeated at the end of the run where it is seen.
_missing_browser = []


@pytest.fixture(scope="package")
def chromium_path():
    """Return the Chromium to drive; fail, never skip, when there is none."""
    try:
        return find_chromium()
    except BrowserNotFound as exc:
        reason = f"The browser tests need Chromium. {exc}"
    _missing_browser.append(reason)
    pytest.fail(reason, pytrace=False)


@pytest.fixture(scope="package")
def browser(chromium_path):
    with chromium(chromium_path) as running:
        yield running


@pytest.fixture(scope="package")
def live(chromium_path, tmp_path_factory):
    """Run the sandbox, the mail services, Redis and a worker for this folder's tests."""
    # Asks for chromium_path first: without a browser, starting the services is wasted time.
    with ExitStack() as stack:
        yield start_live_sandbox(tmp_path_factory.mktemp("live"), stack)


@pytest.fixture
def new_page(browser):
    """Return a function that opens a page in a fresh context (its own cookies and storage)."""
    contexts = []

    def open_page():
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Add the server's and the worker's logs to the report of a failed flow."""
    report = yield
    live = getattr(item, "funcargs", {}).get("live")
    if report.when == "call" and report.failed and live is not None:
        report.sections.append(("sandbox logs", live.logs()))
    return report


def pytest_unconfigure(config):
    # After the run's last line, where `make test` leaves the reader.
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if _missing_browser and reporter is not None:
        reporter.write_sep("=", _missing_browser[0], red=True, bold=True)
