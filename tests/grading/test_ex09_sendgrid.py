"""ex09: SendGrid through the official SDK, errors reported, never raised."""

import pytest


def result(observed, scenario):
    run = observed.run(scenario)
    value = run.value(what="send_with_sendgrid")
    if not isinstance(value, dict):
        pytest.fail(f"send_with_sendgrid returned {type(value).__name__}, not a dict")
    return run, value


def answered_with(run, value, status):
    """Check the call reached the API, which answered `status`, and that the result says so."""
    assert run.http_statuses == [status], (
        f"expected one call to the SendGrid API answered {status}; the API answered "
        f"{run.http_statuses or 'no call'}")
    assert value.get("ok") is (status == 202) and value.get("status") == status, (
        f"SendGrid answered {status}; expected ok={status == 202}, status={status}; got {value}")


@pytest.mark.points(2)
def test_accepted(observed):
    """Sends through the SendGrid API and reports the message id SendGrid gave."""
    run, value = result(observed, "ex09.accepted")
    message = run.only_message(run.params["to"])
    assert message.source == "sendgrid", "the email did not go through the SendGrid API"
    assert message.subject == run.params["subject"], "the subject differs"
    assert run.params["text"] in message.text and run.params["html"] in message.html, (
        "the text and HTML parts are not the ones given")
    answered_with(run, value, 202)
    assert value.get("message_id") == message.header("X-SendGrid-Message-Id"), (
        "message_id is not the X-Message-Id SendGrid answered")


@pytest.mark.points(1)
def test_bad_key(observed):
    """Reports a rejected API key (401) without raising."""
    run, value = result(observed, "ex09.bad_key")
    answered_with(run, value, 401)
    assert value.get("error"), "error does not say what went wrong"
    assert value.get("transient") is False, "a wrong key will stay wrong: transient must be False"


@pytest.mark.points(1)
def test_bad_address(observed):
    """Reports an invalid address (400) as a permanent failure."""
    run, value = result(observed, "ex09.bad_address")
    answered_with(run, value, 400)
    assert value.get("transient") is False, "a bad address will stay bad: transient must be False"


@pytest.mark.points(1)
def test_unavailable(observed):
    """Reports a 5xx answer as transient."""
    run, value = result(observed, "ex09.unavailable")
    answered_with(run, value, run.http_statuses[0] if run.http_statuses else 503)
    assert value.get("transient") is True, "a 5xx may pass later: transient must be True"


@pytest.mark.points(1)
def test_unreachable(observed):
    """Reports an unreachable API as transient, with no status."""
    run, value = result(observed, "ex09.unreachable")
    assert not run.http_statuses, "the call reached the SendGrid mock, which should be unreachable"
    assert value.get("ok") is False and value.get("status") is None, (
        f"expected ok=False, status=None; got {value}")
    assert value.get("transient") is True, "no answer may change later: transient must be True"
