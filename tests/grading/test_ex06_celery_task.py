"""ex06: a Celery task with a sound retry policy, and a view that only queues."""

import pytest

MAX_ATTEMPTS = 11  # MAX_RETRIES is at most 10: one try and ten retries


def task_run(observed, scenario):
    run = observed.run(scenario)
    outcome = run.value(what="send_email_task")
    state = outcome.get("state") if isinstance(outcome, dict) else None
    return run, state


@pytest.mark.points(2)
def test_retries_transient_failure(observed):
    """Retries a transient failure (421, try again later) until the email is delivered."""
    run, state = task_run(observed, "ex06.transient")
    assert run.connections == 3, (
        f"the server said 421 twice, then accepted; the task tried {run.connections} time(s)")
    assert len(run.to(run.params["to"])) == 1, "the email was not delivered in the end"


@pytest.mark.points(1)
def test_no_retry_of_permanent_failure(observed):
    """Does not retry a permanent failure (550, recipient refused)."""
    run, state = task_run(observed, "ex06.permanent")
    assert run.connections == 1, (
        f"a 550 will fail the same way again, yet the task tried {run.connections} times")


@pytest.mark.points(1)
def test_bounded(observed):
    """Gives up after a bounded number of attempts."""
    run, state = task_run(observed, "ex06.bounded")
    assert 2 <= run.connections <= MAX_ATTEMPTS, (
        f"with the server down the task tried {run.connections} times: retry, but at most "
        "MAX_RETRIES times")
    assert state == "FAILURE", f"the task ended as {state}, not FAILURE, with the server down"


@pytest.mark.points(1)
def test_backoff(observed):
    """Waits longer before each retry (exponential backoff; jitter allowed)."""
    run, _ = task_run(observed, "ex06.bounded")
    waits = run.obs.get("waits") or []
    options = run.obs.get("options") or {}
    assert len(waits) >= 2, f"the task retried {len(waits)} time(s); backoff needs retries"
    assert all(isinstance(w, int | float) and 0 <= w <= 3600 for w in waits), (
        f"every retry needs a countdown between 0 and 3600 s, got {waits}")
    growing = all(later > earlier for earlier, later in zip(waits, waits[1:], strict=False))
    jittered = bool(options.get("retry_backoff")) and bool(options.get("retry_jitter"))
    assert growing or jittered, f"the waits {waits} do not grow"


@pytest.mark.points(1)
def test_acks_late(observed):
    """Acknowledges its message only when it ends (acks_late)."""
    run, _ = task_run(observed, "ex06.transient")
    options = run.obs.get("options") or {}
    assert options.get("acks_late") is True, (
        "acks_late is not set: a worker that dies mid-send loses the email")


@pytest.mark.points(2)
def test_queue_email_only_queues(observed):
    """queue_email hands the email to the task after commit, and sends nothing itself."""
    run = observed.run("ex06.queue")
    run.value(what="queue_email")
    run.value("rollback_call", what="queue_email")
    p = run.params
    assert not run.messages, "queue_email sent the email itself: a view must not wait for SMTP"
    queued = [m.get("args") for m in run.broker]
    assert [p["to"], p["subject"], p["body"]] in queued, (
        "no task was queued with (to, subject, body) after the transaction committed")
    assert not any(isinstance(a, list) and p["rollback_subject"] in a for a in queued), (
        "a task was queued for a transaction that rolled back: use delay_on_commit")
