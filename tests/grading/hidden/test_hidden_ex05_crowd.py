"""ex05, hidden: a larger list of readers, still one connection and subscribers only."""

import pytest

from tests.grading.observed import answered


@pytest.mark.points(2)
def test_crowd_over_one_connection(observed):
    """Emails every subscriber of a thirty-reader list, and no one else, over one connection."""
    run = observed.run("ex05.crowd")
    answered(run.obs.get("call"), "notify_subscribers")
    expected = {r["email"].lower() for r in run.params["readers"] if r.get("notifications")}
    got = set().union(*(m.recipients for m in run.messages)) if run.messages else set()
    assert got == expected, (
        f"emailed {len(got)} readers; {len(expected)} subscribed ({len(got - expected)} extra, "
        f"{len(expected - got)} missing)")
    assert run.connections == 1, f"opened {run.connections} SMTP connections for the list"
