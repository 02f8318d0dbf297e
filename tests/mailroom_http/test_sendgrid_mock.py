"""The SendGrid v3 mock over real HTTP, through the official SDK and raw requests."""

import base64
import copy
import email
import email.policy
import http.client
import json
import time

import pytest
from python_http_client.exceptions import (
    BadRequestsError,
    TooManyRequestsError,
    UnauthorizedError,
)
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import (
    Attachment,
    Category,
    CustomArg,
    Disposition,
    FileContent,
    FileName,
    FileType,
    Header,
    Mail,
)

from mailroom.http.sendgrid_mock import MAX_BODY_BYTES, UNAUTHORIZED_MESSAGE
from mailroom.runner import LOOPBACK, free_ports

API_KEY = "SG.mailroom-local-key"
SEND = "/v3/mail/send"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
PDF = b"%PDF-1.4 fake \x00\xff"


def valid_payload() -> dict:
    """Return a small request that SendGrid accepts."""
    return {
        "personalizations": [{"to": [{"email": "to@example.com", "name": "To Person"}]}],
        "from": {"email": "from@example.com", "name": "Library"},
        "subject": "Hello",
        "content": [
            {"type": "text/plain", "value": "Plain body"},
            {"type": "text/html", "value": "<p>HTML body</p>"},
        ],
    }


def parse(message) -> email.message.EmailMessage:
    """Parse a stored message with the standard library."""
    return email.message_from_bytes(message.raw, policy=email.policy.default)


def sdk(http) -> SendGridAPIClient:
    """Return the official client pointed at the mock."""
    return SendGridAPIClient(API_KEY, host=http.base_url)


def test_sdk_send_is_accepted_and_stored_as_mime(http, store):
    mail = Mail(
        from_email=("library@example.com", "Library"),
        to_emails=[("zoe@example.com", "Zoë Reader")],
        subject="Your book is due",
        plain_text_content="Return it soon.",
        html_content="<p>Return it <b>soon</b>.</p>",
    )
    mail.attachment = Attachment(
        FileContent(base64.b64encode(PDF).decode()),
        FileName("receipt ü.pdf"),
        FileType("application/pdf"),
        Disposition("attachment"),
    )
    mail.custom_arg = CustomArg("order_id", "42")
    mail.header = Header("X-Library", "main branch")
    mail.category = Category("loans")

    response = sdk(http).send(mail)

    assert response.status_code == 202
    assert response.body == b""
    x_message_id = response.headers["X-Message-Id"]
    assert len(x_message_id) == 22 and x_message_id.replace("-", "").replace("_", "").isalnum()
    (stored,) = store.all()
    assert (stored.source, stored.mail_from, stored.rcpt_tos) == (
        "sendgrid",
        "library@example.com",
        ["zoe@example.com"],
    )
    message = parse(stored)
    assert message["Subject"] == "Your book is due"
    assert str(message["To"]) == "Zoë Reader <zoe@example.com>"
    assert message["X-Library"] == "main branch"
    assert message["X-Message-Id"] == f"{x_message_id}.0"
    assert message["X-SendGrid-Message-Id"] == x_message_id
    assert json.loads(message["X-SendGrid-Custom-Args"]) == {"order_id": "42"}
    assert "X-SMTPAPI" not in message
    assert message.get_content_type() == "multipart/mixed"
    assert message.get_body(("plain",)).get_content().strip() == "Return it soon."
    assert "<b>soon</b>" in message.get_body(("html",)).get_content()
    alternative = next(message.iter_parts())
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "receipt ü.pdf"
    assert attachment.get_content() == PDF
    found = http.get("/api/v2/search?kind=to&query=zoe%40example.com").json()
    assert [item["ID"] for item in found["items"]] == [stored.id]


def test_each_personalization_becomes_one_message(http, store):
    payload = valid_payload()
    payload["personalizations"] = [
        {
            "to": [{"email": "a@example.com"}],
            "cc": [{"email": "c@example.com"}],
            "bcc": [{"email": "hidden@example.com"}],
            "subject": "For A",
            "headers": {"X-Who": "a"},
            "custom_args": {"who": "a"},
        },
        {"to": [{"email": "b@example.com"}]},
    ]
    payload["headers"] = {"X-Who": "everyone", "X-Global": "yes"}
    payload["custom_args"] = {"campaign": "spring", "who": "all"}
    payload["reply_to"] = {"email": "desk@example.com", "name": "Desk"}

    reply = http.post(SEND, payload, headers=AUTH)

    assert reply.status == 202
    second, first = store.all()
    x_message_id = reply.headers["X-Message-Id"]
    a, b = parse(first), parse(second)
    assert first.rcpt_tos == ["a@example.com", "c@example.com", "hidden@example.com"]
    assert second.rcpt_tos == ["b@example.com"]
    assert (a["Subject"], b["Subject"]) == ("For A", "Hello")
    assert (a["To"], a["Cc"], a["Bcc"]) == ("a@example.com", "c@example.com", None)
    assert (a["X-Who"], b["X-Who"], b["X-Global"]) == ("a", "everyone", "yes")
    assert a["Reply-To"] == "Desk <desk@example.com>"
    assert json.loads(a["X-SendGrid-Custom-Args"]) == {"campaign": "spring", "who": "a"}
    assert (a["X-Message-Id"], b["X-Message-Id"]) == (f"{x_message_id}.0", f"{x_message_id}.1")


def test_substitutions_personalize_subject_and_content(http, store):
    payload = valid_payload()
    payload["subject"] = "Hello -name-"
    payload["content"] = [{"type": "text/plain", "value": "Dear -name-, -body-"},
                          {"type": "text/html", "value": "<p>Dear -name-</p>"}]
    payload["personalizations"] = [
        {"to": [{"email": "a@example.com"}], "substitutions": {"-name-": "Ann", "-body-": "hi"}},
        {"to": [{"email": "b@example.com"}], "substitutions": {"-name-": "Bo", "-body-": "yo"}},
    ]

    reply = http.post(SEND, payload, headers=AUTH)

    assert reply.status == 202
    second, first = (parse(m) for m in store.all())
    assert (first["Subject"], second["Subject"]) == ("Hello Ann", "Hello Bo")
    assert first.get_body(("plain",)).get_content().strip() == "Dear Ann, hi"
    assert second.get_body(("html",)).get_content().strip() == "<p>Dear Bo</p>"


def test_subject_may_come_from_every_personalization(http, store):
    payload = valid_payload()
    del payload["subject"]
    payload["personalizations"][0]["subject"] = "Own subject"

    assert http.post(SEND, payload, headers=AUTH).status == 202
    assert parse(store.all()[0])["Subject"] == "Own subject"


def test_template_sends_need_neither_subject_nor_content(http, store):
    payload = valid_payload()
    del payload["subject"], payload["content"]
    payload["template_id"] = "d-123"
    payload["personalizations"][0]["dynamic_template_data"] = {"name": "Zoë"}

    assert http.post(SEND, payload, headers=AUTH).status == 202
    message = parse(store.all()[0])
    assert message["X-SendGrid-Template-Id"] == "d-123"
    assert "Zoë" in message.get_content()


def test_sandbox_mode_validates_without_storing(http, store):
    payload = valid_payload()
    payload["mail_settings"] = {"sandbox_mode": {"enable": True}}

    assert http.post(SEND, payload, headers=AUTH).status == 200
    assert store.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer SG.wrong"},
        {"Authorization": API_KEY},
        {"Authorization": f"Token {API_KEY}"},
    ],
)
def test_wrong_or_missing_key_answers_401(http, store, headers):
    reply = http.post(SEND, valid_payload(), headers=headers)

    assert reply.status == 401
    assert reply.json() == {
        "errors": [{"field": None, "message": UNAUTHORIZED_MESSAGE, "help": None}]
    }
    assert store.count() == 0


def test_sdk_raises_unauthorized_for_a_wrong_key(http, store):
    client = SendGridAPIClient("SG.not-the-key", host=http.base_url)

    with pytest.raises(UnauthorizedError) as raised:
        client.send(Mail("from@example.com", "to@example.com", "Hi", "text"))

    assert raised.value.status_code == 401
    assert raised.value.to_dict["errors"][0]["message"] == UNAUTHORIZED_MESSAGE
    assert store.count() == 0


def test_sdk_raises_bad_request_with_sendgrids_error_body(http, store):
    payload = valid_payload()
    payload["personalizations"][0]["to"] = [{"email": "not-an-address"}]

    with pytest.raises(BadRequestsError) as raised:
        sdk(http).client.mail.send.post(request_body=payload)

    assert raised.value.status_code == 400
    (error,) = raised.value.to_dict["errors"]
    assert error["field"] == "personalizations.0.to.0.email"
    assert error["help"].startswith("http://sendgrid.com/docs/")
    assert error["message"]
    assert store.count() == 0


def _set(path, value):
    """Return a change that sets payload[path...] = value."""

    def change(payload):
        *parents, last = path
        target = payload
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def _delete(*path):
    """Return a change that deletes payload[path...]."""

    def change(payload):
        *parents, last = path
        target = payload
        for key in parents:
            target = target[key]
        del target[last]

    return change


def _many_personalizations(count):
    return _set(
        ("personalizations",), [{"to": [{"email": f"r{n}@example.com"}]} for n in range(count)]
    )


P0 = ("personalizations", 0)

RULES = {
    "personalizations missing": (_delete("personalizations"), "personalizations"),
    "personalizations empty": (_set(("personalizations",), []), "personalizations"),
    "personalizations not a list": (_set(("personalizations",), {"to": []}), "personalizations"),
    "more than 1000 personalizations": (_many_personalizations(1001), "personalizations"),
    "personalization not an object": (_set(P0, "to@example.com"), "personalizations.0"),
    "to missing": (_delete(*P0, "to"), "personalizations.0.to"),
    "to empty": (_set((*P0, "to"), []), "personalizations.0.to"),
    "more than 1000 recipients": (
        _set((*P0, "bcc"), [{"email": f"b{n}@example.com"} for n in range(1000)]),
        "personalizations",
    ),
    "duplicate between to and cc": (
        _set((*P0, "cc"), [{"email": "to@example.com"}]),
        "personalizations.0",
    ),
    "duplicate between to and bcc, other case": (
        _set((*P0, "bcc"), [{"email": "TO@example.com"}]),
        "personalizations.0",
    ),
    "invalid to address": (_set((*P0, "to", 0, "email"), "to@"), "personalizations.0.to.0.email"),
    "to address missing": (_set((*P0, "to", 0), {"name": "x"}), "personalizations.0.to.0.email"),
    "invalid cc address": (
        _set((*P0, "cc"), [{"email": "two@@example.com"}]),
        "personalizations.0.cc.0.email",
    ),
    "cc empty": (_set((*P0, "cc"), []), "personalizations.0.cc"),
    "name with a line break": (
        _set((*P0, "to", 0, "name"), "Eve\r\nBcc: x@example.com"),
        "personalizations.0.to.0.name",
    ),
    "from missing": (_delete("from"), "from"),
    "from email invalid": (_set(("from", "email"), "library"), "from.email"),
    "subject missing": (_delete("subject"), "subject"),
    "subject empty": (_set(("subject",), ""), "subject"),
    "content missing": (_delete("content"), "content"),
    "content empty": (_set(("content",), []), "content"),
    "content value empty": (_set(("content", 0, "value"), ""), "content.0.value"),
    "content type empty": (_set(("content", 1, "type"), ""), "content.1.type"),
    "html before plain": (
        _set(
            ("content",),
            [{"type": "text/html", "value": "<p>x</p>"}, {"type": "text/plain", "value": "x"}],
        ),
        "content",
    ),
    "other type before html": (
        _set(
            ("content",),
            [
                {"type": "text/plain", "value": "x"},
                {"type": "text/calendar", "value": "BEGIN:VCALENDAR"},
                {"type": "text/html", "value": "<p>x</p>"},
            ],
        ),
        "content",
    ),
    "reserved header": (_set(("headers",), {"Subject": "sneaky"}), "headers"),
    "reserved header, any case": (_set(("headers",), {"x-sg-id": "1"}), "headers"),
    "reserved header in a personalization": (
        _set((*P0, "headers"), {"Content-Type": "text/plain"}),
        "personalizations.0.headers",
    ),
    "header value with a line break": (_set(("headers",), {"X-A": "1\r\nBcc: x"}), "headers"),
    "attachment without content": (
        _set(("attachments",), [{"filename": "a.txt"}]),
        "attachments.0.content",
    ),
    "attachment content not base64": (
        _set(("attachments",), [{"filename": "a.txt", "content": "***"}]),
        "attachments.0.content",
    ),
    "attachment without filename": (
        _set(("attachments",), [{"content": "aGk="}]),
        "attachments.0.filename",
    ),
    "inline attachment without content_id": (
        _set(("attachments",), [{"content": "aGk=", "filename": "a.png", "disposition": "inline"}]),
        "attachments.0.content_id",
    ),
    "reply_to invalid": (_set(("reply_to",), {"email": "desk"}), "reply_to.email"),
    "custom_args not strings": (_set(("custom_args",), {"order": 42}), "custom_args"),
    "substitutions not strings": (
        _set((*P0, "substitutions"), {"-name-": 1}), "personalizations.0.substitutions"),
    "substitutions over 10,000 bytes": (
        _set((*P0, "substitutions"), {"-body-": "x" * 10_000}),
        "personalizations.0.substitutions",
    ),
}


@pytest.mark.parametrize("change, field", RULES.values(), ids=RULES.keys())
def test_each_rule_refuses_with_sendgrids_field(http, store, change, field):
    payload = copy.deepcopy(valid_payload())
    change(payload)

    reply = http.post(SEND, payload, headers=AUTH)

    assert reply.status == 400, reply.body
    errors = reply.json()["errors"]
    assert field in [error["field"] for error in errors], errors
    for error in errors:
        assert set(error) == {"message", "field", "help"}
        assert error["message"]
        assert error["help"].startswith("http://sendgrid.com/docs/API_Reference/")
    assert store.count() == 0


def test_every_problem_is_reported_at_once(http):
    payload = valid_payload()
    del payload["from"], payload["subject"]
    payload["content"][0]["value"] = ""

    fields = {error["field"] for error in http.post(SEND, payload, headers=AUTH).json()["errors"]}

    assert {"from", "subject", "content.0.value"} <= fields


@pytest.mark.parametrize(
    "body", [b"{not json", b"", b"\xff\xfe{}", b"[]", b'"text"', b"null", b"12"]
)
def test_bodies_that_are_not_a_json_object_answer_400(http, store, body):
    reply = http.post(SEND, body, headers={**AUTH, "Content-Type": "application/json"})

    assert reply.status == 400
    assert reply.json()["errors"][0]["message"]
    assert store.count() == 0


def test_body_over_the_limit_answers_413(http, store):
    body = b'{"x": "' + b"a" * MAX_BODY_BYTES + b'"}'

    reply = http.post(SEND, body, headers={**AUTH, "Content-Type": "application/json"})

    assert reply.status == 413
    assert reply.json()["errors"][0]["message"]
    assert store.count() == 0
    assert http.post(SEND, valid_payload(), headers=AUTH).status == 202


def test_chunked_body_over_the_limit_answers_413(mailroom, store):
    chunk = b"a" * (1024 * 1024)
    chunks = [b'{"x": "'] + [chunk] * (MAX_BODY_BYTES // len(chunk) + 1) + [b'"}']
    connection = http.client.HTTPConnection(LOOPBACK, mailroom.config.http_port, timeout=10)
    try:
        connection.request(
            "POST",
            SEND,
            body=iter(chunks),
            encode_chunked=True,
            headers={**AUTH, "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["errors"]
    finally:
        connection.close()
    assert store.count() == 0


def test_rate_limit_chaos_answers_429_with_sendgrids_headers(http, store):
    http.put("/api/v2/jim", {"sendgrid_429_rate": 1.0})

    before = int(time.time())
    with pytest.raises(TooManyRequestsError) as raised:
        sdk(http).send(Mail("from@example.com", "to@example.com", "Hi", "text"))

    error = raised.value
    assert error.status_code == 429
    assert error.headers["X-RateLimit-Limit"]
    assert error.headers["X-RateLimit-Remaining"] == "0"
    assert before < int(error.headers["X-RateLimit-Reset"]) <= before + 5
    assert error.to_dict["errors"][0]["message"]
    assert store.count() == 0
    http.delete("/api/v2/jim")
    assert (
        sdk(http).send(Mail("from@example.com", "to@example.com", "Hi", "text")).status_code == 202
    )


def test_server_error_chaos_answers_5xx_and_stores_nothing(http, store):
    http.put("/api/v2/jim", {"sendgrid_5xx_rate": 1.0})

    statuses = {http.post(SEND, valid_payload(), headers=AUTH).status for _ in range(6)}
    reply = http.post(SEND, valid_payload(), headers=AUTH)

    assert statuses <= {500, 503}
    assert reply.json()["errors"][0]["message"]
    assert store.count() == 0


def test_latency_chaos_delays_the_answer(http, chaos):
    chaos.update({"latency": 0.3})

    started = time.monotonic()
    reply = http.post(SEND, valid_payload(), headers=AUTH)

    assert reply.status == 202
    assert time.monotonic() - started >= 0.3


def test_webhook_reports_processed_then_delivered(start_mailroom, webhook_receiver, make_http):
    services = start_mailroom(sendgrid_webhook_url=webhook_receiver.url)
    client = make_http(f"http://{LOOPBACK}:{services.config.http_port}")
    payload = valid_payload()
    payload["custom_args"] = {"order_id": "42"}
    payload["categories"] = ["loans"]
    payload["personalizations"][0]["cc"] = [{"email": "cc@example.com"}]

    reply = client.post(SEND, payload, headers=AUTH)

    events = webhook_receiver.next_batch()
    assert reply.status == 202
    assert [(e["email"], e["event"]) for e in events] == [
        ("to@example.com", "processed"),
        ("to@example.com", "delivered"),
        ("cc@example.com", "processed"),
        ("cc@example.com", "delivered"),
    ]
    x_message_id = reply.headers["X-Message-Id"]
    stored = parse(services.store.all()[0])
    for event in events:
        assert event["sg_message_id"] == f"{x_message_id}.0"
        assert event["sg_message_id"].split(".")[0] == x_message_id
        assert event["smtp-id"] == stored["Message-ID"]
        assert event["order_id"] == "42"
        assert event["category"] == ["loans"]
        assert abs(event["timestamp"] - time.time()) < 60
    assert len({event["sg_event_id"] for event in events}) == 4


def test_webhook_reports_bounces_for_rejected_recipients(
    start_mailroom, webhook_receiver, chaos, make_http
):
    services = start_mailroom(sendgrid_webhook_url=webhook_receiver.url)
    client = make_http(f"http://{LOOPBACK}:{services.config.http_port}")
    chaos.update({"reject_recipients": ["gone@example.com"]})
    payload = valid_payload()
    payload["personalizations"][0]["to"].append({"email": "Gone@example.com"})

    assert client.post(SEND, payload, headers=AUTH).status == 202

    events = webhook_receiver.next_batch()
    assert [(e["email"], e["event"]) for e in events] == [
        ("to@example.com", "processed"),
        ("to@example.com", "delivered"),
        ("Gone@example.com", "processed"),
        ("Gone@example.com", "bounce"),
    ]
    assert events[-1]["reason"] and events[-1]["status"].startswith("5.")
    (stored,) = services.store.all()
    assert stored.rcpt_tos == ["to@example.com"]


def test_unreachable_webhook_does_not_affect_sending(start_mailroom, make_http):
    (closed_port,) = free_ports(1)
    services = start_mailroom(sendgrid_webhook_url=f"http://{LOOPBACK}:{closed_port}/events")
    client = make_http(f"http://{LOOPBACK}:{services.config.http_port}")

    assert client.post(SEND, valid_payload(), headers=AUTH).status == 202
    assert services.store.count() == 1


def test_bad_requests_never_break_the_mock(http, store):
    kept = http.post(SEND, valid_payload(), headers=AUTH)
    assert kept.status == 202
    original = store.all()[0].raw
    bad = [
        (b"{", AUTH),
        (json.dumps({"personalizations": [None, 1, "x", []]}).encode(), AUTH),
        (json.dumps({"personalizations": [{"to": [None, 3, []]}], "from": []}).encode(), AUTH),
        (json.dumps({**valid_payload(), "content": [None, 5]}).encode(), AUTH),
        (json.dumps({**valid_payload(), "attachments": "nope", "headers": []}).encode(), AUTH),
        (json.dumps({**valid_payload(), "reply_to_list": [{}], "categories": 7}).encode(), AUTH),
        (json.dumps({**valid_payload(), "mail_settings": []}).encode(), AUTH),
        (json.dumps(valid_payload()).encode(), {"Authorization": "Bearer"}),
    ]
    for body, headers in bad:
        reply = http.post(SEND, body, headers={**headers, "Content-Type": "application/json"})
        assert 400 <= reply.status < 500, (body, reply.status, reply.body)
        assert http.post(SEND, valid_payload(), headers=AUTH).status == 202

    assert store.count() == 1 + len(bad)
    assert store.all()[-1].raw == original


def test_unknown_sendgrid_paths_answer_in_sendgrids_error_shape(http):
    reply = http.get("/v3/mail/send")
    missing = http.post("/v3/mail/batch", valid_payload(), headers=AUTH)

    assert reply.status == 405
    assert reply.json()["errors"][0]["message"]
    assert missing.status == 404
    assert missing.json()["errors"][0]["message"]
