"""EMAIL_STAGE selects one coherent configuration; the file stage writes a folder."""

from pathlib import Path

import environ
import pytest
from django.core import mail

from config.stages import STAGES, StageError, email_settings

VAR = Path("/tmp/var-for-stage-tests")


def stage(name, **environment):
    return email_settings(name, environ.Env(), VAR) if not environment else _with(name, environment)


def _with(name, environment):
    env = environ.Env()
    saved = env.ENVIRON
    env.ENVIRON = {**{k: v for k, v in saved.items() if not k.startswith(("EMAIL_", "SENDGRID_",
                                                                          "MAILROOM_"))},
                   **environment}
    return email_settings(name, env, VAR)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    import os

    for key in list(os.environ):
        if key.startswith(("EMAIL_", "SENDGRID_", "MAILROOM_")):
            monkeypatch.delenv(key)


@pytest.mark.parametrize("name", STAGES)
def test_every_stage_is_complete(name):
    settings = stage(name)
    for key in ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_TIMEOUT",
                "EMAIL_FILE_PATH", "SENDGRID_API_HOST"):
        assert key in settings
    assert settings["EMAIL_TIMEOUT"] > 0
    assert not (settings["EMAIL_USE_TLS"] and settings["EMAIL_USE_SSL"])


def test_unknown_stage_is_a_clear_error():
    with pytest.raises(StageError, match="is not one of: console, file"):
        stage("carrier-pigeon")


def test_mailhog_stage_is_plain_smtp_to_the_catcher():
    s = stage("mailhog")
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_USE_TLS"]) == ("127.0.0.1", 1025, False)


def test_smtp_stage_is_the_local_secure_listener_with_its_ca():
    s = stage("smtp")
    assert (s["EMAIL_PORT"], s["EMAIL_USE_TLS"]) == (1587, True)
    assert s["EMAIL_HOST_USER"] == "student" and s["EMAIL_HOST_PASSWORD"]
    assert s["EMAIL_SSL_CAFILE"] == str(VAR / "mailroom" / "certs" / "ca.pem")


def test_smtp_stage_with_gmail_uses_the_system_trust_store():
    s = stage("smtp", EMAIL_HOST="smtp.gmail.com", EMAIL_PORT="587",
              EMAIL_HOST_USER="me@gmail.com", EMAIL_HOST_PASSWORD="app-password")
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_USE_TLS"]) == ("smtp.gmail.com", 587, True)
    assert s["EMAIL_SSL_CAFILE"] == "" and s["EMAIL_HOST_USER"] == "me@gmail.com"


def test_implicit_tls_on_465():
    s = stage("smtp", EMAIL_HOST="mail.example.org", EMAIL_PORT="465", EMAIL_USE_TLS="false",
              EMAIL_USE_SSL="true")
    assert (s["EMAIL_USE_TLS"], s["EMAIL_USE_SSL"]) == (False, True)


def test_sendgrid_stage_uses_the_mock_unless_given_a_real_key():
    local = stage("sendgrid")
    assert local["SENDGRID_API_HOST"] == "http://127.0.0.1:8025"
    real = stage("sendgrid", SENDGRID_API_KEY="SG.real")
    assert real["SENDGRID_API_HOST"] == "https://api.sendgrid.com"
    assert real["SENDGRID_API_KEY"] == "SG.real"


def test_ports_follow_the_mail_services_variables():
    s = stage("mailhog", MAILROOM_SMTP_PORT="2525")
    assert s["EMAIL_PORT"] == 2525


def test_mail_services_in_another_container_keep_the_local_defaults():
    # MAILROOM_ADDRESS moves every local service, and the smtp stage still logs in to the
    # mailroom and trusts its CA (unlike EMAIL_HOST, which means a real provider).
    secure = stage("smtp", MAILROOM_ADDRESS="mailroom", MAILROOM_DATA_DIR="/mailroom")
    assert (secure["EMAIL_HOST"], secure["EMAIL_PORT"]) == ("mailroom", 1587)
    assert secure["EMAIL_HOST_USER"] == "student"
    assert secure["EMAIL_SSL_CAFILE"] == "/mailroom/certs/ca.pem"
    assert secure["SENDGRID_API_HOST"] == "http://mailroom:8025"
    assert stage("mailhog", MAILROOM_ADDRESS="mailroom")["EMAIL_HOST"] == "mailroom"


@pytest.mark.django_db
def test_file_stage_writes_one_file_per_message(tmp_path, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)

    mail.send_mail("Hello", "Body text", "library@example.com", ["reader@example.com"])

    (written,) = tmp_path.iterdir()
    assert "Subject: Hello" in written.read_text()
