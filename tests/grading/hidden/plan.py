"""Hidden scenarios: in the instructor's copy only (`make release` leaves this folder out).

Students never see these inputs, so a submission cannot be written to pass them
by rote; they reuse the public drivers with other inputs.
"""

from grading.plan import Scenario, book, reader

SCENARIOS = [
    # Thirty readers, two in three subscribed: a loop that opens a connection per
    # reader, or reads every profile, shows at this size.
    Scenario("ex05.crowd", "ex05_notify", lambda n: {
        "book": book(n, "Ink and Iron"),
        "readers": [reader(n, f"crowd{i:02d}", notifications=i % 3 != 0) for i in range(30)]}),
]
