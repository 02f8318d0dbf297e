"""ex08: every email recorded in EmailLog before it is sent."""

import pytest

from tests.grading.observed import json_field


def logged(observed, scenario):
    run = observed.run(scenario)
    run.value(what="send_logged")
    rows = [row for row in observed.rows("notifications_emaillog")
            if str(row.get("recipient", "")).lower() == run.params["to"].lower()]
    if len(rows) != 1:
        pytest.fail(f"expected one EmailLog row for {run.params['to']}, found {len(rows)}")
    return run, rows[0]


@pytest.mark.points(1)
def test_sent_row(observed):
    """Records a sent email as an EmailLog row marked sent, with sent_at."""
    run, row = logged(observed, "ex08.sent")
    assert row.get("status") == "sent", f"the row's status is {row.get('status')!r}, not 'sent'"
    assert row.get("sent_at"), "the row has no sent_at"
    for field, key in (("kind", "kind"), ("subject", "subject"), ("text_body", "body")):
        assert row.get(field) == run.params[key], f"the row's {field} is not the email's"


@pytest.mark.points(2)
def test_message_carries_row_id(observed):
    """The message carries its row's id in X-Library-Email-Id (so the row came first)."""
    run, row = logged(observed, "ex08.sent")
    message = run.only_message(run.params["to"])
    assert message.header("X-Library-Email-Id") == str(row["id"]), (
        f"X-Library-Email-Id is {message.header('X-Library-Email-Id')!r}, not the row's id "
        f"{row['id']}: create the row before sending")


@pytest.mark.points(2)
def test_failed_row(observed):
    """Records a refused email as failed, with the error, and returns the row."""
    run, row = logged(observed, "ex08.refused")
    assert row.get("status") == "failed", f"the row's status is {row.get('status')!r}"
    assert "550" in str(row.get("last_error", "")) or "refused" in str(
        row.get("last_error", "")).lower(), "last_error does not say why the send failed"
    assert run.obs.get("row_id") == row["id"], "send_logged did not return the row"
    assert isinstance(json_field(row.get("headers", "{}")), dict | type(None))
