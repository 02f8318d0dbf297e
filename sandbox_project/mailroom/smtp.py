"""The SMTP catcher's handler, and the protocol factories of the plain and secure listeners."""

import asyncio
import hmac
import logging

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, TLSSetupException

logger = logging.getLogger(__name__)

SERVER_NAME = "mailroom"
IDENT = "Mailroom ESMTP"

REJECTED = "550 5.1.1 <{}>: Recipient address rejected: refused by mailroom chaos settings"
MALFORMED = "553 5.1.3 Error: malformed address"
TEMPFAIL = "451 4.3.0 Temporary failure injected by mailroom chaos settings; try again later"
NOT_STORED = "451 4.3.0 Message could not be stored; try again later"
INTERNAL_ERROR = "451 4.3.0 Internal error; try again later"
QUEUED = "250 2.0.0 OK: queued as {}"


def _not_login_data_notice(record):
    """Drop the deprecation notice aiosmtpd itself triggers on every successful AUTH."""
    return not record.getMessage().startswith("Session.login_data is deprecated")


logging.getLogger("mail.log").addFilter(_not_login_data_notice)


class CatcherHandler:
    """Store every message accepted at DATA, after applying the chaos settings."""

    def __init__(self, store, chaos, source="smtp"):
        self.store = store
        self.chaos = chaos
        self.source = source

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if not _is_text(address):
            return MALFORMED
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not _is_text(address):
            return MALFORMED
        if self.chaos.is_rejected(address):
            return REJECTED.format(address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.chaos.latency:
            await asyncio.sleep(self.chaos.latency)
        if self.chaos.roll(self.chaos.disconnect_rate):
            return await _hang_up(server)
        if self.chaos.roll(self.chaos.tempfail_rate):
            return TEMPFAIL
        try:
            message = self.store.add(
                envelope.original_content,
                envelope.mail_from,
                envelope.rcpt_tos,
                helo=_as_text(session.host_name or ""),
                source=self.source,
            )
        except Exception:
            # A 4xx makes the client keep the message and retry; a 5xx would lose it.
            logger.exception("Could not store a message from %s", envelope.mail_from)
            return NOT_STORED
        return QUEUED.format(message.id)

    async def handle_exception(self, error):
        if isinstance(error, TLSSetupException):
            # Usually a client that does not trust ca.pem: one line, not a traceback.
            logger.warning("TLS handshake failed: %s", error.__cause__ or error)
        else:
            logger.error("SMTP session error", exc_info=error)
        return INTERNAL_ERROR


async def _hang_up(server):
    """Close the connection without answering."""
    server.transport.close()
    # The lost connection makes aiosmtpd cancel this session; should the status below
    # still be pushed, a closed transport drops it.
    await asyncio.sleep(0)
    return "421 4.4.2 Connection dropped"


class Authenticator:
    """Accept exactly one user name and password."""

    def __init__(self, user: str, password: str):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        # compare_digest on both parts: timing must not reveal which one was wrong.
        ok = hmac.compare_digest(auth_data.login, self.user) & hmac.compare_digest(
            auth_data.password, self.password
        )
        return AuthResult(success=bool(ok), handled=False, auth_data=auth_data)


def catcher_factory(handler, config, loop=None):
    """Return a factory of SMTP sessions for the plain catcher."""

    def factory():
        return SMTP(handler, loop=loop, **_common_options(config))

    return factory


def secure_factory(handler, config, tls_context, loop=None):
    """Return a factory of SMTP sessions that require STARTTLS, then AUTH PLAIN or LOGIN."""
    authenticator = Authenticator(config.smtp_user, config.smtp_password)

    def factory():
        return SMTP(
            handler,
            loop=loop,
            tls_context=tls_context,
            require_starttls=True,
            auth_required=True,
            auth_require_tls=True,
            authenticator=authenticator,
            **_common_options(config),
        )

    return factory


def _common_options(config):
    return {
        "data_size_limit": config.max_message_size,
        "enable_SMTPUTF8": True,
        # Keep DATA as bytes: the store must hold exactly what the client sent.
        "decode_data": False,
        # A fixed name avoids a DNS lookup (socket.getfqdn) per connection.
        "hostname": SERVER_NAME,
        "ident": IDENT,
    }


def _is_text(value):
    """Return whether `value` came from valid UTF-8 (aiosmtpd keeps bad bytes as surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _as_text(value):
    """Return `value` with undecodable bytes replaced, so it can be stored as text."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
