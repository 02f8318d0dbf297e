"""The scenarios the grader runs in the sandbox, and the inputs each one gets.

A scenario names a driver (grading/child/drivers.py), builds fresh inputs from
a random nonce for every submission, and says how the mail services must behave
while it runs. Inputs differ on every run, so a submission cannot print answers
learned in advance. The grading tests (tests/grading/) judge what was observed.

Hidden scenarios live in tests/grading/hidden/plan.py, in the instructor's copy only.
"""

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field

from grading.paths import HIDDEN_TESTS

SITE_URL = "https://library.test"
FROM_EMAIL = "Library System <library@example.com>"
FROM_ADDRESS = "library@example.com"


@dataclass(frozen=True)
class Scenario:
    id: str
    driver: str
    inputs: Callable[[str], dict]
    # How the mail services behave during the run: refuse_first (connections the gate
    # answers 421), reject (recipients the catcher refuses), sendgrid_5xx (rate).
    services: Callable[[dict], dict] = field(default=lambda params: {})
    timeout: float = 6.0

    @property
    def exercise(self):
        return self.id.partition(".")[0]


def reader(n, name, **fields):
    return {"username": f"{name}-{n}", "email": f"{name}-{n}@readers.test",
            "first_name": f"{name.title()}{n[:4]}", **fields}


def book(n, title="The Quiet Index"):
    return {"title": f"{title} {n}", "author": f"Ada {n[:5]}", "isbn": f"978-{n[:9]}",
            "price": "18.50", "description": f"A novel about catalogue {n}."}


PUBLIC = [
    Scenario("ex01.console", "ex01_console", lambda n: {
        "to": f"reader-{n}@readers.test", "subject": f"Your loan {n} is due",
        "body": f"Please return 'The Quiet Index' by Friday.\nReference {n}.\n"}),
    Scenario("ex02.welcome", "ex02_templated", lambda n: {
        "kind": "welcome", "reader": reader(n, "wendy"),
        "context": {"verify_url": f"{SITE_URL}/accounts/verify/{n}/", "verify_hours": 48,
                    "site_name": "Library System", "site_url": SITE_URL}}),
    Scenario("ex03.reset", "ex03_reset", lambda n: {"reader": reader(n, "rosa")}),
    Scenario("ex04.order", "ex04_order", lambda n: {
        "reader": reader(n, "otto"),
        "lines": [{"book": book(n, "The Quiet Index"), "quantity": 2},
                  {"book": book(n[::-1], "Letters from Nowhere"), "quantity": 1}]}),
    Scenario("ex05.notify", "ex05_notify", lambda n: {
        "book": book(n, "Salt and Paper"),
        "readers": [
            reader(n, "sub-anna", notifications=True),
            reader(n, "sub-ben", notifications=True, newsletter=True),
            reader(n, "sub-carl", notifications=True),
            reader(n, "nosub-dora", newsletter=True),
            reader(n, "nosub-emil"),
            reader(n, "inactive-fay", notifications=True, active=False),
            reader(n, "noemail-gus", notifications=True, email=""),
        ]}),
    Scenario("ex06.transient", "ex06_task", lambda n: {
        "to": f"late-{n}@readers.test", "subject": f"Reminder {n}", "body": "Retry me."},
        services=lambda p: {"refuse_first": 2}),
    Scenario("ex06.permanent", "ex06_task", lambda n: {
        "to": f"gone-{n}@readers.test", "subject": f"Reminder {n}", "body": "Do not retry."},
        services=lambda p: {"reject": [p["to"]]}),
    Scenario("ex06.queue", "ex06_queue", lambda n: {
        "to": f"queued-{n}@readers.test", "subject": f"Queued {n}",
        "rollback_subject": f"Rolled back {n}", "body": "Sent by a worker."}),
    # Last of ex06: a task that never gives up would hang here, so the gate stops
    # refusing after 30 connections and the count tells.
    Scenario("ex06.bounded", "ex06_task", lambda n: {
        "to": f"down-{n}@readers.test", "subject": f"Reminder {n}", "body": "Give up."},
        services=lambda p: {"refuse_first": 30}),
    Scenario("ex07.basics", "ex07_basics", lambda n: {
        "nonce": n, "kind": "password_reset", "address": f"rate-{n}@readers.test",
        "other_address": f"other-{n}@readers.test", "other_kind": "verification",
        "seconds": 60}),
    Scenario("ex07.race", "ex07_race", lambda n: {
        "nonce": n, "kind": "password_reset", "address": f"race-{n}@readers.test",
        "seconds": 60, "racers": 8, "subject": f"Race {n}"}),
    Scenario("ex08.sent", "ex08_logged", lambda n: {
        "kind": "notice", "to": f"logged-{n}@readers.test", "subject": f"Logged {n}",
        "body": f"Body {n}\n"}),
    Scenario("ex08.refused", "ex08_logged", lambda n: {
        "kind": "notice", "to": f"refused-{n}@readers.test", "subject": f"Refused {n}",
        "body": f"Body {n}\n"},
        services=lambda p: {"reject": [p["to"]]}),
    Scenario("ex09.accepted", "ex09_sendgrid", lambda n: {
        "to": f"grid-{n}@readers.test", "subject": f"Via SendGrid {n}",
        "html": f"<p>Hello from the grid {n}</p>", "text": f"Hello from the grid {n}"}),
    Scenario("ex09.bad_key", "ex09_sendgrid", lambda n: {
        "to": f"grid-{n}@readers.test", "subject": f"Bad key {n}", "html": "<p>x</p>",
        "text": "x", "settings": {"SENDGRID_API_KEY": f"SG.wrong-{n}"}}),
    Scenario("ex09.bad_address", "ex09_sendgrid", lambda n: {
        "to": f"grid-{n}@readers", "subject": f"Bad address {n}", "html": "<p>x</p>",
        "text": "x"}),
    Scenario("ex09.unavailable", "ex09_sendgrid", lambda n: {
        "to": f"grid-{n}@readers.test", "subject": f"Unavailable {n}", "html": "<p>x</p>",
        "text": "x"},
        services=lambda p: {"sendgrid_5xx": 1.0}),
    Scenario("ex09.unreachable", "ex09_sendgrid", lambda n: {
        "to": f"grid-{n}@readers.test", "subject": f"Unreachable {n}", "html": "<p>x</p>",
        "text": "x", "settings": {"SENDGRID_API_HOST": "{dead_url}"}}),
    Scenario("ex10.list", "ex10_list", lambda n: {
        "reader": reader(n, "lena", notifications=True, newsletter=True),
        "list_name": "book_news", "subject": f"Book news {n}",
        "body": f"Three new books this week ({n})."}),
    Scenario("ex11.contact", "ex11_contact", lambda n: {"attempts": [
        {"name": f"Nora {n[:4]}", "email": f"nora-{n}@readers.test",
         "subject": f"Opening hours {n}", "message": "When do you open on Sunday?"},
        {"name": "Mallory", "email": f"mallory-{n}@readers.test",
         "subject": f"Hello {n}\r\nBcc: victim-{n}@readers.test", "message": "Hi"},
        {"name": f"Eve\nBcc: victim-{n}@readers.test", "email": f"eve-{n}@readers.test",
         "subject": f"Question {n}", "message": "Hi"},
        {"name": "Trent", "email": f"trent-{n}@readers.test\rBcc: victim-{n}@readers.test",
         "subject": f"Another {n}", "message": "Hi"},
    ]}),
]


def load(include_hidden=True):
    """Return the scenarios to run: the public ones, then any hidden ones."""
    scenarios = list(PUBLIC)
    hidden = HIDDEN_TESTS / "plan.py"
    if include_hidden and hidden.is_file():
        spec = importlib.util.spec_from_file_location("grading_hidden_plan", hidden)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        scenarios += list(module.SCENARIOS)
    seen = set()
    for scenario in scenarios:
        if scenario.id in seen:
            raise ValueError(f"two scenarios are named {scenario.id}")
        seen.add(scenario.id)
    # Scenarios of one exercise run together, so a hang skips only that exercise.
    return sorted(scenarios, key=lambda s: s.exercise)
