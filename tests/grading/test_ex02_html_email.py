"""ex02: an HTML email with a real text alternative, from templates."""

import pytest


def welcome(observed):
    run = observed.run("ex02.welcome")
    run.value(what="send_templated_email")
    return run, run.only_message(run.params["reader"]["email"])


@pytest.mark.points(1)
def test_subject_on_one_line(observed):
    """Sends one email to the reader with the rendered subject, on one line."""
    run, message = welcome(observed)
    name = run.params["reader"]["first_name"]
    assert message.subject == f"Welcome to Library System, {name}", (
        f"the subject is {message.subject!r}: render subject.txt and strip it")


@pytest.mark.points(2)
def test_text_part_from_text_template(observed):
    """Has a plain-text part from body.txt: the reader's name, the link, no HTML tags."""
    run, message = welcome(observed)
    assert "text/plain" in message.content_types, "the email has no text/plain part"
    assert message.text.strip(), "the text/plain part is empty"
    assert not message.has_html_tags(), "the text/plain part holds HTML: render body.txt for it"
    assert run.params["reader"]["first_name"] in message.text, "the text does not greet the reader"
    assert run.params["context"]["verify_url"] in message.text, "the text lacks the link"


@pytest.mark.points(1)
def test_html_alternative(observed):
    """Has an HTML alternative from body.html, with the link."""
    run, message = welcome(observed)
    assert "multipart/alternative" in message.content_types, (
        "the email is not multipart/alternative: attach the HTML with attach_alternative")
    assert "text/html" in message.content_types, "the email has no text/html part"
    assert run.params["context"]["verify_url"] in message.html, "the HTML lacks the link"
