"""SendGrid's event webhook: the view alone, then fed by the mailroom over real HTTP."""

import json
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.urls import reverse

from mailroom.http.sendgrid_events import BOUNCE_REASON
from mailroom.runner import LOOPBACK
from notifications.models import EmailLog

pytestmark = pytest.mark.services

URL = "/notifications/sendgrid/events/"


MESSAGE_ID = "Np6VLtrVR4mRd3xjxQdjfA"


def event(name, sg_event_id, **fields):
    """Return one event shaped like SendGrid's."""
    return {"email": "zoe@example.com", "timestamp": 1700000000, "event": name,
            "sg_event_id": sg_event_id, "sg_message_id": f"{MESSAGE_ID}.filterdrecv-p3mdw1-1.0",
            "smtp-id": "<m@example.com>", **fields}


def post(events, token=None):
    """Post like SendGrid: JSON, no session, no CSRF token."""
    body = events if isinstance(events, str) else json.dumps(events)
    headers = {} if token is None else {"X-Library-Webhook-Token": token}
    return Client(enforce_csrf_checks=True).post(URL, body, content_type="application/json",
                                                 headers=headers)


@pytest.fixture
def log(db):
    return EmailLog.objects.create(kind="welcome", recipient="zoe@example.com",
                                   from_email="library@example.com", subject="Welcome",
                                   status="sent", provider_message_id=MESSAGE_ID)


@pytest.mark.django_db
def test_events_are_appended_to_the_row_they_name(log):
    response = post([
        event("processed", "e1", email_log_id=str(log.pk)),
        event("bounce", "e2", email_log_id=str(log.pk), reason="550 5.1.1 no such user",
              type="bounce", status="5.1.1"),
    ])

    assert response.status_code == 200
    assert response.json() == {"received": 2, "recorded": 2}
    log.refresh_from_db()
    assert log.events == [
        {"event": "processed", "timestamp": 1700000000, "sg_event_id": "e1"},
        {"event": "bounce", "timestamp": 1700000000, "sg_event_id": "e2",
         "reason": "550 5.1.1 no such user"},
    ]


@pytest.mark.django_db
def test_events_without_a_log_id_are_matched_by_sg_message_id(log):
    response = post([event("delivered", "e1")])

    assert response.json()["recorded"] == 1
    log.refresh_from_db()
    assert [e["event"] for e in log.events] == ["delivered"]


@pytest.mark.django_db
def test_events_may_arrive_before_the_row_knows_its_message_id(log):
    EmailLog.objects.filter(pk=log.pk).update(status="sending", provider_message_id="")

    response = post([event("processed", "e1", email_log_id=str(log.pk))])

    assert response.json()["recorded"] == 1


@pytest.mark.django_db
def test_a_log_id_from_another_sender_does_not_name_this_row(log):
    # Another sandbox on the same SendGrid account numbers its rows from 1 too.
    response = post([event("delivered", "e1", email_log_id=str(log.pk),
                           sg_message_id="SomeoneElsesMessage.filter0001.0")])

    assert response.json()["recorded"] == 0
    log.refresh_from_db()
    assert log.events == []


@pytest.mark.django_db
def test_a_repeated_event_is_recorded_once(log):
    batch = [event("processed", "e1", email_log_id=str(log.pk)),
             event("processed", "e1", email_log_id=str(log.pk))]

    first, again = post(batch), post(batch)

    assert (first.json()["recorded"], again.json()["recorded"]) == (1, 0)
    log.refresh_from_db()
    assert [e["sg_event_id"] for e in log.events] == ["e1"]


@pytest.mark.django_db
def test_unknown_emails_are_ignored(log):
    unknown = "UnknownMessage.filter0001.0"
    response = post([event("delivered", "e1", email_log_id="999999", sg_message_id=unknown),
                     event("delivered", "e2", email_log_id="not-a-number", sg_message_id=unknown),
                     event("delivered", "e3", sg_message_id=unknown), "not an event", 42])

    assert response.status_code == 200 and response.json()["recorded"] == 0
    log.refresh_from_db()
    assert log.events == []


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[{\"event\": ", "{\"event\": \"processed\"}", "\"events\""],
                         ids=["broken", "object", "string"])
def test_a_body_that_is_not_a_json_array_is_400(body):
    assert post(body).status_code == 400


@pytest.mark.django_db
def test_only_post_is_allowed():
    assert reverse("notifications:sendgrid_events") == URL
    assert Client().get(URL).status_code == 405


@pytest.mark.django_db
def test_a_set_secret_is_required_in_the_header(log, settings):
    settings.SENDGRID_WEBHOOK_SECRET = "a-long-shared-secret"
    batch = [event("processed", "e1", email_log_id=str(log.pk))]

    assert post(batch).status_code == 403
    assert post(batch, token="wrong").status_code == 403
    log.refresh_from_db()
    assert log.events == []
    assert post(batch, token="a-long-shared-secret").status_code == 200
    log.refresh_from_db()
    assert len(log.events) == 1


@pytest.mark.django_db
def test_the_secret_may_ride_in_the_webhook_url(log, settings):
    # SendGrid cannot add headers, but the URL it is given can carry the token.
    settings.SENDGRID_WEBHOOK_SECRET = "a-long-shared-secret"
    batch = json.dumps([event("processed", "e1", email_log_id=str(log.pk))])
    client = Client(enforce_csrf_checks=True)

    wrong = client.post(URL + "?token=nope", batch, content_type="application/json")
    right = client.post(URL + "?token=a-long-shared-secret", batch,
                        content_type="application/json")

    assert (wrong.status_code, right.status_code) == (403, 200)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass  # the test output is no place for an access log


@pytest.fixture
def live_site():
    """Serve the sandbox over real HTTP from a thread; return its base URL."""
    server = make_server(LOOPBACK, 0, get_wsgi_application(), handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://{LOOPBACK}:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def webhook_stage(live_site, start_mailroom, use_stage):
    """The sendgrid stage, on a mailroom that posts its events to the live site."""
    services = start_mailroom(MAILROOM_SENDGRID_WEBHOOK_URL=live_site + URL)
    return use_stage("sendgrid", services)


def events_of(log_id, *names, timeout=10.0):
    """Poll the row until it holds every named event; return their names in order."""
    deadline = time.monotonic() + timeout
    while True:
        events = EmailLog.objects.get(pk=log_id).events
        found = [e["event"] for e in events]
        if all(name in found for name in names):
            return events
        if time.monotonic() > deadline:
            raise AssertionError(f"expected events {names} within {timeout:g} s, got {found}")
        time.sleep(0.05)


def sign_up(username):
    """Sign up through the real view; the welcome email goes out when the request commits."""
    response = Client().post(reverse("accounts:signup"), {
        "username": username, "email": f"{username}@example.com",
        "password1": "correct-horse-battery", "password2": "correct-horse-battery"})
    assert response.status_code == 302
    return EmailLog.objects.get(kind="welcome", recipient=f"{username}@example.com")


@pytest.mark.django_db(transaction=True)  # committed rows, so the server thread sees them
def test_mailroom_events_reach_the_row_over_http(webhook_stage):
    log = sign_up("zoe")

    events = events_of(log.pk, "processed", "delivered")

    assert log.status == "sent" and log.provider_message_id
    assert [e["event"] for e in events] == ["processed", "delivered"]
    assert all(e["sg_event_id"] and e["timestamp"] for e in events)
    (message,) = webhook_stage.outbox.wait_for(1)
    assert message.header("X-Library-Email-Id") == str(log.pk)


@pytest.mark.django_db(transaction=True)
def test_a_rejected_recipient_bounces_with_its_reason(webhook_stage):
    webhook_stage.mailroom.set_chaos({"reject_recipients": ["bounce@example.com"]})

    log = sign_up("bounce")

    # SendGrid accepts the request and learns of the bounce later, as the event says.
    assert log.status == "sent"
    processed, bounce = events_of(log.pk, "processed", "bounce")
    assert processed["event"] == "processed"
    assert (bounce["event"], bounce["reason"]) == ("bounce", BOUNCE_REASON)
    assert webhook_stage.outbox.messages() == []
