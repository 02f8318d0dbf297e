"""Fixtures for the mailroom tests: servers on free loopback ports, always stopped."""

import smtplib

import pytest

from mailroom.certs import client_tls_context
from mailroom.chaos import Chaos
from mailroom.config import Config
from mailroom.runner import LOOPBACK, MailroomProcess, MailroomThread, free_ports

CLIENT_TIMEOUT = 10


@pytest.fixture
def mailroom_settings():
    """Override Config fields for the `mailroom` fixture (e.g. a small size limit)."""
    return {}


@pytest.fixture
def mailroom_config(tmp_path, mailroom_settings):
    """Return a Config on free loopback ports with its own data directory."""
    smtp_port, secure_port, http_port = free_ports(3)
    return Config(
        host=LOOPBACK,
        smtp_port=smtp_port,
        secure_port=secure_port,
        http_port=http_port,
        data_dir=tmp_path / "mailroom",
        **mailroom_settings,
    )


@pytest.fixture
def chaos():
    """Return a Chaos with every fault off and a fixed seed."""
    return Chaos(seed=1234)


@pytest.fixture
def mailroom(mailroom_config, chaos):
    """Run the mail services in this process and stop them after the test."""
    services = MailroomThread(mailroom_config, chaos).start()
    yield services
    services.stop()


@pytest.fixture
def store(mailroom):
    """Return the store of the running `mailroom`."""
    return mailroom.store


@pytest.fixture
def smtp_client(mailroom):
    """Return an smtplib client connected to the plain catcher."""
    with smtplib.SMTP(LOOPBACK, mailroom.config.smtp_port, timeout=CLIENT_TIMEOUT) as client:
        yield client


@pytest.fixture
def ca_context(mailroom):
    """Return a client TLS context that trusts the mailroom's CA."""
    return client_tls_context(mailroom.config.ca_path)


@pytest.fixture
def secure_client(mailroom):
    """Return an smtplib client connected to the secure listener, before STARTTLS."""
    with smtplib.SMTP(LOOPBACK, mailroom.config.secure_port, timeout=CLIENT_TIMEOUT) as client:
        yield client


@pytest.fixture
def mailroom_process(tmp_path):
    """Run `python -m mailroom` as a child process and stop it after the test."""
    process = MailroomProcess(tmp_path / "mailroom-process")
    process.start()
    yield process
    process.stop()
