"""The plain SMTP catcher, driven by real clients: smtplib and Django's SMTP backend."""

import json
import smtplib
import time
from email import message_from_bytes, policy

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend

from mailroom.chaos import Chaos
from mailroom.runner import LOOPBACK

CLIENT_TIMEOUT = 10
SENDER = "library@example.com"
READER = "reader@example.com"
SIMPLE = b"Subject: Simple\r\n\r\nHello\r\n"

# Lines starting with dots (dot-stuffed on the wire), 8-bit bytes, trailing spaces,
# a NUL and a bare CR: the store must give back exactly these bytes.
AWKWARD = (
    b"Subject: =?utf-8?q?Caf=C3=A9?=\r\n"
    b"From: Library <library@example.com>\r\n"
    b"X-Trailing:   spaces   \r\n"
    b"\r\n"
    b".starts with a dot\r\n"
    b"..two dots\r\n"
    b"caf\xc3\xa9 na\xefve \x00 nul \r bare cr\r\n"
    b"last line without dot\r\n"
)


def send_and_get_id(client, raw, sender=SENDER, recipients=(READER,), options=()):
    """Send one message step by step; return the id from the 250 reply."""
    client.ehlo_or_helo_if_needed()
    assert client.mail(sender, list(options))[0] == 250
    for recipient in recipients:
        assert client.rcpt(recipient)[0] == 250
    code, reply = client.data(raw)
    assert code == 250, reply
    return reply.decode().rsplit(" ", 1)[-1]


def connect(mailroom):
    return smtplib.SMTP(LOOPBACK, mailroom.config.smtp_port, timeout=CLIENT_TIMEOUT)


def assert_serving(mailroom):
    """Prove the catcher still accepts and stores mail on a new connection."""
    before = mailroom.store.count()
    with connect(mailroom) as client:
        message_id = send_and_get_id(client, SIMPLE)
    assert mailroom.store.count() == before + 1
    assert mailroom.store.get(message_id).raw == SIMPLE


# Storage -------------------------------------------------------------------------------


def test_message_is_stored_byte_for_byte_with_its_envelope(smtp_client, store):
    smtp_client.ehlo("client.example")

    message_id = send_and_get_id(smtp_client, AWKWARD, recipients=[READER, "cc@example.com"])

    stored = store.get(message_id)
    assert stored.raw == AWKWARD
    assert stored.mail_from == SENDER
    assert stored.rcpt_tos == [READER, "cc@example.com"]
    assert stored.helo == "client.example"
    assert stored.source == "smtp"


def test_invalid_utf8_in_data_is_stored_untouched(smtp_client, store):
    raw = b"Subject: broken\r\n\r\n\xff\xfe\xc3\x28\xa0\xa1 \xed\xa0\x80\r\n"

    message_id = send_and_get_id(smtp_client, raw)

    assert store.get(message_id).raw == raw


def test_ehlo_advertises_size_8bitmime_and_smtputf8(smtp_client, mailroom):
    code, _ = smtp_client.ehlo()

    assert code == 250
    assert smtp_client.esmtp_features["size"] == str(mailroom.config.max_message_size)
    assert "8bitmime" in smtp_client.esmtp_features
    assert "smtputf8" in smtp_client.esmtp_features
    assert "starttls" not in smtp_client.esmtp_features


def test_smtputf8_addresses_and_8bit_body_are_accepted(smtp_client, store):
    raw = "Subject: Zażółć\r\nTo: józef@przykład.pl\r\n\r\nGęślą jaźń\r\n".encode()

    message_id = send_and_get_id(
        smtp_client, raw, sender="bibliothèque@example.fr", recipients=["józef@przykład.pl"],
        options=["SMTPUTF8", "BODY=8BITMIME"],
    )

    stored = store.get(message_id)
    assert (stored.mail_from, stored.rcpt_tos, stored.raw) == (
        "bibliothèque@example.fr", ["józef@przykład.pl"], raw)


def test_several_messages_on_one_connection_are_all_stored(smtp_client, store):
    ids = [send_and_get_id(smtp_client, f"Subject: {n}\r\n\r\n{n}\r\n".encode())
           for n in range(5)]

    assert [m.id for m in store.all()] == list(reversed(ids))


def test_listeners_hear_of_each_message_before_the_client_gets_250(smtp_client, store):
    heard = []
    store.subscribe(heard.append)

    message_id = send_and_get_id(smtp_client, SIMPLE)

    assert [m.id for m in heard] == [message_id]


def test_django_smtp_backend_delivers_to_the_catcher(mailroom, store):
    backend = EmailBackend(
        host=LOOPBACK, port=mailroom.config.smtp_port, use_tls=False, timeout=CLIENT_TIMEOUT)
    email = EmailMessage("Réservation prête", "Votre livre vous attend.", SENDER, [READER],
                         connection=backend)

    assert email.send() == 1

    (stored,) = store.all()
    parsed = message_from_bytes(stored.raw, policy=policy.default)
    assert parsed["Subject"] == "Réservation prête"
    assert parsed.get_content().strip() == "Votre livre vous attend."
    assert (stored.mail_from, stored.rcpt_tos) == (SENDER, [READER])


# Limits and malformed input ------------------------------------------------------------


class TestSizeLimit:
    LIMIT = 2048

    @pytest.fixture
    def mailroom_settings(self):
        return {"max_message_size": self.LIMIT}

    def test_size_is_advertised(self, smtp_client):
        smtp_client.ehlo()

        assert smtp_client.esmtp_features["size"] == str(self.LIMIT)

    def test_declared_size_over_the_limit_gets_552_at_mail(self, smtp_client, mailroom):
        smtp_client.ehlo()

        code, reply = smtp_client.mail(SENDER, [f"SIZE={self.LIMIT + 1}"])

        assert code == 552, reply
        assert mailroom.store.count() == 0
        assert_serving(mailroom)

    def test_data_over_the_limit_gets_552_and_nothing_is_stored(self, smtp_client, mailroom):
        too_big = b"Subject: big\r\n\r\n" + (b"y" * 98 + b"\r\n") * (self.LIMIT // 100 + 1)
        smtp_client.ehlo()
        smtp_client.mail(SENDER)
        smtp_client.rcpt(READER)

        code, reply = smtp_client.data(too_big)

        assert code == 552, reply
        assert mailroom.store.count() == 0
        # The same session goes on: the next message fits and is stored.
        send_and_get_id(smtp_client, SIMPLE)
        assert mailroom.store.count() == 1
        assert_serving(mailroom)


@pytest.mark.parametrize(
    ("line", "code"),
    [
        pytest.param(b"RCPT TO:<reader@example.com>", 503, id="rcpt-before-mail"),
        pytest.param(b"DATA", 503, id="data-before-rcpt"),
        pytest.param(b"FOO bar", 500, id="unknown-command"),
        pytest.param(b"", 500, id="empty-line"),
        pytest.param(b"\xff\xfe", 500, id="non-ascii-command"),
        pytest.param(b"HELO", 501, id="helo-without-name"),
        pytest.param(b"MAIL FROM:<" + b"x" * 600 + b"@example.com>", 500, id="line-too-long"),
        pytest.param(b"MAIL FROM:<@>", 553, id="malformed-address"),
        pytest.param(b"MAIL FROM:<\xff@example.com>", 553, id="invalid-utf8-address"),
        pytest.param(b"MAIL FROM:<a@example.com> SIZE=abc", 501, id="bad-size"),
        pytest.param(b"MAIL FROM:<a@example.com> BODY=9BIT", 501, id="bad-body"),
        pytest.param(b"MAIL FROM:<a@example.com> FOO=1", 555, id="unknown-parameter"),
    ],
)
def test_malformed_commands_get_5xx_and_the_session_goes_on(smtp_client, mailroom, line, code):
    smtp_client.ehlo()

    smtp_client.send(line + b"\r\n")

    assert smtp_client.getreply()[0] == code
    assert mailroom.store.count() == 0
    smtp_client.rset()
    send_and_get_id(smtp_client, SIMPLE)
    assert_serving(mailroom)


def test_invalid_utf8_recipient_is_refused(smtp_client, mailroom):
    smtp_client.ehlo()
    smtp_client.mail(SENDER)

    smtp_client.send(b"RCPT TO:<\xfe\xff@example.com>\r\n")

    assert smtp_client.getreply()[0] == 553
    assert_serving(mailroom)


def test_a_data_line_over_1000_bytes_is_refused_and_nothing_stored(smtp_client, mailroom):
    smtp_client.ehlo()
    smtp_client.mail(SENDER)
    smtp_client.rcpt(READER)

    code, _ = smtp_client.data(b"Subject: long\r\n\r\n" + b"z" * 1200 + b"\r\n")

    assert code == 500
    assert mailroom.store.count() == 0
    assert smtp_client.noop()[0] == 250


def test_a_store_failure_answers_451_so_the_client_keeps_the_message(smtp_client, mailroom):
    # Closing the database makes every write fail, as a full or locked disk would.
    mailroom.store.close()
    smtp_client.ehlo()
    smtp_client.mail(SENDER)
    smtp_client.rcpt(READER)

    code, reply = smtp_client.data(SIMPLE)

    assert code == 451, reply
    assert reply.startswith(b"4.3.0")
    assert smtp_client.noop()[0] == 250


# Chaos ---------------------------------------------------------------------------------


def test_rejected_recipient_gets_550_and_nothing_is_stored(smtp_client, mailroom, chaos):
    chaos.update({"reject_recipients": ["Blocked@Example.com"]})

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp_client.sendmail(SENDER, ["blocked@example.com"], SIMPLE)

    code, reply = refused.value.recipients["blocked@example.com"]
    assert (code, reply[:5]) == (550, b"5.1.1")
    assert mailroom.store.count() == 0
    assert_serving(mailroom)


def test_only_the_rejected_recipient_is_left_out(smtp_client, store, chaos):
    chaos.update({"reject_recipients": ["blocked@example.com"]})

    refused = smtp_client.sendmail(SENDER, [READER, "BLOCKED@example.com"], SIMPLE)

    assert list(refused) == ["BLOCKED@example.com"]
    (stored,) = store.all()
    assert stored.rcpt_tos == [READER]


def test_tempfail_answers_451_and_stores_nothing(smtp_client, mailroom, chaos):
    chaos.update({"tempfail_rate": 1.0})

    with pytest.raises(smtplib.SMTPDataError) as failed:
        smtp_client.sendmail(SENDER, [READER], SIMPLE)

    assert failed.value.smtp_code == 451
    assert failed.value.smtp_error.startswith(b"4.3.0")
    assert mailroom.store.count() == 0
    chaos.reset()
    # The client retries on the same connection, as a 4xx invites it to.
    send_and_get_id(smtp_client, SIMPLE)
    assert mailroom.store.count() == 1


def test_disconnect_drops_the_connection_without_reply_and_stores_nothing(
        smtp_client, mailroom, chaos):
    chaos.update({"disconnect_rate": 1.0})

    with pytest.raises(smtplib.SMTPServerDisconnected):
        smtp_client.sendmail(SENDER, [READER], SIMPLE)

    assert mailroom.store.count() == 0
    chaos.reset()
    assert_serving(mailroom)


def test_latency_delays_the_answer_to_data(smtp_client, store, chaos):
    chaos.update({"latency": 0.2})
    smtp_client.ehlo()
    smtp_client.mail(SENDER)
    smtp_client.rcpt(READER)

    started = time.monotonic()
    code, _ = smtp_client.data(SIMPLE)

    assert code == 250
    assert time.monotonic() - started >= 0.2
    assert store.count() == 1


class TestChaosSettings:
    def test_everything_is_off_by_default(self):
        assert Chaos().to_dict() == {
            "latency": 0.0,
            "tempfail_rate": 0.0,
            "reject_recipients": [],
            "disconnect_rate": 0.0,
            "sendgrid_429_rate": 0.0,
            "sendgrid_5xx_rate": 0.0,
        }

    def test_update_normalizes_and_to_dict_is_json(self):
        chaos = Chaos()

        chaos.update({"latency": 1, "reject_recipients": [" B@Example.com", "a@example.com", ""]})

        assert chaos.latency == 1.0
        assert chaos.reject_recipients == {"a@example.com", "b@example.com"}
        assert json.loads(json.dumps(chaos.to_dict()))["reject_recipients"] == [
            "a@example.com", "b@example.com"]

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"tempfail_rate": 1.5}, "tempfail_rate must be between 0 and 1"),
            ({"disconnect_rate": -0.1}, "disconnect_rate must not be negative"),
            ({"latency": "fast"}, "latency must be a number"),
            ({"latency": True}, "latency must be a number"),
            ({"latency": float("inf")}, "latency must be a number"),
            ({"reject_recipients": "a@example.com"}, "must be a list"),
            ({"reject_recipients": [1]}, "strings only"),
            ({"jitter": 1}, "unknown chaos setting"),
        ],
    )
    def test_invalid_changes_are_refused_clearly(self, changes, message):
        with pytest.raises(ValueError, match=message):
            Chaos().update(changes)

    def test_update_is_all_or_nothing(self):
        chaos = Chaos(latency=0.5)

        with pytest.raises(ValueError):
            chaos.update({"latency": 2.0, "reject_recipients": ["a@example.com"],
                          "tempfail_rate": 7})

        assert chaos.to_dict() == Chaos(latency=0.5).to_dict()

    def test_reset_switches_everything_off(self):
        chaos = Chaos(latency=1, tempfail_rate=0.5, reject_recipients={"a@example.com"})

        chaos.reset()

        assert chaos.to_dict() == Chaos().to_dict()

    def test_the_constructor_checks_its_values_too(self):
        with pytest.raises(ValueError, match="between 0 and 1"):
            Chaos(disconnect_rate=3)

    def test_rolls_repeat_with_the_same_seed(self):
        first, second = Chaos(seed=42), Chaos(seed=42)

        rolls = [first.roll(0.5) for _ in range(50)]

        assert rolls == [second.roll(0.5) for _ in range(50)]
        assert True in rolls and False in rolls

    def test_rates_zero_and_one_are_certain(self):
        chaos = Chaos()

        assert not any(chaos.roll(0.0) for _ in range(100))
        assert all(chaos.roll(1.0) for _ in range(100))

    def test_from_env_reads_every_setting(self):
        chaos = Chaos.from_env({
            "MAILROOM_CHAOS_LATENCY": "0.25",
            "MAILROOM_CHAOS_TEMPFAIL_RATE": "0.1",
            "MAILROOM_CHAOS_REJECT": "a@example.com, B@example.com",
            "MAILROOM_CHAOS_DISCONNECT_RATE": "0.2",
            "MAILROOM_CHAOS_SENDGRID_429_RATE": "0.3",
            "MAILROOM_CHAOS_SENDGRID_5XX_RATE": "0.4",
            "MAILROOM_CHAOS_SEED": "7",
        })

        assert chaos.to_dict() == {
            "latency": 0.25,
            "tempfail_rate": 0.1,
            "reject_recipients": ["a@example.com", "b@example.com"],
            "disconnect_rate": 0.2,
            "sendgrid_429_rate": 0.3,
            "sendgrid_5xx_rate": 0.4,
        }
        same_seed = Chaos(seed=7)
        assert [chaos.roll(0.5) for _ in range(20)] == [same_seed.roll(0.5) for _ in range(20)]

    @pytest.mark.parametrize(
        ("environ", "message"),
        [
            ({"MAILROOM_CHAOS_LATENCY": "soon"}, "MAILROOM_CHAOS_LATENCY: must be a number"),
            ({"MAILROOM_CHAOS_TEMPFAIL_RATE": "2"}, "MAILROOM_CHAOS_TEMPFAIL_RATE: .*between"),
            ({"MAILROOM_CHAOS_SEED": "x"}, "MAILROOM_CHAOS_SEED must be an integer"),
        ],
    )
    def test_from_env_names_the_bad_variable(self, environ, message):
        with pytest.raises(ValueError, match=message):
            Chaos.from_env(environ)
