"""`python -m mailroom` as a real child process: startup, shutdown, errors and durability."""

import os
import smtplib
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mailroom.config import Config
from mailroom.runner import (
    LOOPBACK,
    SANDBOX_DIR,
    MailroomProcess,
    accepts_connections,
    free_ports,
    http_side_installed,
)
from mailroom.store import MessageStore

CLIENT_TIMEOUT = 10
SENDER = "library@example.com"
READER = "reader@example.com"


def send(port, raw):
    with smtplib.SMTP(LOOPBACK, port, timeout=CLIENT_TIMEOUT) as client:
        return client.sendmail(SENDER, [READER], raw)


def run_mailroom(env, timeout=15):
    """Run `python -m mailroom` to completion with `env` added; return the result."""
    full_env = {**os.environ, **env, "PYTHONPATH": str(SANDBOX_DIR)}
    return subprocess.run(
        [sys.executable, "-m", "mailroom"],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def occupy(port=0):
    """Return a socket listening on a loopback port (any free one by default)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((LOOPBACK, port))
    sock.listen()
    return sock


@pytest.fixture
def busy_port():
    """Hold a listening socket on a loopback port for the test's duration."""
    with occupy() as sock:
        yield sock.getsockname()[1]


def test_process_announces_each_listener(mailroom_process):
    output = mailroom_process.stdout()

    assert f"SMTP catcher on {LOOPBACK}:{mailroom_process.smtp_port}" in output
    assert f"SMTP secure listener (STARTTLS + AUTH) on {LOOPBACK}:" \
           f"{mailroom_process.secure_port}" in output
    if http_side_installed():
        assert f"http://{LOOPBACK}:{mailroom_process.http_port}" in output
    assert mailroom_process.config.ca_path.is_file()


def test_process_listens_on_the_configured_host_only(mailroom_process):
    ports = [mailroom_process.smtp_port, mailroom_process.secure_port]
    if http_side_installed():
        ports.append(mailroom_process.http_port)

    # All of 127.0.0.0/8 is loopback on Linux: a wildcard bind would answer on 127.0.0.2.
    assert all(accepts_connections(LOOPBACK, port) for port in ports)
    assert not any(accepts_connections("127.0.0.2", port) for port in ports)


def test_messages_survive_a_restart(mailroom_process):
    raws = [f"Subject: {n}\r\n\r\nkept {n}\r\n".encode() for n in range(3)]
    for raw in raws:
        send(mailroom_process.smtp_port, raw)

    mailroom_process.restart()
    send(mailroom_process.smtp_port, b"Subject: after\r\n\r\nafter restart\r\n")

    store = MessageStore(mailroom_process.config.db_path)
    try:
        stored = [message.raw for message in reversed(store.all())]
    finally:
        store.close()
    assert stored == [*raws, b"Subject: after\r\n\r\nafter restart\r\n"]


def test_a_message_answered_250_survives_a_kill(mailroom_process):
    send(mailroom_process.smtp_port, b"Subject: acked\r\n\r\ncommitted before 250\r\n")

    # SIGKILL: no shutdown code runs, so only what was committed before the 250 remains.
    mailroom_process.process.kill()
    mailroom_process.process.wait()
    mailroom_process.start()

    store = MessageStore(mailroom_process.config.db_path)
    try:
        assert [m.raw for m in store.all()] == [b"Subject: acked\r\n\r\ncommitted before 250\r\n"]
    finally:
        store.close()


def test_another_process_sees_messages_while_the_mailroom_runs(mailroom_process):
    reader = MessageStore(mailroom_process.config.db_path)
    try:
        send(mailroom_process.smtp_port, b"Subject: live\r\n\r\nseen at once\r\n")

        (message,) = reader.all()
        assert message.raw == b"Subject: live\r\n\r\nseen at once\r\n"
        # Deleting here is seen by the mailroom's own store at once, too.
        assert reader.delete(message.id)
    finally:
        reader.close()
    send(mailroom_process.smtp_port, b"Subject: next\r\n\r\n")
    reader = MessageStore(mailroom_process.config.db_path)
    assert reader.count() == 1
    reader.close()


def test_sigterm_stops_the_process_cleanly(mailroom_process):
    pid = mailroom_process.process.pid

    status = mailroom_process.stop()

    assert status == 0
    assert "Traceback" not in mailroom_process.stderr()
    assert not accepts_connections(LOOPBACK, mailroom_process.smtp_port)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_sigterm_stops_the_process_with_a_client_still_connected(mailroom_process):
    with smtplib.SMTP(LOOPBACK, mailroom_process.smtp_port, timeout=CLIENT_TIMEOUT) as client:
        client.ehlo()

        # Well under the runner's kill timeout: open sessions do not hold the shutdown.
        status = mailroom_process.stop(timeout=5)

        assert status == 0
        with pytest.raises(smtplib.SMTPServerDisconnected):
            client.noop()


def test_chaos_settings_come_from_the_environment(tmp_path):
    process = MailroomProcess(tmp_path, env={"MAILROOM_CHAOS_REJECT": "blocked@example.com"})
    with process:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            with smtplib.SMTP(LOOPBACK, process.smtp_port, timeout=CLIENT_TIMEOUT) as client:
                client.sendmail(SENDER, ["blocked@example.com"], b"Subject: no\r\n\r\n")
        assert send(process.smtp_port, b"Subject: yes\r\n\r\n") == {}


def test_a_busy_port_gives_one_clear_line_and_exit_status_2(tmp_path, busy_port):
    smtp_port, http_port = free_ports(2)

    result = run_mailroom({
        "MAILROOM_DATA_DIR": str(tmp_path),
        "MAILROOM_SMTP_PORT": str(smtp_port),
        "MAILROOM_SECURE_PORT": str(busy_port),
        "MAILROOM_HTTP_PORT": str(http_port),
    })

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"mailroom: cannot start the secure SMTP listener: port {busy_port} on {LOOPBACK} is "
        "already in use (another mailroom or MailHog running?); stop it or set "
        "MAILROOM_SECURE_PORT"
    ]
    # What had started is closed again.
    assert not accepts_connections(LOOPBACK, smtp_port)


def test_the_runner_reports_why_the_process_died(tmp_path):
    process = MailroomProcess(tmp_path)

    with occupy(process.http_port):
        with pytest.raises(RuntimeError, match=f"port {process.http_port} .* already in use"):
            process.start()

    assert not process.running


def test_a_bad_setting_gives_one_clear_line_and_exit_status_2(tmp_path):
    result = run_mailroom({"MAILROOM_DATA_DIR": str(tmp_path), "MAILROOM_SMTP_PORT": "smtp"})

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "mailroom: invalid setting: MAILROOM_SMTP_PORT must be an integer, got 'smtp'"
    )


def test_an_unusable_data_dir_gives_one_clear_line_and_exit_status_2(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("in the way")
    smtp_port, secure_port, http_port = free_ports(3)

    result = run_mailroom({
        "MAILROOM_DATA_DIR": str(not_a_dir),
        "MAILROOM_SMTP_PORT": str(smtp_port),
        "MAILROOM_SECURE_PORT": str(secure_port),
        "MAILROOM_HTTP_PORT": str(http_port),
    })

    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"mailroom: cannot open the message store {not_a_dir}/mail.sqlite3: ")


def test_env_for_django_points_at_this_mailroom(tmp_path):
    process = MailroomProcess(tmp_path)

    env = process.env_for_django()

    assert env["MAILROOM_SMTP_PORT"] == str(process.smtp_port)
    assert env["MAILROOM_SECURE_PORT"] == str(process.secure_port)
    assert env["MAILROOM_HTTP_PORT"] == str(process.http_port)
    assert env["MAILROOM_DATA_DIR"] == str(tmp_path.resolve())
    assert env["MAILROOM_SMTP_USER"] == process.config.smtp_user
    assert env["MAILROOM_SMTP_PASSWORD"] == process.config.smtp_password
    assert env["EMAIL_SSL_CAFILE"] == str(tmp_path.resolve() / "certs" / "ca.pem")
    assert env["MAILHOG_URL"] == process.http_url == f"http://{LOOPBACK}:{process.http_port}"
    assert Config.from_env(env) == process.config


class TestConfig:
    def test_defaults(self):
        config = Config.from_env({})

        assert (config.host, config.smtp_port, config.secure_port, config.http_port) == (
            "127.0.0.1", 1025, 1587, 8025)
        assert config.ca_path == Path("var/mailroom/certs/ca.pem")
        assert config.db_path == Path("var/mailroom/mail.sqlite3")

    def test_every_variable_is_read(self):
        config = Config.from_env({
            "MAILROOM_HOST": "::1",
            "MAILROOM_SMTP_PORT": "2025",
            "MAILROOM_SECURE_PORT": "2587",
            "MAILROOM_HTTP_PORT": "9025",
            "MAILROOM_DATA_DIR": "/srv/mail",
            "MAILROOM_MAX_MESSAGE_SIZE": "1000",
            "MAILROOM_MAX_MESSAGES": "10",
            "MAILROOM_SMTP_USER": "u",
            "MAILROOM_SMTP_PASSWORD": "p",
            "MAILROOM_SENDGRID_API_KEY": "SG.k",
            "MAILROOM_SENDGRID_WEBHOOK_URL": "http://127.0.0.1:8000/hooks/sendgrid",
        })

        assert config == Config(
            host="::1", smtp_port=2025, secure_port=2587, http_port=9025,
            data_dir=Path("/srv/mail"), max_message_size=1000, max_messages=10,
            smtp_user="u", smtp_password="p", sendgrid_api_key="SG.k",
            sendgrid_webhook_url="http://127.0.0.1:8000/hooks/sendgrid",
        )
        assert config.ca_path == Path("/srv/mail/certs/ca.pem")

    @pytest.mark.parametrize(
        ("environ", "message"),
        [
            ({"MAILROOM_HTTP_PORT": "80a"}, "MAILROOM_HTTP_PORT must be an integer, got '80a'"),
            ({"MAILROOM_SMTP_PORT": "70000"}, "MAILROOM_SMTP_PORT must be between 0 and 65535"),
            ({"MAILROOM_MAX_MESSAGES": "0"}, "MAILROOM_MAX_MESSAGES must be at least 1"),
            ({"MAILROOM_MAX_MESSAGE_SIZE": ""}, "MAILROOM_MAX_MESSAGE_SIZE must be an integer"),
        ],
    )
    def test_bad_integers_are_named(self, environ, message):
        with pytest.raises(ValueError, match=message):
            Config.from_env(environ)
