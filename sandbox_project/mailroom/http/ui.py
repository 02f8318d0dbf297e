"""The web UI: its page and static files, and the decoded message views it reads."""

import asyncio
from pathlib import Path

from aiohttp import web

from . import mailhog
from .responses import json_error, json_ok
from .state import store

STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = {
    "app.js": "text/javascript",
    "app.css": "text/css",
}

# Messages are shown only in sandboxed srcdoc frames, which inherit this policy:
# no script runs, nothing loads from elsewhere, inline styles of emails still apply.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'none'",
        "child-src 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

UI_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


async def index(request: web.Request) -> web.Response:
    """Serve the single page of the UI."""
    return _static_response("index.html", "text/html")


async def static(request: web.Request) -> web.Response:
    """Serve one of the UI's script and style files."""
    name = request.match_info["name"]
    if name not in STATIC_FILES:
        raise web.HTTPNotFound()
    return _static_response(name, STATIC_FILES[name])


def _static_response(name: str, content_type: str) -> web.Response:
    body = (STATIC_DIR / name).read_bytes()
    return web.Response(body=body, content_type=content_type, charset="utf-8", headers=UI_HEADERS)


def summary_json(message) -> dict:
    """Describe a message for the list: decoded subject, sender and recipients."""
    root = mailhog.parse_raw(message.raw)
    return {
        "ID": message.id,
        "Subject": _first_decoded(root, "subject") or "",
        "From": _first_decoded(root, "from") or message.mail_from,
        "To": _joined_decoded(root, "to") or ", ".join(message.rcpt_tos),
        "Created": mailhog.created_json(message),
        "Size": message.size,
        "Source": message.source,
        "Envelope": {"From": message.mail_from, "To": list(message.rcpt_tos)},
    }


def detail_json(message) -> dict:
    """Describe a message for the reader: headers, text, HTML and attachments."""
    root = mailhog.parse_raw(message.raw)
    text, html, attachments = None, None, []
    for path, part in mailhog.walk_leaves(root):
        if part.is_attachment:
            attachments.append(_attachment_json(path, part))
        elif part.content_type == "text/plain" and text is None:
            text = mailhog.decoded_text(part)
        elif part.content_type == "text/html" and html is None:
            html = mailhog.decoded_text(part)
    return {
        **summary_json(message),
        "Cc": _joined_decoded(root, "cc") or "",
        "Headers": [[name, value] for name, value in mailhog.decoded_headers(root)],
        "Text": text,
        "HTML": html,
        "Attachments": attachments,
    }


def _attachment_json(path: str, part) -> dict:
    return {
        "Part": path,
        "Filename": part.filename or f"part-{path}",
        "ContentType": part.content_type,
        "Size": len(mailhog.decoded_body(part)),
    }


def _first_decoded(root, name: str) -> str | None:
    values = mailhog.decoded_headers(root, (name,))
    return values[0][1] if values else None


def _joined_decoded(root, name: str) -> str:
    return ", ".join(value for _, value in mailhog.decoded_headers(root, (name,)))


async def list_summaries(request: web.Request) -> web.Response:
    """List one page of message summaries, optionally only those matching a search."""
    start, limit = mailhog.start_limit(request.query)
    query = request.query.get("query", "")
    if query:
        total, messages = await asyncio.to_thread(
            mailhog.search, store(request).all(), "containing", query, start, limit
        )
    else:
        total, messages = store(request).list(start, limit)
    items = [summary_json(message) for message in messages]
    return json_ok({"total": total, "start": start, "count": len(items), "items": items})


async def get_detail(request: web.Request) -> web.Response:
    """Return the decoded view of one message."""
    message = store(request).get(request.match_info["id"])
    if message is None:
        return json_error(404, f"No message with id {request.match_info['id']!r}.")
    return json_ok(detail_json(message))
