"""ex01: a plain-text email printed by the console backend."""

import pytest

from grading.plan import FROM_ADDRESS


def printed(observed):
    run = observed.run("ex01.console")
    run.value(what="send_console_email")
    return run, run.console_messages()


@pytest.mark.points(1)
def test_prints_one_email(observed):
    """Prints exactly one email on the console."""
    _, found = printed(observed)
    assert len(found) == 1, f"expected one email on the console, found {len(found)}"


@pytest.mark.points(1)
def test_addresses(observed):
    """Sends it from DEFAULT_FROM_EMAIL to the given address, with the given subject."""
    run, found = printed(observed)
    assert found, "no email was printed on the console"
    message = found[0]
    assert message.to == [run.params["to"]], f"To is {message.to}, not [{run.params['to']}]"
    assert message.data["from"] == FROM_ADDRESS, (
        f"From is {message.data['from']}, not DEFAULT_FROM_EMAIL ({FROM_ADDRESS})")
    assert message.subject == run.params["subject"], f"the subject is {message.subject!r}"


@pytest.mark.points(1)
def test_plain_text_body(observed):
    """Keeps the body as given, in one text/plain part and no HTML."""
    run, found = printed(observed)
    assert found, "no email was printed on the console"
    message = found[0]
    assert message.content_types == ["text/plain"], (
        f"the email has the parts {message.content_types}, not one text/plain part")
    assert message.text.strip() == run.params["body"].strip(), "the body is not the one given"


@pytest.mark.points(1)
def test_returns_count(observed):
    """Returns the number of emails sent."""
    returned = observed.run("ex01.console").value(what="send_console_email")
    assert returned == 1, f"returned {returned!r}, not 1"
