"""Measure what sending in the background buys, with real Redis, workers and catcher.

1. Sign-up latency while the catcher holds every message for 2 s (chaos):
   the synchronous path against the Celery path.
2. Notifying 1,000 subscribers of a new book: the lesson's loop (a query, a
   render and a new connection per reader, sent in the request) against the
   project's path (streamed subscribers, templates compiled once, chunks sent
   by two worker processes over one connection each), each measured until the
   last message is in the catcher; and the ceiling: the same messages
   pre-rendered and sent over one connection.

Everything runs in one go, so the ratios compare runs on the same machine
state. Password hashing is switched to a fast hasher: it costs the same on both
paths and would hide the email path being measured.

    .venv/bin/python bench/bench_async.py [--signups 100] [--subscribers 1000]
"""

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from statistics import quantiles

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "sandbox_project"), str(REPO)]
WORK = Path(tempfile.mkdtemp(prefix="bench-async-"))
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": f"sqlite:///{WORK / 'db.sqlite3'}",
    "EMAIL_STAGE": "mailhog",
    "CELERY_QUEUE": f"bench-{os.getpid()}",
    "EMAIL_TIMEOUT": "10",
})
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

from mailroom.runner import MailroomProcess  # noqa: E402
from tests.support.processes import CeleryWorker, start_embedded_redis, wait_until  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def percentile(values, q):
    return quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def caught(mailroom):
    with urllib.request.urlopen(f"{mailroom.http_url}/api/v2/health", timeout=5) as response:
        return json.load(response)["messages"]


def clear(mailroom):
    request = urllib.request.Request(f"{mailroom.http_url}/api/v1/messages", method="DELETE")
    urllib.request.urlopen(request, timeout=5).close()


def time_signups(count, prefix):
    from django.test import Client
    from django.urls import reverse

    client, latencies = Client(), []
    for i in range(count):
        form = {"username": f"{prefix}{i}", "email": f"{prefix}{i}@example.com",
                "password1": "correct-horse-battery", "password2": "correct-horse-battery"}
        start = time.perf_counter()
        response = client.post(reverse("accounts:signup"), form)
        latencies.append(time.perf_counter() - start)
        assert response.status_code == 302, response.status_code
    return latencies


def signup_latency(mailroom, signups):
    from django.conf import settings

    mailroom.set_chaos({"latency": 2.0})
    settings.EMAIL_ASYNC = False
    sync = time_signups(5, "sync")
    settings.EMAIL_ASYNC = True
    time_signups(5, "warm")  # open the broker connection once
    background = time_signups(signups, "async")
    wait_until(lambda: caught(mailroom) >= 10 + signups, 60 + 2 * signups, interval=0.5,
               message="async sign-up emails delivered")
    mailroom.set_chaos({"latency": 0.0})
    return sync, background


def make_subscribers(count):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from catalog.models import Profile

    user_model = get_user_model()
    password = make_password("unused")
    users = user_model.objects.bulk_create(
        user_model(username=f"sub{i}", email=f"sub{i}@example.com", first_name=f"Reader {i}",
                   password=password) for i in range(count))
    # bulk_create sends no post_save, so the profiles are made here too.
    Profile.objects.bulk_create(Profile(user=user, subscribed_to_notifications=True)
                                for user in users)


def lesson_loop(book):
    """The lesson's version: per reader a query, a render and a new connection."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    from catalog.models import Profile

    for user_id in Profile.objects.filter(subscribed_to_notifications=True).values_list(
            "user_id", flat=True):
        user = get_user_model().objects.get(pk=user_id)
        context = {"user": user, "book": book, "book_url": book.url,
                   "site_url": settings.SITE_URL, "unsubscribe_url": book.url}
        html = render_to_string("emails/book_notification/body.html", context)
        text = render_to_string("emails/book_notification/body.txt", context)
        send_mail(f"New book: {book.title}", text, settings.DEFAULT_FROM_EMAIL, [user.email],
                  html_message=html)


def ceiling_messages(book, count):
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string

    context = {"user": {"first_name": "Reader", "username": "reader"}, "book": book,
               "book_url": book.url, "site_url": settings.SITE_URL, "unsubscribe_url": book.url}
    html = render_to_string("emails/book_notification/body.html", context)
    text = render_to_string("emails/book_notification/body.txt", context)
    messages = []
    for i in range(count):
        message = EmailMultiAlternatives(f"New book: {book.title}", text,
                                         settings.DEFAULT_FROM_EMAIL, [f"sub{i}@example.com"])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages


def until_caught(mailroom, count, run):
    clear(mailroom)
    start = time.perf_counter()
    run()
    wait_until(lambda: caught(mailroom) >= count, 600, interval=0.02,
               message=f"{count} messages caught")
    return time.perf_counter() - start


def use_stage(mailroom, stage):
    """Point this process's email settings at the catcher (mailhog) or its TLS listener (smtp)."""
    import environ
    from django.conf import settings

    from config.stages import email_settings

    environment = {**os.environ, **mailroom.env_for_django(), "EMAIL_STAGE": stage}
    environment.pop("EMAIL_SSL_CAFILE", None)
    env = environ.Env()
    env.ENVIRON = environment
    for name, value in email_settings(stage, env, REPO / "var").items():
        setattr(settings, name, value)
    settings.EMAIL_SSL_CAFILE = str(mailroom.config.ca_path)


def notify(mailroom, subscribers, stage, isbn):
    from django.conf import settings
    from django.core.mail import get_connection

    from catalog.models import Book
    from catalog.notifications import notify_new_book

    use_stage(mailroom, stage)
    book = Book.objects.bulk_create([Book(title="Effective Python", author="Brett Slatkin",
                                          isbn=isbn, price="41.00")])[0]
    settings.EMAIL_ASYNC = False
    lesson = until_caught(mailroom, subscribers, lambda: lesson_loop(book))
    messages = ceiling_messages(book, subscribers)
    ceiling = until_caught(mailroom, subscribers,
                           lambda: get_connection().send_messages(messages))
    settings.EMAIL_ASYNC = True
    project = until_caught(mailroom, subscribers, lambda: notify_new_book(book.pk))
    return lesson, project, ceiling


def main():
    # A SIGTERM (a timeout, Ctrl-C in a runner) still stops the worker and Redis.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signups", type=int, default=40)
    parser.add_argument("--subscribers", type=int, default=1000)
    args = parser.parse_args()

    with MailroomProcess(WORK / "mailroom") as mailroom:
        os.environ.update({k: v for k, v in mailroom.env_for_django().items()
                           if k.startswith("MAILROOM_")})
        redis = start_embedded_redis(WORK / "redis")
        os.environ["REDIS_URL"] = redis.url
        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.PASSWORD_HASHERS = PASSWORD_HASHERS
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        results = {}
        try:
            with running_worker("mailhog", "plain"):
                sync, background = signup_latency(mailroom, args.signups)
                make_subscribers(args.subscribers)
                results["plain SMTP"] = notify(mailroom, args.subscribers, "mailhog", "1")
            with running_worker("smtp", "tls"):
                results["STARTTLS + AUTH"] = notify(mailroom, args.subscribers, "smtp", "2")
        finally:
            redis.stop()
    report(sync, background, results, args.subscribers)


@contextlib.contextmanager
def running_worker(stage, name):
    """Run a worker sending through `stage` for the duration of the block."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "sandbox_project"), "EMAIL_STAGE": stage}
    worker = CeleryWorker(env, WORK / f"worker-{name}.log", queue=os.environ["CELERY_QUEUE"])
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def report(sync, background, results, subscribers):
    sync_p95, async_p95 = percentile(sync, 95), percentile(background, 95)
    print("Sign-up latency, catcher delaying each message by 2 s")
    print(f"  sync   p50 {percentile(sync, 50) * 1000:8.1f} ms  p95 {sync_p95 * 1000:8.1f} ms"
          f"  ({len(sync)} sign-ups)")
    print(f"  async  p50 {percentile(background, 50) * 1000:8.1f} ms  "
          f"p95 {async_p95 * 1000:8.1f} ms  ({len(background)} sign-ups)")
    print(f"  async is {sync_p95 / async_p95:.0f}x faster at p95 (goal: >= 100x, p95 <= 20 ms)")
    for transport, (lesson, project, ceiling) in results.items():
        print(f"\nNotify {subscribers} subscribers over {transport}, until the last is caught")
        for name, seconds in (("lesson loop", lesson), ("project path", project),
                              ("ceiling", ceiling)):
            print(f"  {name:13} {seconds:7.2f} s  {subscribers / seconds:8.0f} msg/s")
        print(f"  project / lesson speed-up: {lesson / project:.1f}x (goal: >= 5x)")
        print(f"  project / ceiling: {ceiling / project:.0%} (goal: >= 70%)")


if __name__ == "__main__":
    main()
