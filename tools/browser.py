"""Find a Chromium and start it headless through Playwright, kept off the network.

Playwright's own browser download needs the internet, so this uses the
Chromium of the operating system (Debian's `chromium` package, which
scripts/install-browser.sh installs) or the one CHROMIUM_PATH names.

    python -m tools.browser     print the Chromium that would be used, or how to get one
"""

import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

# Looked up on PATH, in this order.
NAMES = ("chromium", "chromium-headless-shell", "chromium-browser", "google-chrome",
         "google-chrome-stable")
# Where packages put them when PATH does not say.
PATHS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-headless-shell",
    "/usr/lib/chromium/chromium",
    "/snap/bin/chromium",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)
# Without these, Chromium phones home at start (updates, sync, field trials);
# on a closed network those connections fail, slowly and noisily.
QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-gpu",
)
# For pages from someone else (the grader's previews of students' emails): every host
# name and address resolves to nothing, so not even a redirect opens a connection.
OFFLINE_FLAGS = ("--host-resolver-rules=MAP * ~NOTFOUND",)
HOW_TO_GET_ONE = (
    "No Chromium found. Install one with `sudo apt-get install chromium` (Debian, Ubuntu), "
    "or run scripts/install-browser.sh as root, or set CHROMIUM_PATH to a Chromium or "
    "Chrome executable."
)


class BrowserNotFound(RuntimeError):
    """No Chromium executable on this machine."""


def find_chromium(environ=os.environ):
    """Return the path of a Chromium executable; raise BrowserNotFound if there is none."""
    configured = environ.get("CHROMIUM_PATH", "").strip()
    if configured:
        if _executable(configured):
            return configured
        raise BrowserNotFound(f"CHROMIUM_PATH={configured} is not an executable file.")
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    for path in PATHS:
        if _executable(path):
            return path
    raise BrowserNotFound(HOW_TO_GET_ONE)


def _executable(path):
    return Path(path).is_file() and os.access(path, os.X_OK)


def launch_flags(offline=False):
    """Return the command-line flags of a launch; offline: reach no host at all."""
    flags = list(QUIET_FLAGS) + (list(OFFLINE_FLAGS) if offline else [])
    # Chromium refuses to start its sandbox as root (containers, CI); elsewhere it keeps it.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.insert(0, "--no-sandbox")
    return flags


@contextmanager
def chromium(executable=None, offline=False):
    """Start Playwright and yield a headless Chromium; close both on exit.

    offline: the browser resolves no host name or address, for pages that must
    not reach the network.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserNotFound(
            "Playwright for Python is missing: run `make setup` (pip install -r "
            "requirements.txt).") from exc
    executable = executable or find_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=launch_flags(offline))
        try:
            yield browser
        finally:
            browser.close()


def main():
    try:
        print(find_chromium())
    except BrowserNotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
