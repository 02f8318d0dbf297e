"""Settings of the mailroom process, read from MAILROOM_* environment variables."""

import os
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "MAILROOM_"


@dataclass(frozen=True)
class Config:
    """Addresses, limits and credentials of one mailroom."""

    host: str = "127.0.0.1"
    smtp_port: int = 1025
    secure_port: int = 1587
    http_port: int = 8025
    data_dir: Path = Path("var/mailroom")
    max_message_size: int = 10 * 1024 * 1024
    max_messages: int = 5000
    smtp_user: str = "student"
    smtp_password: str = "mailroom-password"
    sendgrid_api_key: str = "SG.mailroom-local-key"
    sendgrid_webhook_url: str = ""

    @classmethod
    def from_env(cls, environ=os.environ) -> "Config":
        """Build a Config from MAILROOM_* variables; unset ones keep their defaults."""
        values = {}
        for name, kind in _FIELD_KINDS.items():
            var = ENV_PREFIX + name.upper()
            if var in environ:
                values[name] = _parse(var, environ[var], kind)
        return cls(**values)

    @property
    def db_path(self) -> Path:
        """Return the SQLite file holding the messages."""
        return self.data_dir / "mail.sqlite3"

    @property
    def certs_dir(self) -> Path:
        """Return the folder holding the CA and the server certificate."""
        return self.data_dir / "certs"

    @property
    def ca_path(self) -> Path:
        """Return the CA certificate that clients of the secure listener trust."""
        return self.certs_dir / "ca.pem"

    def to_env(self) -> dict[str, str]:
        """Return the MAILROOM_* variables that reproduce this Config."""
        return {
            ENV_PREFIX + name.upper(): str(getattr(self, name)) for name in _FIELD_KINDS
        }


# Port 0 is allowed: the operating system then picks a free port.
_PORT = (0, 65535)
_POSITIVE = (1, None)

_FIELD_KINDS = {
    "host": str,
    "smtp_port": _PORT,
    "secure_port": _PORT,
    "http_port": _PORT,
    "data_dir": Path,
    "max_message_size": _POSITIVE,
    "max_messages": _POSITIVE,
    "smtp_user": str,
    "smtp_password": str,
    "sendgrid_api_key": str,
    "sendgrid_webhook_url": str,
}


def _parse(var, raw, kind):
    """Convert one environment value, naming the variable when it is wrong."""
    if not isinstance(kind, tuple):
        return kind(raw)
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"{var} must be an integer, got {raw!r}") from None
    low, high = kind
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{var} must be {bounds}, got {value}")
    return value
