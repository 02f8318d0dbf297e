#!/usr/bin/env sh
# Make sure a Chromium for the browser tests and `make previews` is installed.
#
# Playwright's own browser download needs the internet, so this installs the
# operating system's package instead: Debian's `chromium` (with the Liberation
# fonts, metric twins of Arial and Times, so previews look like they will in
# an inbox). It installs only as root on a system with apt-get; otherwise it
# says what to do. Exit status 0 means a Chromium is there to use.
set -eu
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3

if found=$("$PY" -m tools.browser 2>/dev/null); then
  echo "Chromium: $found"
  exit 0
fi
# A CHROMIUM_PATH that names nothing is a mistake to report, not a reason to install.
if [ -n "${CHROMIUM_PATH:-}" ] || [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  "$PY" -m tools.browser
  exit 1
fi

echo "Installing Debian's chromium package for the browser tests..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Some releases ship only the headless shell.
apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null \
  || apt-get install -y -qq --no-install-recommends chromium-headless-shell fonts-liberation \
     >/dev/null

found=$("$PY" -m tools.browser)
echo "Chromium: $found"
