"""The locmem, console and file outboxes return the same normalized messages."""

import io

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives, get_connection

from outbox import ConsoleOutbox, FileOutbox, LocmemOutbox, OutboxTimeout, for_stage


def rich_message(connection=None):
    message = EmailMultiAlternatives(
        "Zoë's order", "Plain body", "Library <library@example.com>",
        ["Zoë <zoe@example.com>"], cc=["cc@example.com"], bcc=["hidden@example.com"],
        headers={"X-Tag": "one"}, connection=connection)
    message.attach_alternative("<p>HTML body</p>", "text/html")
    message.attach("invoice.pdf", b"%PDF-1.4 fake", "application/pdf")
    return message


def assert_normalized(captured):
    assert captured.subject == "Zoë's order"
    assert captured.from_email == "library@example.com"
    assert captured.to == ["zoe@example.com"] and captured.cc == ["cc@example.com"]
    assert captured.text.strip() == "Plain body"
    assert captured.html.strip() == "<p>HTML body</p>"
    assert captured.header("x-tag") == "one"
    (attachment,) = captured.attachments
    assert (attachment.filename, attachment.content) == ("invoice.pdf", b"%PDF-1.4 fake")
    assert captured.raw.startswith(b"Content-Type") or b"Subject:" in captured.raw


def test_locmem_outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    box = LocmemOutbox()
    box.clear()

    rich_message().send()

    (captured,) = box.messages()
    assert_normalized(captured)
    assert captured.bcc == ["hidden@example.com"]  # from the envelope
    box.clear()
    assert len(box) == 0 and mail.outbox == []


def test_console_outbox_reads_a_captured_stream():
    stream = io.StringIO()
    connection = get_connection("django.core.mail.backends.console.EmailBackend", stream=stream)

    rich_message(connection).send()
    rich_message(connection).send()

    box = ConsoleOutbox(stream)
    assert len(box) == 2
    assert_normalized(box.last)
    box.clear()
    assert box.messages() == []


def test_file_outbox_reads_every_file_in_order(tmp_path):
    connection = get_connection("django.core.mail.backends.filebased.EmailBackend",
                                file_path=str(tmp_path))
    rich_message(connection).send()
    connection.close()
    rich_message(get_connection("django.core.mail.backends.filebased.EmailBackend",
                                file_path=str(tmp_path))).send()

    box = FileOutbox(tmp_path)
    assert len(box) == 2
    assert_normalized(box.messages()[0])
    box.clear()
    assert box.messages() == [] and list(tmp_path.iterdir()) == []


def test_file_outbox_of_a_missing_folder_is_empty(tmp_path):
    assert FileOutbox(tmp_path / "nothing-yet").messages() == []


def test_wait_for_gives_up_with_a_clear_message(tmp_path):
    box = FileOutbox(tmp_path)
    with pytest.raises(OutboxTimeout, match=r"expected 1 message\(s\) within 0.2 s, found 0"):
        box.wait_for(1, timeout=0.2)


def test_for_stage_picks_the_reader(tmp_path, settings):
    settings.EMAIL_FILE_PATH = str(tmp_path)
    assert isinstance(for_stage("locmem"), LocmemOutbox)
    assert for_stage("file").folder == tmp_path
    with pytest.raises(ValueError, match="no outbox"):
        for_stage("pigeon")
