"""The web UI: its page, its security headers and the decoded views it reads."""

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import mailroom.http

STATIC = Path(mailroom.http.__file__).parent / "static"

MESSAGE = (
    b"From: =?utf-8?q?Zo=C3=AB?= <zoe@example.com>\r\n"
    b"To: Bob <bob@example.com>\r\n"
    b"Cc: carol@example.com\r\n"
    b"Subject: =?utf-8?b?" + base64.b64encode("Café <script>".encode()) + b"?=\r\n"
    b'Content-Type: multipart/mixed; boundary="m"\r\n'
    b"\r\n"
    b"--m\r\n"
    b'Content-Type: multipart/alternative; boundary="a"\r\n'
    b"\r\n"
    b"--a\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Plain version\r\n"
    b"--a\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b"<p>HTML version</p><script>alert(1)</script>\r\n"
    b"--a--\r\n"
    b"--m\r\n"
    b"Content-Type: text/csv\r\n"
    b'Content-Disposition: attachment; filename="loans.csv"\r\n'
    b"\r\n"
    b"id,title\r\n1,Dune\r\n"
    b"--m--\r\n"
)


class Iframes(HTMLParser):
    """Collect the attributes of every iframe in a page."""

    def __init__(self):
        super().__init__()
        self.frames = []

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.frames.append(dict(attrs))


def csp_directives(header: str) -> dict[str, list[str]]:
    """Split a Content-Security-Policy header into {directive: [sources]}."""
    directives = {}
    for item in header.split(";"):
        name, *sources = item.split()
        directives[name] = sources
    return directives


def test_index_is_served_with_a_strict_content_security_policy(http):
    reply = http.get("/")

    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    policy = csp_directives(reply.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-src"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_message_frame_is_sandboxed_without_scripts_or_origin(http):
    parser = Iframes()
    parser.feed(http.get("/").body.decode())

    (frame,) = parser.frames
    assert frame["sandbox"] == ""
    assert "src" not in frame
    page = (STATIC / "index.html").read_text() + (STATIC / "app.js").read_text()
    assert "allow-scripts" not in page and "allow-same-origin" not in page


@pytest.mark.parametrize(
    "name, content_type", [("app.js", "text/javascript"), ("app.css", "text/css")]
)
def test_static_files_are_served_with_the_same_policy(http, name, content_type):
    reply = http.get(f"/static/{name}")

    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith(content_type)
    assert "default-src 'self'" in reply.headers["Content-Security-Policy"]
    assert reply.body == (STATIC / name).read_bytes()


@pytest.mark.parametrize("name", ["index.html", "../app.py", "nope.js", "%2e%2e%2fapp.py"])
def test_only_known_static_files_are_served(http, name):
    assert http.get(f"/static/{name}").status == 404


def test_ui_works_offline_and_never_parses_message_data_as_html():
    script = (STATIC / "app.js").read_text()
    for unsafe in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert unsafe not in script
    for name in ("index.html", "app.js", "app.css"):
        assert not re.search(r"https?://", (STATIC / name).read_text()), name
    assert 'new EventSource("/api/v2/events")' in script


def test_summaries_decode_headers_newest_first(store, http):
    older = store.add(b"Subject: older\r\n\r\nx\r\n", "a@example.com", ["b@example.com"])
    newer = store.add(MESSAGE, "zoe@example.com", ["bob@example.com", "carol@example.com"])

    page = http.get("/api/ui/messages").json()

    assert [item["ID"] for item in page["items"]] == [newer.id, older.id]
    summary = page["items"][0]
    assert summary["Subject"] == "Café <script>"
    assert summary["From"] == "Zoë <zoe@example.com>"
    assert summary["To"] == "Bob <bob@example.com>"
    assert summary["Size"] == len(MESSAGE)
    assert summary["Envelope"]["To"] == ["bob@example.com", "carol@example.com"]


def test_detail_has_text_html_headers_and_attachments(store, http):
    message = store.add(MESSAGE, "zoe@example.com", ["bob@example.com"])

    detail = http.get(f"/api/ui/messages/{message.id}").json()

    assert detail["Text"].strip() == "Plain version"
    assert detail["HTML"].startswith("<p>HTML version</p>")
    assert detail["Cc"] == "carol@example.com"
    assert ["Subject", "Café <script>"] in detail["Headers"]
    (attachment,) = detail["Attachments"]
    assert attachment == {
        "Part": "1",
        "Filename": "loans.csv",
        "ContentType": "text/csv",
        "Size": 16,
    }
    download = http.get(f"/api/v1/messages/{message.id}/mime/part/{attachment['Part']}/download")
    assert download.body == b"id,title\r\n1,Dune"


def test_detail_of_an_unknown_message_is_404(http):
    reply = http.get("/api/ui/messages/nothing")

    assert reply.status == 404
    assert reply.json()["error"]


def test_summaries_can_be_searched(store, http):
    wanted = store.add(MESSAGE, "zoe@example.com", ["bob@example.com"])
    store.add(b"Subject: other\r\n\r\nx\r\n", "a@example.com", ["b@example.com"])

    page = http.get("/api/ui/messages?query=plain%20VERSION").json()

    assert [item["ID"] for item in page["items"]] == [wanted.id]
    assert page["total"] == 1
