"""ex05: a new-book notification to subscribed readers only, over one connection."""

import pytest


def notified(observed, scenario="ex05.notify"):
    run = observed.run(scenario)
    run.value(what="notify_subscribers")
    return run


def expected(run):
    """Return the addresses that must get the email: active subscribers with an address."""
    return {r["email"].lower() for r in run.params["readers"]
            if r.get("notifications") and r.get("active", True) and r.get("email")}


@pytest.mark.points(2)
def test_only_subscribers(observed):
    """Emails exactly the active readers subscribed to new-book notifications."""
    run = notified(observed)
    got = set().union(*(m.recipients for m in run.messages)) if run.messages else set()
    missing, extra = expected(run) - got, got - expected(run)
    assert not extra, f"emailed readers who must not get it: {', '.join(sorted(extra))}"
    assert not missing, f"did not email subscribers: {', '.join(sorted(missing))}"


@pytest.mark.points(1)
def test_one_email_per_reader(observed):
    """Sends one email per reader, each addressed to that reader only."""
    run = notified(observed)
    assert len(run.messages) == len(expected(run)), (
        f"sent {len(run.messages)} emails for {len(expected(run))} subscribers")
    for message in run.messages:
        assert len(message.recipients) == 1, (
            f"one email went to {len(message.recipients)} readers: each reader sees the others")


@pytest.mark.points(2)
def test_one_connection(observed):
    """Sends them all over one SMTP connection."""
    run = notified(observed)
    assert run.messages, "no email was sent"
    assert run.connections == 1, (
        f"opened {run.connections} SMTP connections: open one and send every email on it")


@pytest.mark.points(1)
def test_names_book(observed):
    """Each email names the book and links to its page."""
    run = notified(observed)
    assert run.messages, "no email was sent"
    for message in run.messages:
        assert run.params["book"]["title"] in message.subject + message.text, (
            "an email does not name the book")
        assert run.obs.get("book_url", "?") in message.text, "an email lacks the book's link"
