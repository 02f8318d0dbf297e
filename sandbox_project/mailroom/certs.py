"""A local certificate authority and the secure listener's certificate, made once and reused."""

import os
import ssl
from pathlib import Path

import trustme

# The names a client on this machine may use to reach the listener.
SERVER_NAMES = ("127.0.0.1", "localhost", "::1")

CA_FILE = "ca.pem"
SERVER_FILE = "server.pem"
NAMES_FILE = "names.txt"


def server_names(environ=os.environ):
    """Return the names the certificate covers: loopback plus MAILROOM_CERT_NAMES.

    In docker compose, other containers reach the listener as "mailroom", so
    that name must be in the certificate too.
    """
    extra = [n.strip() for n in environ.get("MAILROOM_CERT_NAMES", "").split(",") if n.strip()]
    return SERVER_NAMES + tuple(n for n in extra if n not in SERVER_NAMES)


def ensure_certificates(certs_dir: Path, names=None) -> tuple[Path, Path]:
    """Return (ca.pem, server.pem) in `certs_dir`, made anew if missing or the names changed."""
    certs_dir = Path(certs_dir)
    names = tuple(names or server_names())
    ca_path, server_path = certs_dir / CA_FILE, certs_dir / SERVER_FILE
    names_path = certs_dir / NAMES_FILE
    recorded = names_path.read_text().split() if names_path.is_file() else list(SERVER_NAMES)
    if not (ca_path.is_file() and server_path.is_file()) or tuple(recorded) != names:
        _create(ca_path, server_path, names)
        _write_atomically(names_path, "\n".join(names).encode(), 0o644)
    return ca_path, server_path


def _create(ca_path, server_path, names=SERVER_NAMES):
    """Issue a new CA and a server certificate signed by it."""
    ca_path.parent.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="Mailroom local CA")
    server_cert = ca.issue_cert(*names)
    # The server file holds the private key: readable by its owner only.
    _write_atomically(server_path, server_cert.private_key_and_cert_chain_pem.bytes(), 0o600)
    # ca.pem last: a half-finished run leaves no CA, so the next start makes both again.
    _write_atomically(ca_path, ca.cert_pem.bytes(), 0o644)


def _write_atomically(path, data, mode):
    """Write `data` to `path` so that readers never see a partial file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def server_tls_context(server_path: Path) -> ssl.SSLContext:
    """Return the TLS context of the secure listener."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(server_path)
    return context


def client_tls_context(ca_path: Path) -> ssl.SSLContext:
    """Return a client context that trusts the local CA (and the system's CAs)."""
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=ca_path)
    return context
