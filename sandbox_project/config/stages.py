"""Map EMAIL_STAGE to one complete, coherent email configuration.

Each stage supplies defaults; an EMAIL_* variable set in the environment wins,
so `EMAIL_STAGE=smtp EMAIL_HOST=smtp.gmail.com ...` talks to Gmail while plain
`EMAIL_STAGE=smtp` talks to the local secure listener. The local mail services
(the mailroom) are reached at MAILROOM_ADDRESS, 127.0.0.1 unless a container
names them otherwise.
"""

from pathlib import Path

STAGES = ("console", "file", "locmem", "mailhog", "smtp", "sendgrid")

BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "mailhog": "notifications.backends.smtp.EmailBackend",
    "smtp": "notifications.backends.smtp.EmailBackend",
    "sendgrid": "notifications.backends.sendgrid.EmailBackend",
}

SENDGRID_PUBLIC_HOST = "https://api.sendgrid.com"


class StageError(ValueError):
    """An EMAIL_STAGE value that names no stage."""


def email_settings(stage, env, var_dir: Path):
    """Return the EMAIL_* and SENDGRID_* settings for `stage`."""
    if stage not in STAGES:
        raise StageError(f"EMAIL_STAGE={stage!r} is not one of: {', '.join(STAGES)}")
    mailroom_dir = Path(env.str("MAILROOM_DATA_DIR", default=str(var_dir / "mailroom")))
    custom_host = "EMAIL_HOST" in env.ENVIRON
    settings = {
        "EMAIL_STAGE": stage,
        "EMAIL_BACKEND": env.str("EMAIL_BACKEND", default=BACKENDS[stage]),
        "EMAIL_HOST": env.str("EMAIL_HOST", default=mailroom_address(env)),
        "EMAIL_PORT": env.int("EMAIL_PORT", default=_default_port(stage, env)),
        "EMAIL_HOST_USER": env.str("EMAIL_HOST_USER", default=""),
        "EMAIL_HOST_PASSWORD": env.str("EMAIL_HOST_PASSWORD", default=""),
        "EMAIL_USE_TLS": env.bool("EMAIL_USE_TLS", default=stage == "smtp"),
        "EMAIL_USE_SSL": env.bool("EMAIL_USE_SSL", default=False),
        # A dead SMTP server must fail a send in seconds, not hang a request.
        "EMAIL_TIMEOUT": env.float("EMAIL_TIMEOUT", default=10.0),
        "EMAIL_FILE_PATH": env.str("EMAIL_FILE_PATH", default=str(var_dir / "sent_emails")),
        # Trust the local CA only for the local listener; a real provider uses the system store.
        "EMAIL_SSL_CAFILE": env.str(
            "EMAIL_SSL_CAFILE",
            default="" if custom_host else str(mailroom_dir / "certs" / "ca.pem"),
        ),
        "MAILROOM_DATA_DIR": str(mailroom_dir),
    }
    if stage == "smtp" and not custom_host:
        settings["EMAIL_HOST_USER"] = env.str("EMAIL_HOST_USER", default=env.str(
            "MAILROOM_SMTP_USER", default="student"))
        settings["EMAIL_HOST_PASSWORD"] = env.str("EMAIL_HOST_PASSWORD", default=env.str(
            "MAILROOM_SMTP_PASSWORD", default="mailroom-password"))
    settings.update(_sendgrid_settings(env))
    return settings


def mailroom_address(env):
    """Return the host name or address where the local mail services listen."""
    return env.str("MAILROOM_ADDRESS", default="127.0.0.1")


def _default_port(stage, env):
    if stage == "smtp":
        return env.int("MAILROOM_SECURE_PORT", default=1587)
    return env.int("MAILROOM_SMTP_PORT", default=1025)


def _sendgrid_settings(env):
    """Point at the local mock unless a real key is given without a host override."""
    local_host = f"http://{mailroom_address(env)}:{env.int('MAILROOM_HTTP_PORT', default=8025)}"
    real_key = "SENDGRID_API_KEY" in env.ENVIRON and "SENDGRID_API_HOST" not in env.ENVIRON
    return {
        "SENDGRID_API_KEY": env.str(
            "SENDGRID_API_KEY",
            default=env.str("MAILROOM_SENDGRID_API_KEY", default="SG.mailroom-local-key"),
        ),
        "SENDGRID_API_HOST": SENDGRID_PUBLIC_HOST
        if real_key
        else env.str("SENDGRID_API_HOST", default=local_host),
        "SENDGRID_TIMEOUT": env.float("SENDGRID_TIMEOUT", default=10.0),
        # Empty: the event webhook accepts any post (see notifications/webhooks.py).
        "SENDGRID_WEBHOOK_SECRET": env.str("SENDGRID_WEBHOOK_SECRET", default=""),
    }
