"""ex11: header injection refused in a contact form."""

import pytest

from grading.plan import FROM_ADDRESS
from tests.grading.observed import answered


def contact(observed):
    run = observed.run("ex11.contact")
    calls = run.obs.get("calls") or []
    if len(calls) != len(run.params["attempts"]):
        pytest.fail("the scenario did not record every call")
    return run, calls


def refused(observed, index, field):
    run, calls = contact(observed)
    attempt = run.params["attempts"][index]
    returned = answered(calls[index], "send_contact_message")
    assert returned == "refused", (
        f"a {field} with a line break returned {returned!r}, not 'refused'")
    victim = [m for m in run.messages if any("victim" in r for r in m.recipients)]
    assert not victim, "the injected Bcc received the email"
    marker = attempt["subject"].splitlines()[0].strip()
    assert not [m for m in run.messages if marker in m.subject], (
        f"an email was sent although the {field} held a line break")


@pytest.mark.points(1)
def test_clean_message_sent(observed):
    """Sends a clean message to the library, subject "Contact: ...", Reply-To the reader."""
    run, calls = contact(observed)
    attempt = run.params["attempts"][0]
    returned = answered(calls[0], "send_contact_message")
    assert returned == "sent", f"a clean message returned {returned!r}, not 'sent'"
    message = run.only_message(FROM_ADDRESS)
    assert message.subject == f"Contact: {attempt['subject']}", (
        f"the subject is {message.subject!r}")
    assert attempt["email"] in (message.header("Reply-To") or ""), "Reply-To is not the reader"


@pytest.mark.points(2)
def test_refuses_subject_injection(observed):
    """Refuses a subject with a line break: returns "refused" and sends nothing."""
    refused(observed, 1, "subject")


@pytest.mark.points(1)
def test_refuses_name_injection(observed):
    """Refuses a name with a line break."""
    refused(observed, 2, "name")


@pytest.mark.points(1)
def test_refuses_address_injection(observed):
    """Refuses an address with a line break."""
    refused(observed, 3, "address")
