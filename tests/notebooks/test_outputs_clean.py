"""The committed notebooks: run top to bottom, with outputs that hold no secret and no machine path.

`make notebooks` produces the outputs; these tests read the files only, no kernel.
"""

import json
import re
import socket
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))

MACHINE_PATHS = ("/work/", "/tmp/", "/root", "/home/", "/Users/", "/private/var/", "C:\\")
# The one SendGrid key a notebook may show: the local mock's, documented in .env.example.
ALLOWED_KEYS = {"SG.mailroom-local-key"}
# Sandbox-only passwords, documented in the README and .env.example.
ALLOWED_PASSWORDS = {"library-admin", "library-alice", "library-bob", "mailroom-password"}
SENDGRID_KEY = re.compile(r"SG\.[A-Za-z0-9_-]{3,}(?:\.[A-Za-z0-9_-]+)?")
PASSWORDS = re.compile(r"(?i)(?:log in as \S+ / |password\w*['\"]?\s*[:=]\s*['\"]?)([^\s'\",]+)")


def outputs(path):
    """Yield (cell number, text) for every text an output of the notebook holds."""
    notebook = json.loads(path.read_text())
    for number, cell in enumerate(notebook["cells"]):
        for output in cell.get("outputs", []):
            texts = [output.get("text", ""), output.get("evalue", ""),
                     *output.get("traceback", []), *output.get("data", {}).values()]
            for text in texts:
                yield number, "".join(text) if isinstance(text, list) else str(text)


def code_cells(path):
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def test_the_workbook_has_its_eleven_notebooks():
    assert [p.name[:2] for p in PATHS] == [f"{n:02d}" for n in range(11)]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_every_code_cell_ran_once_in_order(path):
    counts = [cell["execution_count"] for cell in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), "run the notebook with `make notebooks`"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_no_output_is_an_error(path):
    errors = [(n, o) for n, cell in enumerate(json.loads(path.read_text())["cells"])
              for o in cell.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_outputs_hold_no_machine_path(path):
    found = [(n, p) for n, text in outputs(path) for p in MACHINE_PATHS if p in text]
    assert found == []


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_outputs_hold_no_host_name(path):
    names = {n for n in (socket.gethostname(), socket.getfqdn())
             if len(n) > 3 and n not in ("localhost", "localhost.localdomain")}
    found = [(n, name) for n, text in outputs(path) for name in names if name in text]
    assert found == []


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_outputs_hold_no_api_key_but_the_mocks(path):
    found = [(n, key) for n, text in outputs(path) for key in SENDGRID_KEY.findall(text)
             if key not in ALLOWED_KEYS]
    assert found == []


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_outputs_hold_no_password_but_the_sandboxs(path):
    found = [(n, value) for n, text in outputs(path) for value in PASSWORDS.findall(text)
             if value not in ALLOWED_PASSWORDS and set(value) != {"*"}]
    assert found == []


def test_the_checks_see_what_they_look_for():
    text = ("log in as eve / hunter2 | EMAIL_HOST_PASSWORD = 'abc' | SG.abcdef.ghijk "
            "| password: ******** | log in as bob / library-bob")
    assert PASSWORDS.findall(text) == ["hunter2", "abc", "********", "library-bob"]
    assert SENDGRID_KEY.findall(text) == ["SG.abcdef.ghijk"]
