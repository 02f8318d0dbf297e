"""Set Django up inside a notebook kernel, switch email stages, drive the catcher's chaos."""

import logging
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SANDBOX = REPO / "sandbox_project"
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


def var_dir():
    """Return the folder of the notebooks' databases, sent-mail folders and worker logs."""
    return Path(os.environ.get("WORKBOOK_VAR_DIR") or REPO / "var" / "workbook")


def display_path(path):
    """Return `path` as a reader of the notebook should see it: relative, the same everywhere."""
    path = Path(path).resolve()
    places = [(var_dir(), "var/workbook"), (REPO, "")]
    mailroom = os.environ.get("MAILROOM_DATA_DIR")
    if mailroom:
        places.insert(0, (Path(mailroom), "var/mailroom"))
    for root, shown in places:
        try:
            rest = path.relative_to(Path(root).resolve())
        except ValueError:
            continue
        return "/".join(p for p in (shown, rest.as_posix()) if p and p != ".")
    return path.name


def setup(notebook, stage="console"):
    """Configure Django for this kernel with a fresh database of the notebook's own.

    The kernel starts in notebooks/; the project and the repository root go on
    sys.path. Jupyter runs an event loop, so Django's guard against database
    calls from async code is lifted (DJANGO_ALLOW_ASYNC_UNSAFE) as Django's
    documentation says to do in notebooks.
    """
    import django

    for path in (str(REPO), str(SANDBOX)):
        if path not in sys.path:
            sys.path.insert(0, path)
    folder = var_dir()
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / f"{notebook}.sqlite3"
    from django.apps import apps

    fresh = not apps.ready
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.environ.update({
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
            "DATABASE_URL": f"sqlite:///{database}",
            # A queue of this kernel's own: a worker started by `make run` (which uses
            # another database) never takes this notebook's emails.
            "CELERY_QUEUE": f"workbook-{notebook}-{os.getpid()}",
            "EMAIL_STAGE": stage,
            "EMAIL_ASYNC": "false",
            # pytest runs started from a notebook (check cells, notebook 09) need no nbval,
            # whose import alone costs more than a second.
            "PYTEST_ADDOPTS": f"{os.environ.get('PYTEST_ADDOPTS', '')} -p no:nbval".strip(),
        })
        django.setup()
        _prepare_database()
    use_stage(stage)
    print(f"Django {django.get_version()} is set up: stage {stage!r}, database "
          f"{display_path(database)} ({'new' if fresh else 'kept'}).")


def _prepare_database():
    from django.conf import settings
    from django.core.management import call_command

    # The scratch database holds throwaway readers; the slow default hasher only costs time.
    settings.PASSWORD_HASHERS = [FAST_HASHER]
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    # Cells show what the service returns; notebook 10 turns the log on to show it, as
    # ordinary output rather than the red of stderr.
    log = logging.getLogger("notifications")
    log.setLevel(logging.ERROR)
    for handler in log.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sys.stdout)


def use_stage(name, **overrides):
    """Point Django's email settings at stage `name`, as `EMAIL_STAGE=name` would."""
    import environ
    from django.conf import settings

    from config.stages import email_settings

    values = email_settings(name, environ.Env(), REPO / "var")
    if "EMAIL_FILE_PATH" not in os.environ:
        values["EMAIL_FILE_PATH"] = str(var_dir() / "sent_emails")
    values.update(overrides)
    for key, value in values.items():
        setattr(settings, key, value)
    return values


def chaos(**changes):
    """Switch faults on in the local catcher, through its `PUT /api/v2/jim`."""
    _set_chaos(changes)


def chaos_off():
    """Switch every fault of the local catcher off."""
    _set_chaos(None)


def _set_chaos(changes):
    from django.conf import settings

    from mailroom.runner import set_chaos

    return set_chaos(settings.MAILHOG_URL, changes)


def queue_length():
    """Return how many tasks wait in this kernel's Celery queue in Redis."""
    from django.conf import settings

    from config.celery import app

    with app.connection_for_write() as connection:
        return connection.default_channel.client.llen(settings.CELERY_TASK_DEFAULT_QUEUE)


def wait_until(condition, timeout=30.0, what="the condition"):
    """Call `condition` until it returns something true; return that, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:g} s")
        time.sleep(0.1)
    return value
