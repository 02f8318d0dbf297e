"""ex07: an atomic rate limit per kind and address."""

import pytest

from tests.grading.observed import answered


def answers(observed):
    run = observed.run("ex07.basics")
    calls = run.obs.get("calls") or []
    if len(calls) != 5:
        pytest.fail("the scenario did not record its five calls")
    return run, [answered(call, "allow_email") for call in calls]


@pytest.mark.points(1)
def test_takes_and_refuses(observed):
    """Takes a free slot and refuses a taken one; other addresses and kinds stay free."""
    _, (first, again, other_address, other_kind, _) = answers(observed)
    assert first is True, f"the first call returned {first!r}, not True"
    assert again is False, f"a second call at once returned {again!r}, not False"
    assert other_address is True, "another address was refused: the slot is per address"
    assert other_kind is True, "another kind was refused: the slot is per kind"


@pytest.mark.points(2)
def test_one_winner(observed):
    """Lets exactly one of eight simultaneous requests win."""
    run = observed.run("ex07.race")
    for answer in run.obs.get("answers") or []:
        answered(answer, "allow_email")
    winners = [m for m in run.messages if m.subject.startswith(run.params["subject"])]
    assert len(winners) == 1, (
        f"{len(winners)} of 8 simultaneous requests won: read-then-write races; use cache.add")


@pytest.mark.points(1)
def test_expires(observed):
    """Frees the slot after the given number of seconds."""
    run, _ = answers(observed)
    seconds = run.params["seconds"]
    ttls = [t for t in run.obs.get("ttls") or [] if isinstance(t, int | float)]
    assert ttls, "nothing was stored in the default cache with a timeout"
    assert any(seconds - 5 <= t <= seconds + 1 for t in ttls), (
        f"the slot lasts {max(ttls):.0f} s, not {seconds} s: pass timeout=seconds")


@pytest.mark.points(1)
def test_ignores_case(observed):
    """Compares addresses without regard to case."""
    _, (*_, upper) = answers(observed)
    assert upper is False, "the same address in capitals got a second slot"
