"""The secure listener: STARTTLS first, then AUTH PLAIN or LOGIN, under the local CA."""

import smtplib
import ssl

import pytest
from cryptography import x509
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend

from mailroom.certs import SERVER_NAMES, client_tls_context, ensure_certificates
from mailroom.runner import LOOPBACK, MailroomThread

CLIENT_TIMEOUT = 10
SENDER = "library@example.com"
READER = "reader@example.com"
RAW = b"Subject: Secure\r\n\r\nSent over TLS \xc3\xa9\r\n"


def start_tls(client, context):
    client.ehlo()
    code, reply = client.starttls(context=context)
    assert code == 220, reply
    client.ehlo()


def authenticate(client, config, mechanism):
    """Log in with exactly `mechanism`, not whatever smtplib prefers."""
    client.user, client.password = config.smtp_user, config.smtp_password
    method = {"PLAIN": client.auth_plain, "LOGIN": client.auth_login}[mechanism]
    # Without an initial response, LOGIN runs its full two-challenge exchange.
    return client.auth(mechanism, method, initial_response_ok=mechanism == "PLAIN")


def test_before_starttls_only_starttls_is_offered(secure_client):
    secure_client.ehlo()

    assert "starttls" in secure_client.esmtp_features
    assert "auth" not in secure_client.esmtp_features


@pytest.mark.parametrize(
    "command", [b"MAIL FROM:<library@example.com>", b"AUTH PLAIN", b"RCPT TO:<a@example.com>"])
def test_commands_before_starttls_get_530(secure_client, command):
    secure_client.ehlo()

    secure_client.send(command + b"\r\n")

    assert secure_client.getreply() == (530, b"Must issue a STARTTLS command first")


def test_mail_before_auth_gets_530(secure_client, ca_context, store):
    start_tls(secure_client, ca_context)

    code, reply = secure_client.mail(SENDER)

    assert (code, reply) == (530, b"5.7.0 Authentication required")
    assert store.count() == 0


def test_after_starttls_plain_and_login_are_offered(secure_client, ca_context):
    start_tls(secure_client, ca_context)

    assert set(secure_client.esmtp_features["auth"].split()) == {"PLAIN", "LOGIN"}


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_wrong_password_gets_535(secure_client, ca_context, mailroom, mechanism):
    start_tls(secure_client, ca_context)
    secure_client.user, secure_client.password = mailroom.config.smtp_user, "wrong"
    method = {"PLAIN": secure_client.auth_plain, "LOGIN": secure_client.auth_login}[mechanism]

    with pytest.raises(smtplib.SMTPAuthenticationError) as failed:
        secure_client.auth(mechanism, method, initial_response_ok=mechanism == "PLAIN")

    assert failed.value.smtp_code == 535
    assert secure_client.mail(SENDER)[0] == 530


def test_wrong_user_gets_535(secure_client, ca_context, mailroom):
    start_tls(secure_client, ca_context)

    with pytest.raises(smtplib.SMTPAuthenticationError) as failed:
        secure_client.login("someone-else", mailroom.config.smtp_password)

    assert failed.value.smtp_code == 535


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_auth_then_send_stores_the_message_as_smtps(
        secure_client, ca_context, mailroom, store, mechanism):
    start_tls(secure_client, ca_context)

    code, _ = authenticate(secure_client, mailroom.config, mechanism)
    refused = secure_client.sendmail(SENDER, [READER], RAW)

    assert code == 235
    assert refused == {}
    (stored,) = store.all()
    assert (stored.raw, stored.source, stored.rcpt_tos) == (RAW, "smtps", [READER])


def test_a_client_without_the_ca_refuses_the_certificate(secure_client, mailroom, ca_context):
    secure_client.ehlo()

    with pytest.raises(ssl.SSLCertVerificationError):
        secure_client.starttls(context=ssl.create_default_context())

    # The failed handshake harms nobody else: a client trusting the CA gets through.
    with smtplib.SMTP(LOOPBACK, mailroom.config.secure_port, timeout=CLIENT_TIMEOUT) as client:
        start_tls(client, ca_context)
        authenticate(client, mailroom.config, "PLAIN")
        client.sendmail(SENDER, [READER], RAW)
    assert mailroom.store.count() == 1


def test_the_certificate_matches_localhost_too(mailroom, ca_context):
    # smtplib checks the certificate against the name it connected to.
    with smtplib.SMTP("localhost", mailroom.config.secure_port, timeout=CLIENT_TIMEOUT) as client:
        start_tls(client, ca_context)

        assert client.sock.version().startswith("TLS")


def test_the_certificate_covers_every_local_name(mailroom):
    _, server_path = ensure_certificates(mailroom.config.certs_dir)
    leaf = x509.load_pem_x509_certificates(server_path.read_bytes())[0]
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value

    found = {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    found |= set(names.get_values_for_type(x509.DNSName))
    assert found == set(SERVER_NAMES)


def test_chaos_faults_apply_on_the_secure_listener_too(secure_client, ca_context, mailroom, chaos):
    start_tls(secure_client, ca_context)
    authenticate(secure_client, mailroom.config, "PLAIN")
    chaos.update({"disconnect_rate": 1.0})

    with pytest.raises(smtplib.SMTPServerDisconnected):
        secure_client.sendmail(SENDER, [READER], RAW)

    assert mailroom.store.count() == 0


def test_django_backend_sends_with_starttls_and_auth(mailroom, ca_context, store):
    backend = secure_backend(mailroom, ca_context, mailroom.config.smtp_password)
    email = EmailMessage("Password reset", "Follow the link.", SENDER, [READER],
                         connection=backend)

    assert email.send() == 1

    (stored,) = store.all()
    assert stored.source == "smtps"
    assert b"Subject: Password reset" in stored.raw


def test_django_backend_with_a_wrong_password_raises(mailroom, ca_context, store):
    backend = secure_backend(mailroom, ca_context, "wrong")
    email = EmailMessage("Password reset", "Follow the link.", SENDER, [READER],
                         connection=backend)

    try:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            email.send()
    finally:
        # Django keeps a half-opened connection after a failed login; close() ends it.
        backend.close()

    assert store.count() == 0


def secure_backend(mailroom, ca_context, password):
    backend = EmailBackend(
        host=LOOPBACK,
        port=mailroom.config.secure_port,
        username=mailroom.config.smtp_user,
        password=password,
        use_tls=True,
        timeout=CLIENT_TIMEOUT,
    )
    # Trust the local CA for this backend only (ssl_context is a cached property).
    backend.ssl_context = ca_context
    return backend


class TestCertificates:
    def test_are_made_once_and_reused(self, tmp_path):
        first = [path.read_bytes() for path in ensure_certificates(tmp_path)]

        again = [path.read_bytes() for path in ensure_certificates(tmp_path)]

        assert again == first

    def test_are_made_again_when_one_file_is_missing(self, tmp_path):
        ca_path, server_path = ensure_certificates(tmp_path)
        old_ca = ca_path.read_bytes()
        server_path.unlink()

        ensure_certificates(tmp_path)

        assert server_path.is_file()
        assert ca_path.read_bytes() != old_ca

    def test_the_server_key_is_private(self, tmp_path):
        _, server_path = ensure_certificates(tmp_path)

        assert server_path.stat().st_mode & 0o077 == 0

    def test_survive_a_restart_of_the_services(self, mailroom_config, chaos):
        with MailroomThread(mailroom_config, chaos):
            ca_before = mailroom_config.ca_path.read_bytes()
        with MailroomThread(mailroom_config, chaos) as again:
            assert mailroom_config.ca_path.read_bytes() == ca_before
            context = client_tls_context(mailroom_config.ca_path)
            with smtplib.SMTP(LOOPBACK, mailroom_config.secure_port,
                              timeout=CLIENT_TIMEOUT) as client:
                start_tls(client, context)
                authenticate(client, mailroom_config, "LOGIN")
                client.sendmail(SENDER, [READER], RAW)
            assert again.store.count() == 1


def test_extra_certificate_names_come_from_the_environment(tmp_path):
    from cryptography import x509

    from mailroom.certs import ensure_certificates, server_names

    names = server_names({"MAILROOM_CERT_NAMES": "mailroom, mail.internal"})
    _, server_path = ensure_certificates(tmp_path, names)
    cert = x509.load_pem_x509_certificates(server_path.read_bytes())[0]
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"mailroom", "mail.internal", "localhost"} <= set(sans.get_values_for_type(x509.DNSName))
    # The same names again reuse the files; new names issue a new certificate.
    assert ensure_certificates(tmp_path, names)[1].read_bytes() == server_path.read_bytes()
    before = server_path.read_bytes()
    ensure_certificates(tmp_path, names + ("other",))
    assert server_path.read_bytes() != before
