"""Database and security settings the sandbox depends on."""

import pytest
from django.conf import settings
from django.db.backends.sqlite3.base import DatabaseWrapper


@pytest.mark.django_db  # lets the probe connection below open at all
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    config = settings.DATABASES["default"]
    if config["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("this run uses another database through DATABASE_URL")
    wrapper = DatabaseWrapper({**config, "NAME": str(tmp_path / "db.sqlite3")}, alias="probe")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0].lower() == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 5000
    finally:
        wrapper.close()


def test_email_timeout_is_set():
    assert settings.EMAIL_TIMEOUT and settings.EMAIL_TIMEOUT <= 30


def test_no_secret_is_committed_in_env_example():
    text = (settings.REPO_DIR / ".env.example").read_text()
    for line in text.splitlines():
        if line.startswith(("EMAIL_HOST_PASSWORD=", "SENDGRID_API_KEY=", "SECRET_KEY=")):
            pytest.fail(f"uncommented secret in .env.example: {line}")


def test_deploy_check_wants_https_unsubscribe_links(settings):
    from django.core.checks import run_checks

    settings.SITE_URL = "http://library.example"
    warnings = [m.id for m in run_checks(include_deployment_checks=True)]
    assert "notifications.W001" in warnings
    settings.SITE_URL = "https://library.example"
    warnings = [m.id for m in run_checks(include_deployment_checks=True)]
    assert "notifications.W001" not in warnings
