"""Run every notebook from the top and save it with its outputs: `make notebooks`.

    python scripts/run_notebooks.py                        every notebook in notebooks/
    python scripts/run_notebooks.py notebooks/04-MailHog.ipynb

The services are the ones `make test` starts for nbval (tests/notebooks/harness.py):
the mail services, an embedded Redis and a Celery worker, on free ports. Saved
outputs then show what a student with `make run` sees: the default ports and
paths under var/, never this machine's temporary folders or host name.
"""

import argparse
import os
import re
import socket
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "sandbox_project"), str(REPO)]
NOTEBOOKS = REPO / "notebooks"
CELL_TIMEOUT = 300

HOST_PORT = re.compile(r"(127\.0\.0\.1|localhost):(\d+)")


def scrubber(services, workdir):
    """Return a function that rewrites machine-specific text in an output."""
    ports = services.ports()
    places = [(str(Path(workdir) / "workbook"), "var/workbook"),
              (str(Path(workdir) / "mailroom"), "var/mailroom"),
              (str(REPO) + "/", ""), (str(REPO), ".")]
    hosts = {name for name in (socket.gethostname(), socket.getfqdn())
             if name and len(name) > 3 and name != "localhost"}

    def scrub(text):
        text = HOST_PORT.sub(lambda m: f"{m[1]}:{ports.get(int(m[2]), m[2])}", text)
        for path, shown in places:
            text = text.replace(path, shown)
        for host in sorted(hosts, key=len, reverse=True):
            text = text.replace(host, "localhost")
        return text

    return scrub


def scrub_outputs(notebook, scrub):
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = scrub(output["text"])
            for mime, value in output.get("data", {}).items():
                if isinstance(value, str) and mime.startswith("text/"):
                    output["data"][mime] = scrub(value)
            if output.get("output_type") == "error":
                output["traceback"] = [scrub(line) for line in output["traceback"]]
                output["evalue"] = scrub(output["evalue"])
        cell.metadata.pop("execution", None)


def run(paths):
    import nbformat
    from nbclient import NotebookClient

    from tests.notebooks.harness import NotebookServices

    workdir = tempfile.mkdtemp(prefix="notebooks-")
    with NotebookServices(workdir) as services:
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update({**services.base_environment(), **services.environment()})
        scrub = scrubber(services, workdir)
        try:
            for path in paths:
                start = time.monotonic()
                notebook = nbformat.read(path, as_version=4)
                NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                               record_timing=False,
                               resources={"metadata": {"path": str(path.parent)}}).execute()
                scrub_outputs(notebook, scrub)
                nbformat.write(notebook, path)
                print(f"{path.relative_to(REPO)}: {time.monotonic() - start:.1f} s", flush=True)
        finally:
            os.environ.clear()
            os.environ.update(saved)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to run (default: every one in notebooks/)")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    run(paths)


if __name__ == "__main__":
    main()
