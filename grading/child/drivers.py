"""Scenario drivers: set the stage, call the submission, report what came back.

A driver returns plain data. What the submission sent is read by the parent
from its own services (catcher, SendGrid mock, connection gate), from the
database file once the child has exited, and from the Celery folder; what a
driver reports is only what cannot be seen from outside, such as a return value.
"""

import datetime
import importlib
import threading
import time
import traceback
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.test.utils import override_settings

DRIVERS = {}
LIMIT_TEXT = 2000
LIMIT_ITEMS = 50


def driver(function):
    DRIVERS[function.__name__] = function
    return function


# --- calling submitted code ----------------------------------------------------------


class Call:
    """The outcome of one call into submitted code."""

    def __init__(self):
        self.value = None
        self.report = {}

    @property
    def ok(self):
        return "raised" not in self.report


def call(module, name, *args, **kwargs):
    """Import exercises.<module>, call its `name`; capture the value or the exception."""
    outcome = Call()
    try:
        function = getattr(importlib.import_module(f"exercises.{module}"), name)
        outcome.value = function(*args, **kwargs)
        outcome.report["returned"] = jsonable(outcome.value)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are answers too
        outcome.report["raised"] = describe(exc)
    return outcome


def attribute(module, name):
    """Return exercises.<module>.<name>, or a Call that says why it is missing."""
    try:
        return getattr(importlib.import_module(f"exercises.{module}"), name), None
    except BaseException as exc:
        missing = Call()
        missing.report["raised"] = describe(exc)
        return None, missing


def describe(exc):
    """Describe an exception in a few words, with the submission line it came from."""
    try:
        message = str(exc)
    except BaseException:
        message = "<message could not be read>"
    where = ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{_short(exc.filename)}, line {exc.lineno}"
    else:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if "/exercises/" in frame.filename:
                where = f"{_short(frame.filename)}, line {frame.lineno}"
                break
    return {"type": type(exc).__name__, "message": message[:LIMIT_TEXT], "where": where}


def _short(filename):
    return "exercises/" + filename.rpartition("/exercises/")[2]


def jsonable(value, depth=0):
    """Return `value` as JSON-able data, cut to a safe size."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value[:LIMIT_TEXT]
    if isinstance(value, bytes):
        return value[:LIMIT_TEXT].decode("utf-8", "replace")
    if depth < 4 and isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item, depth + 1) for item in list(value)[:LIMIT_ITEMS]]
    if depth < 4 and isinstance(value, dict):
        return {str(k)[:200]: jsonable(v, depth + 1) for k, v in list(value.items())[:LIMIT_ITEMS]}
    if isinstance(value, Decimal | datetime.date | datetime.datetime):
        return str(value)
    try:
        return {"repr": repr(value)[:LIMIT_TEXT], "type": type(value).__name__}
    except BaseException:
        return {"repr": "<unrepresentable>", "type": "object"}


# --- the library's data ------------------------------------------------------------------


def make_reader(spec):
    """Create a reader: a user with a profile, subscribed as `spec` says."""
    user = get_user_model().objects.create_user(
        spec["username"], spec.get("email", ""), None, first_name=spec.get("first_name", ""),
        is_active=spec.get("active", True))
    from catalog.models import Profile

    Profile.objects.filter(user=user).update(
        subscribed_to_notifications=spec.get("notifications", False),
        subscribed_to_newsletter=spec.get("newsletter", False),
        email_verified=spec.get("active", True))
    user.refresh_from_db()
    return user


def make_book(spec):
    """Create a book without the signal that would announce it to every subscriber."""
    from catalog.models import Book

    book = Book(title=spec["title"], author=spec["author"], isbn=spec["isbn"],
                description=spec.get("description", ""), price=Decimal(spec["price"]))
    [book] = Book.objects.bulk_create([book])
    return Book.objects.get(isbn=spec["isbn"])


def make_order(user, items):
    from orders.models import Order, OrderLine

    order = Order.objects.create(user=user)
    OrderLine.objects.bulk_create(
        OrderLine(order=order, book=book, quantity=quantity, unit_price=book.price)
        for book, quantity in items)
    return order


# --- one driver per scenario kind ------------------------------------------------------------


@driver
def ex01_console(params):
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"):
        outcome = call("ex01_console_email", "send_console_email",
                       params["to"], params["subject"], params["body"])
    return {"call": outcome.report}


@driver
def ex02_templated(params):
    user = make_reader(params["reader"])
    context = {**params["context"], "user": user}
    outcome = call("ex02_html_email", "send_templated_email", params["kind"], user.email, context)
    return {"call": outcome.report}


@driver
def ex03_reset(params):
    user = make_reader(params["reader"])
    outcome = call("ex03_password_reset", "send_password_reset", user)
    return {"call": outcome.report, "user_id": user.pk}


@driver
def ex04_order(params):
    user = make_reader(params["reader"])
    items = [(make_book(line["book"]), line["quantity"]) for line in params["lines"]]
    order = make_order(user, items)
    outcome = call("ex04_order_confirmation", "send_order_confirmation", order)
    return {"call": outcome.report, "order_number": order.number}


@driver
def ex05_notify(params):
    from catalog.models import Profile

    # Readers of earlier scenarios leave the list: it holds exactly this scenario's readers.
    Profile.objects.update(subscribed_to_notifications=False)
    for spec in params["readers"]:
        make_reader(spec)
    book = make_book(params["book"])
    outcome = call("ex05_new_book_notification", "notify_subscribers", book)
    return {"call": outcome.report, "book_url": book.url}


@driver
def ex06_task(params):
    from celery.signals import task_retry

    task, missing = attribute("ex06_celery_task", "send_email_task")
    if missing:
        return {"call": missing.report}
    waits = []

    def on_retry(sender=None, request=None, reason=None, **kwargs):
        when = getattr(reason, "when", None)
        if isinstance(when, datetime.datetime):
            when = (when - datetime.datetime.now(when.tzinfo)).total_seconds()
        waits.append(jsonable(when))

    task_retry.connect(on_retry, weak=False)
    outcome = Call()
    try:
        result = task.apply(args=(params["to"], params["subject"], params["body"]))
        outcome.report["returned"] = {"state": jsonable(getattr(result, "state", None)),
                                      "result": jsonable(getattr(result, "result", None))}
    except BaseException as exc:
        outcome.report["raised"] = describe(exc)
    finally:
        task_retry.disconnect(on_retry)
    options = {name: jsonable(getattr(task, name, None)) for name in (
        "name", "acks_late", "reject_on_worker_lost", "max_retries", "retry_backoff",
        "retry_jitter", "retry_backoff_max")}
    options["autoretry_for"] = [getattr(cls, "__name__", repr(cls))
                                for cls in (getattr(task, "autoretry_for", None) or ())][:20]
    return {"call": outcome.report, "waits": waits, "options": options}


class _RolledBack(Exception):
    pass


@driver
def ex06_queue(params):
    with transaction.atomic():
        committed = call("ex06_celery_task", "queue_email",
                         params["to"], params["subject"], params["body"])
    rolled_back = Call()
    try:
        with transaction.atomic():
            rolled_back = call("ex06_celery_task", "queue_email",
                               params["to"], params["rollback_subject"], params["body"])
            raise _RolledBack
    except _RolledBack:
        pass
    return {"call": committed.report, "rollback_call": rolled_back.report}


def _rate_cache(params, backend):
    return override_settings(CACHES={"default": {"BACKEND": backend,
                                                 "LOCATION": f"rate-{params['nonce']}"}})


@driver
def ex07_basics(params):
    from django.core.cache import caches

    kind, address, seconds = params["kind"], params["address"], params["seconds"]
    with _rate_cache(params, "django.core.cache.backends.locmem.LocMemCache"):
        cache = caches["default"]
        before = set(cache._expire_info)
        first = call("ex07_rate_limit", "allow_email", kind, address, seconds)
        now = time.time()
        ttls = [cache._expire_info[key] - now for key in set(cache._expire_info) - before
                if cache._expire_info[key] is not None]
        calls = [first.report]
        for args in ((kind, address, seconds), (kind, params["other_address"], seconds),
                     (params["other_kind"], address, seconds), (kind, address.upper(), seconds)):
            calls.append(call("ex07_rate_limit", "allow_email", *args).report)
    return {"calls": calls, "ttls": ttls[:10]}


@driver
def ex07_race(params):
    racers = params["racers"]
    barrier = threading.Barrier(racers)
    answers = [None] * racers

    def race(index):
        try:
            barrier.wait(timeout=5)
        except threading.BrokenBarrierError:
            return
        outcome = call("ex07_rate_limit", "allow_email", params["kind"], params["address"],
                       params["seconds"])
        answers[index] = outcome.report
        if outcome.ok and outcome.value is True:
            # The winner sends, so the parent counts winners in its own catcher.
            send_mail(f"{params['subject']} #{index}", "won the slot", None, [params["address"]])

    with _rate_cache(params, "grading.child.slowcache.SlowLocMemCache"):
        threads = [threading.Thread(target=race, args=(i,), daemon=True) for i in range(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    return {"answers": answers}


@driver
def ex08_logged(params):
    outcome = call("ex08_email_log", "send_logged", params["kind"], params["to"],
                   params["subject"], params["body"])
    return {"call": outcome.report, "row_id": jsonable(getattr(outcome.value, "pk", None))}


@driver
def ex09_sendgrid(params):
    overrides = params.get("settings") or {}
    with override_settings(**overrides):
        outcome = call("ex09_sendgrid", "send_with_sendgrid", params["to"], params["subject"],
                       params["html"], params["text"])
    return {"call": outcome.report}


@driver
def ex10_list(params):
    user = make_reader(params["reader"])
    outcome = call("ex10_unsubscribe_headers", "send_list_email", user, params["list_name"],
                   params["subject"], params["body"])
    return {"call": outcome.report, "user_id": user.pk}


@driver
def ex11_contact(params):
    calls = []
    for attempt in params["attempts"]:
        calls.append(call("ex11_header_injection", "send_contact_message", attempt["name"],
                          attempt["email"], attempt["subject"], attempt["message"]).report)
    return {"calls": calls}
