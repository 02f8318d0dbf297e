"""The MailHog-compatible API over real HTTP: shapes, paging, search, downloads, chaos, events."""

import base64
import json
import re
import smtplib
import socket
import time
from datetime import datetime
from urllib.parse import urlencode

import pytest

from mailroom.chaos import Chaos
from mailroom.config import Config
from mailroom.http.app import create_app
from mailroom.http.state import HEARTBEAT
from mailroom.runner import LOOPBACK
from mailroom.store import MessageStore

PLAIN = (
    b"From: Ann <ann@example.com>\r\n"
    b"To: Bob <bob@example.com>\r\n"
    b"Subject: Plain hello\r\n"
    b"\r\n"
    b"Hello Bob.\r\n"
)

ATTACHMENT_BYTES = bytes(range(256))

NESTED = (
    b"From: shop@example.com\r\n"
    b"To: buyer@example.com\r\n"
    b"Subject: Your order\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n'
    b"\r\n"
    b"This is a multi-part message.\r\n"
    b"--outer\r\n"
    b'Content-Type: multipart/alternative; boundary="inner"\r\n'
    b"\r\n"
    b"--inner\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Order for caf=C3=A9 beans\r\n"
    b"--inner\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n" + base64.encodebytes("<p>Order for <b>crème</b> brûlée</p>".encode()) + b"--inner--\r\n"
    b"--outer\r\n"
    b'Content-Type: application/octet-stream; name="data.bin"\r\n'
    b'Content-Disposition: attachment; filename="data.bin"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n" + base64.encodebytes(ATTACHMENT_BYTES) + b"--outer--\r\n"
)


def add(store, raw=PLAIN, mail_from="ann@example.com", rcpt_tos=("bob@example.com",)):
    """Store a message directly; the HTTP API is what these tests examine."""
    return store.add(raw, mail_from, list(rcpt_tos), helo="client.example")


def test_message_sent_over_smtp_has_mailhogs_shape(mailroom, http):
    with smtplib.SMTP(LOOPBACK, mailroom.config.smtp_port, timeout=10) as client:
        client.sendmail("ann@example.com", ["bob@example.com", "eve@example.org"], PLAIN)

    page = http.get("/api/v2/messages").json()

    assert set(page) == {"total", "count", "start", "items"}
    assert (page["total"], page["count"], page["start"]) == (1, 1, 0)
    item = page["items"][0]
    assert set(item) == {"ID", "From", "To", "Content", "Created", "MIME", "Raw"}
    assert item["From"] == {"Relays": None, "Mailbox": "ann", "Domain": "example.com", "Params": ""}
    assert [(to["Mailbox"], to["Domain"]) for to in item["To"]] == [
        ("bob", "example.com"),
        ("eve", "example.org"),
    ]
    assert set(item["Content"]) == {"Headers", "Body", "Size", "MIME"}
    assert item["Content"]["Headers"]["Subject"] == ["Plain hello"]
    assert item["Content"]["Body"] == "Hello Bob.\r\n"
    assert item["Content"]["Size"] == len(PLAIN)
    assert item["Content"]["MIME"] is None
    assert item["MIME"] is None
    assert datetime.fromisoformat(item["Created"]).tzinfo is not None
    assert item["Raw"] == {
        "From": "ann@example.com",
        "To": ["bob@example.com", "eve@example.org"],
        "Data": PLAIN.decode(),
        "Helo": item["Raw"]["Helo"],
    }


def test_pages_are_newest_first(store, http):
    ids = [add(store, PLAIN.replace(b"hello", f"hello {n}".encode())).id for n in range(5)]

    first = http.get("/api/v2/messages?limit=2").json()
    second = http.get("/api/v2/messages?start=2&limit=2").json()

    assert [item["ID"] for item in first["items"]] == ids[::-1][:2]
    assert [item["ID"] for item in second["items"]] == ids[::-1][2:4]
    assert (second["total"], second["count"], second["start"]) == (5, 2, 2)


@pytest.mark.parametrize("query", ["start=abc&limit=-3", "start=-1", "limit=0", "limit=x"])
def test_bad_paging_values_fall_back_to_defaults(store, http, query):
    add(store)

    page = http.get(f"/api/v2/messages?{query}").json()

    assert (page["start"], page["count"]) == (0, 1)


def test_repeated_headers_keep_every_value(store, http):
    raw = (
        b"Received: from a.example by b.example\r\n"
        b"Received: from c.example\r\n by d.example\r\n"
        b"X-Tag: first\r\n"
        b"x-tag: second\r\n"
        b"Subject: twice\r\n\r\nbody\r\n"
    )
    add(store, raw)

    headers = http.get("/api/v2/messages").json()["items"][0]["Content"]["Headers"]

    assert headers["Received"] == ["from a.example by b.example", "from c.example by d.example"]
    assert headers["X-Tag"] == ["first", "second"]


def test_nested_multipart_is_parsed_recursively(store, http):
    add(store, NESTED)

    item = http.get("/api/v2/messages").json()["items"][0]

    assert item["Content"]["MIME"] is None
    outer = item["MIME"]["Parts"]
    assert len(outer) == 2
    inner = outer[0]["MIME"]["Parts"]
    assert [part["Headers"]["Content-Type"][0].split(";")[0] for part in inner] == [
        "text/plain",
        "text/html",
    ]
    assert inner[0]["Body"] == "Order for caf=C3=A9 beans"
    assert inner[0]["MIME"] is None
    assert outer[1]["Headers"]["Content-Disposition"] == ['attachment; filename="data.bin"']
    assert outer[1]["MIME"] is None


def test_v1_message_matches_the_v2_item(store, http):
    message = add(store, NESTED)

    single = http.get(f"/api/v1/messages/{message.id}").json()
    listed = http.get("/api/v2/messages").json()["items"][0]
    as_array = http.get("/api/v1/messages").json()

    assert single == listed == as_array[0]


def test_search_decodes_encoded_words_and_ignores_case(store, http):
    wanted = add(store, b"Subject: =?utf-8?q?Hello_Zo=C3=AB?=\r\n\r\nhi\r\n")
    add(store)

    for query in ("Zoë", "zoë", "ZOË"):
        page = search(http, "containing", query)
        assert [item["ID"] for item in page["items"]] == [wanted.id], query
        assert page["total"] == 1


def search(http, kind: str, query: str) -> dict:
    """Run one search and return its page."""
    return http.get("/api/v2/search?" + urlencode({"kind": kind, "query": query})).json()


def test_search_containing_reads_decoded_bodies(store, http):
    nested = add(store, NESTED)
    add(store)

    assert [i["ID"] for i in search(http, "containing", "café beans")["items"]] == [nested.id]
    assert [i["ID"] for i in search(http, "containing", "CRÈME")["items"]] == [nested.id]
    assert search(http, "containing", "not anywhere")["total"] == 0


def test_search_from_and_to_read_envelope_and_headers(store, http):
    zoe = add(
        store,
        b"From: =?utf-8?q?Zo=C3=AB?= <zoe@example.com>\r\nCc: carol@example.net\r\n\r\nx\r\n",
        mail_from="bounces@example.com",
        rcpt_tos=["hidden@example.org"],
    )
    add(store)

    assert [i["ID"] for i in search(http, "from", "zoë")["items"]] == [zoe.id]
    assert [i["ID"] for i in search(http, "from", "BOUNCES@")["items"]] == [zoe.id]
    assert [i["ID"] for i in search(http, "to", "hidden@example.org")["items"]] == [zoe.id]
    assert [i["ID"] for i in search(http, "to", "carol@")["items"]] == [zoe.id]
    assert search(http, "from", "bob@example.com")["total"] == 0


def test_search_pages_its_matches(store, http):
    ids = [add(store, b"Subject: match %d\r\n\r\nx\r\n" % n).id for n in range(3)]

    page = http.get("/api/v2/search?kind=containing&query=match&start=1&limit=1").json()

    assert (page["total"], page["count"], page["start"]) == (3, 1, 1)
    assert page["items"][0]["ID"] == ids[1]


@pytest.mark.parametrize(
    "query", ["kind=subject&query=x", "query=x", "kind=from", "kind=from&query="]
)
def test_search_refuses_bad_parameters(store, http, query):
    reply = http.get(f"/api/v2/search?{query}")

    assert reply.status == 400
    assert "error" in reply.json()


def test_download_returns_the_bytes_exactly_as_received(store, http):
    raw = b"Subject: caf\xe9 \xff\xfe\nX-Odd: \x80\n\nbody with bare LF \xc3\x28\n"
    message = add(store, raw)

    reply = http.get(f"/api/v1/messages/{message.id}/download")

    assert reply.status == 200
    assert reply.body == raw
    assert reply.headers["Content-Type"] == "message/rfc822"
    assert f'filename="{message.id}.eml"' in reply.headers["Content-Disposition"]
    data = http.get(f"/api/v1/messages/{message.id}").json()["Raw"]["Data"]
    assert "\ufffd" in data and data.startswith("Subject: caf")


def test_part_download_undoes_the_transfer_encoding(store, http):
    message = add(store, NESTED)

    attachment = http.get(f"/api/v1/messages/{message.id}/mime/part/1/download")
    html = http.get(f"/api/v1/messages/{message.id}/mime/part/0.1/download")

    assert attachment.status == 200
    assert attachment.body == ATTACHMENT_BYTES
    assert attachment.headers["Content-Type"] == "application/octet-stream"
    assert 'filename="data.bin"' in attachment.headers["Content-Disposition"]
    assert html.body.decode() == "<p>Order for <b>crème</b> brûlée</p>"
    assert html.headers["Content-Security-Policy"] == "sandbox"


def test_unknown_ids_and_parts_answer_404_json(store, http):
    message = add(store, NESTED)
    paths = [
        ("GET", "/api/v1/messages/nope"),
        ("DELETE", "/api/v1/messages/nope"),
        ("GET", "/api/v1/messages/nope/download"),
        ("GET", "/api/v1/messages/nope/mime/part/0/download"),
        ("GET", f"/api/v1/messages/{message.id}/mime/part/7/download"),
        ("GET", f"/api/v1/messages/{message.id}/mime/part/1.0/download"),
        ("GET", "/api/v2/nothing-here"),
    ]
    for method, path in paths:
        reply = http.request(method, path)
        assert reply.status == 404, path
        assert "error" in reply.json(), path
    assert store.count() == 1


def test_delete_one_then_all(store, http):
    keep, gone = add(store), add(store)

    assert http.delete(f"/api/v1/messages/{gone.id}").status == 200
    assert [m.id for m in store.all()] == [keep.id]
    add(store)
    assert http.delete("/api/v1/messages").status == 200
    assert store.count() == 0
    assert http.get("/api/v2/messages").json()["total"] == 0


def test_jim_reads_updates_and_resets_chaos(http, chaos):
    assert http.get("/api/v2/jim").json() == Chaos().to_dict()

    updated = http.put("/api/v2/jim", {"latency": 0.25, "reject_recipients": ["X@Example.com"]})

    assert updated.status == 200
    assert updated.json()["latency"] == 0.25
    assert chaos.latency == 0.25 and chaos.reject_recipients == {"x@example.com"}
    assert http.delete("/api/v2/jim").json() == Chaos().to_dict()
    assert chaos.latency == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"latency": ',
        b"[1, 2]",
        b"\xff\xfe",
        json.dumps({"latency": -1}).encode(),
        json.dumps({"tempfail_rate": 0.5, "sendgrid_429_rate": 7}).encode(),
        json.dumps({"no_such_fault": 1}).encode(),
    ],
)
def test_jim_refuses_bad_changes_and_keeps_the_old_settings(http, chaos, body):
    before = http.get("/api/v2/jim").json()

    reply = http.put("/api/v2/jim", body, headers={"Content-Type": "application/json"})

    assert reply.status == 400
    assert reply.json()["error"]
    assert http.get("/api/v2/jim").json() == before
    assert chaos.tempfail_rate == 0


def test_health_reports_the_message_count(store, http):
    add(store)
    add(store)

    assert http.get("/api/v2/health").json() == {"status": "ok", "messages": 2, "event_streams": 0}


def test_strange_messages_never_break_the_api(store, http):
    strange = [
        b"",
        b"no header block at all",
        b"Subject only\r\n",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary given\r\n",
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nX: 1\r\n\r\nunterminated',
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\n\xff\r\n",
        b"Subject: =?bogus?x?zz?=\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!\r\n",
        b"\x00\x01\x02\xff" * 50,
    ]
    for raw in strange:
        message = add(store, raw)
        assert http.get(f"/api/v1/messages/{message.id}").status == 200, raw
        assert http.get(f"/api/ui/messages/{message.id}").status == 200, raw
        assert http.get(f"/api/v1/messages/{message.id}/download").body == raw

    assert http.get("/api/v2/messages").json()["total"] == len(strange)
    assert search(http, "containing", "unterminated")["total"] == 1


def test_bad_requests_leave_the_server_and_its_messages_intact(store, http):
    kept = add(store, NESTED)
    bad = [
        ("PUT", "/api/v2/jim", b"{{{"),
        ("POST", "/api/v2/messages", b"x"),
        ("GET", "/api/v1/messages/%00%ff/download", None),
        ("GET", "/api/v1/messages/" + "x" * 5000, None),
        ("DELETE", "/api/v2/search", None),
        ("GET", "/api/v2/search?kind=containing&query=%ff%fe", None),
    ]
    for method, path, body in bad:
        reply = http.request(method, path, body)
        assert reply.status < 500, (method, path, reply.status)
        assert http.get("/api/v2/health").status == 200

    assert [m.id for m in store.all()] == [kept.id]
    assert http.get(f"/api/v1/messages/{kept.id}/download").body == NESTED


def read_until(sock: socket.socket, pattern: bytes, buffer: bytes = b"") -> bytes:
    """Read from the socket until the buffer matches the pattern."""
    while not re.search(pattern, buffer):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"stream ended before {pattern!r}: {buffer!r}")
        buffer += chunk
    return buffer


def open_event_stream(port: int) -> tuple[socket.socket, bytes]:
    """Open /api/v2/events and wait for the server's first comment."""
    sock = socket.create_connection((LOOPBACK, port), timeout=10)
    sock.sendall(
        b"GET /api/v2/events HTTP/1.1\r\nHost: mailroom\r\nAccept: text/event-stream\r\n\r\n"
    )
    return sock, read_until(sock, rb": connected\n\n")


def test_event_stream_sends_a_summary_for_each_new_message(mailroom, store, http):
    sock, head = open_event_stream(mailroom.config.http_port)
    with sock:
        assert b"content-type: text/event-stream" in head.lower()
        message = add(store, b"Subject: =?utf-8?q?Zo=C3=AB?=\r\n\r\nhi\r\n")

        buffer = read_until(sock, rb"data: .*\n\n", head)

    event = json.loads(re.search(rb"data: (.*)\n\n", buffer).group(1))
    assert event["ID"] == message.id
    assert event["Subject"] == "Zoë"
    assert f"id: {message.id}".encode() in buffer


def test_event_stream_unsubscribes_when_the_client_leaves(tmp_path, serve_app, chaos, make_http):
    store = MessageStore(tmp_path / "mail.sqlite3")
    try:
        app = create_app(store, Config(data_dir=tmp_path), chaos)
        app[HEARTBEAT] = 0.05
        server = serve_app(app)
        http = make_http(server.url)

        sock, buffer = open_event_stream(server.port)
        assert http.get("/api/v2/health").json()["event_streams"] == 1
        buffer = read_until(sock, rb": heartbeat\n\n", buffer)
        sock.close()

        deadline = time.monotonic() + 5
        while http.get("/api/v2/health").json()["event_streams"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert http.get("/api/v2/health").json()["event_streams"] == 0
        # With nobody listening, adding a message still works and notifies no one.
        store.add(PLAIN, "ann@example.com", ["bob@example.com"])
        assert http.get("/api/v2/messages").json()["total"] == 1
    finally:
        store.close()


def test_shutdown_does_not_wait_for_open_event_streams(start_mailroom):
    services = start_mailroom()
    sock, _ = open_event_stream(services.config.http_port)
    with sock:
        started = time.monotonic()
        services.stop()
        assert time.monotonic() - started < 3
