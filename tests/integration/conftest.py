"""One real mailroom for the integration tests, and Django pointed at it stage by stage.

Settings come from `config.stages.email_settings`, fed with the environment
`MailroomProcess.env_for_django()` returns: the same code path as
`EMAIL_STAGE=smtp make run`, only on free ports.
"""

from dataclasses import dataclass
from pathlib import Path

import environ
import pytest

from config.stages import email_settings
from mailroom.runner import MailroomProcess
from outbox import MailHogOutbox, for_stage
from tests.support.sandbox import (  # noqa: F401 - fixtures pytest finds by name
    CommitClient,
    _empty_cache,
    _fast_password_hashing,
    book,
    client,
    make_reader,
    reader,
    staff,
)

STAGES = ("mailhog", "smtp", "sendgrid")
# A dead server must fail a test in seconds, not hang it.
EMAIL_TIMEOUT = "5"


@dataclass
class Stage:
    """An email stage pointed at a running mailroom, with the outbox that reads it."""

    name: str
    mailroom: MailroomProcess
    outbox: MailHogOutbox

    @property
    def catcher(self):
        """Return an outbox of everything the mailroom holds, whichever way it came."""
        return MailHogOutbox(self.mailroom.http_url)


def stage_settings(name, mailroom, var_dir):
    """Return the settings `EMAIL_STAGE=name` gives with the mailroom's environment."""
    env = environ.Env()
    env.ENVIRON = {**mailroom.env_for_django(), "EMAIL_TIMEOUT": EMAIL_TIMEOUT}
    return {
        **email_settings(name, env, Path(var_dir)),
        "MAILHOG_URL": mailroom.http_url,
        "EMAIL_RECONCILE_URL": mailroom.http_url,
        "EMAIL_ASYNC": False,
    }


@pytest.fixture(scope="session")
def mailroom(tmp_path_factory):
    """One `python -m mailroom` for the whole run, as `make run` starts it."""
    with MailroomProcess(tmp_path_factory.mktemp("mailroom")) as services:
        yield services


@pytest.fixture
def start_mailroom(tmp_path):
    """Return a function that starts a mailroom of the test's own; all are stopped after."""
    started = []

    def start(**env):
        services = MailroomProcess(tmp_path / f"mailroom-{len(started)}", env=env)
        started.append(services)
        return services.start()

    yield start
    for services in started:
        services.stop()


@pytest.fixture
def use_stage(settings, mailroom, tmp_path):
    """Return a function that points Django at a stage, empty outbox and no chaos included.

    Keyword arguments override single settings, e.g. EMAIL_HOST_PASSWORD="wrong".
    """
    touched = []

    def use(name, services=None, **overrides):
        services = services or mailroom
        for key, value in {**stage_settings(name, services, tmp_path), **overrides}.items():
            setattr(settings, key, value)
        services.set_chaos()
        touched.append(services)
        box = for_stage(name, url=services.http_url)
        box.clear()
        return Stage(name, services, box)

    yield use
    for services in touched:
        if services.running:
            services.set_chaos()


@pytest.fixture(params=STAGES)
def stage(request, use_stage):
    """Run the test once per stage that sends over a real socket."""
    return use_stage(request.param)






