"""EmailService: input checks, EmailLog rows, rate limits and failures."""

import socket
import threading

import pytest
from django.core.cache import cache

from notifications import ratelimit
from notifications.errors import HeaderInjectionError, InvalidRecipientError
from notifications.models import EmailLog
from notifications.service import Attachment, EmailService, email_service

pytestmark = pytest.mark.django_db


class Reader:
    """The attributes a template reads from a user."""

    def __init__(self, first_name, username="reader"):
        self.first_name = first_name
        self.username = username
        self.email = f"{username}@example.com"


def welcome(to="reader@example.com", name="Rita", **options):
    context = {"user": Reader(name), "verify_url": "http://127.0.0.1:8000/v/", "verify_hours": 48}
    return email_service.send("welcome", to, context, **options)


def test_send_records_a_sent_row(mailoutbox):
    result = welcome()

    assert result.status == "sent" and result.ok
    log = EmailLog.objects.get()
    assert (log.kind, log.recipient, log.status, log.attempts) == (
        "welcome", "reader@example.com", "sent", 1)
    assert log.subject == mailoutbox[0].subject
    assert log.provider_message_id == mailoutbox[0].extra_headers["Message-ID"]
    assert log.sent_at is not None and log.last_error == ""


@pytest.mark.parametrize("name", ["Rita\nBcc: victim@example.com", "Rita\r\nX-Evil: 1"])
def test_newline_in_subject_is_refused_and_logged(name, mailoutbox):
    with pytest.raises(HeaderInjectionError, match="line break"):
        welcome(name=name)

    assert mailoutbox == []
    log = EmailLog.objects.get()
    assert log.status == "failed" and "line break" in log.last_error


@pytest.mark.parametrize("to", ["reader@example.com\nBcc: victim@example.com",
                                "Rita\r\n <reader@example.com>"])
def test_newline_in_address_is_refused_and_logged(to, mailoutbox):
    with pytest.raises(HeaderInjectionError):
        welcome(to=to)

    assert mailoutbox == []
    assert EmailLog.objects.get().status == "failed"


@pytest.mark.parametrize("to", ["not-an-address", "a@b@c.example", "reader@", ""])
def test_invalid_address_is_refused(to, mailoutbox):
    with pytest.raises(InvalidRecipientError):
        welcome(to=to)
    assert mailoutbox == [] and EmailLog.objects.get().status == "failed"


def test_fail_silently_returns_the_error_and_still_logs_it(mailoutbox):
    result = welcome(to="nope", fail_silently=True)

    assert result.status == "failed" and "not an email address" in result.error
    assert EmailLog.objects.get().last_error == result.error


def test_non_ascii_name_and_idn_domain_are_encoded(mailoutbox):
    welcome(to="José Ñúñez <jose@bücher.example>", name="José")

    raw = mailoutbox[0].message().as_bytes()
    assert b"xn--bcher-kva.example" in raw
    assert b"=?utf-8?" in raw.lower()
    assert "José" in mailoutbox[0].body


def test_smtp_failure_is_logged_then_raised(settings):
    settings.EMAIL_BACKEND = "notifications.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_TIMEOUT = 2

    with pytest.raises(ConnectionRefusedError):
        welcome()

    log = EmailLog.objects.get()
    assert log.status == "failed" and "ConnectionRefusedError" in log.last_error


def test_smtp_failure_with_fail_silently_is_still_logged(settings, caplog):
    settings.EMAIL_BACKEND = "notifications.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()

    result = welcome(fail_silently=True)

    assert result.status == "failed" and "ConnectionRefused" in result.error
    assert EmailLog.objects.get().status == "failed"
    assert "not sent" in caplog.text


def test_a_sent_row_is_never_sent_again(mailoutbox):
    result = welcome()

    again = EmailService().deliver(result.log)

    assert again.status == "sent" and len(mailoutbox) == 1
    assert EmailLog.objects.get().attempts == 1


def test_rate_limit_refuses_the_second_email_in_the_window(mailoutbox, settings):
    settings.EMAIL_RATE_LIMITS = {"welcome": 60}

    first, second = welcome(), welcome()

    assert first.status == "sent"
    assert second.status == "rate_limited" and second.retry_after == 60 and not second.ok
    assert "try later" in second.error
    assert len(mailoutbox) == 1 and EmailLog.objects.count() == 1


def test_rate_limit_is_per_recipient_and_kind(mailoutbox, settings):
    settings.EMAIL_RATE_LIMITS = {"welcome": 60}

    results = [welcome(), welcome(to="other@example.com"), welcome(to="READER@example.com")]

    assert [r.status for r in results] == ["sent", "sent", "rate_limited"]


def test_rate_limit_uses_one_atomic_add(settings, monkeypatch):
    settings.EMAIL_RATE_LIMITS = {"welcome": 60}
    monkeypatch.setattr(cache, "get", lambda *a, **k: pytest.fail("get-then-set is racy"))

    assert ratelimit.acquire("welcome", "a@example.com")
    assert not ratelimit.acquire("welcome", "a@example.com")


@pytest.mark.django_db(transaction=True)
def test_racing_threads_get_one_slot(settings):
    settings.EMAIL_RATE_LIMITS = {"welcome": 60}
    cache.clear()
    barrier = threading.Barrier(8)
    wins = []

    def race():
        barrier.wait()
        wins.append(ratelimit.acquire("welcome", "race@example.com"))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(wins) == [False] * 7 + [True]


def test_attachments_are_kept_with_the_row(mailoutbox):
    welcome(attachments=[Attachment("notes.txt", b"hello")])

    log = EmailLog.objects.get()
    assert log.attachments[0]["filename"] == "notes.txt"
    assert mailoutbox[0].attachments == [("notes.txt", "hello", "text/plain")]


def test_bulk_kind_without_unsubscribe_is_refused(mailoutbox):
    with pytest.raises(ValueError, match="unsubscribe"):
        email_service.send("newsletter", "a@example.com", {"newsletter": None})
    assert mailoutbox == []


def test_html_falls_back_to_html2text_when_no_text_template(tmp_path, settings, mailoutbox):
    folder = tmp_path / "emails" / "plain_only"
    folder.mkdir(parents=True)
    (folder / "subject.txt").write_text("Hi")
    (folder / "body.html").write_text('<p>Read <a href="http://x.example/a">this</a></p>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    email_service.send("plain_only", "a@example.com", {})

    assert "http://x.example/a" in mailoutbox[0].body and "<p>" not in mailoutbox[0].body


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]



def test_a_failed_row_can_be_sent_again(settings, mailoutbox):
    welcome(to="nope", fail_silently=True)
    failed = welcome(fail_silently=True, to="reader@example.com")
    settings.EMAIL_BACKEND = "notifications.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    broken = welcome(to="later@example.com", fail_silently=True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    again = email_service.resend(broken.log, async_send=False)
    refused = email_service.resend(failed.log, async_send=False)

    assert broken.status == "failed" and again.status == "sent"
    assert [m.to for m in mailoutbox] == [["reader@example.com"], ["later@example.com"]]
    assert refused.status == "sent" and "only failed" in refused.error
