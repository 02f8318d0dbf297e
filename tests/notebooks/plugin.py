"""nbval plugin: start the services of `make run` before the first kernel starts.

    python -m pytest -p tests.notebooks.plugin --nbval notebooks/ \
        --nbval-sanitize-with notebooks/sanitize.cfg

Kernels inherit this process's environment, so the services' ports go into
os.environ here, in pytest_configure, before nbval starts any kernel.
"""

import os
import shutil
import tempfile


def pytest_configure(config):
    if not (getattr(config.option, "nbval", False) or getattr(config.option, "nbval_lax", False)):
        return
    # Imported here: `-p` loads this module before pytest puts sandbox_project on sys.path.
    from tests.notebooks.harness import NotebookServices

    workdir = tempfile.mkdtemp(prefix="notebooks-")
    services = NotebookServices(workdir).start()
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({**services.base_environment(), **services.environment()})

    def stop():
        services.stop()
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(workdir, ignore_errors=True)

    config.add_cleanup(stop)
