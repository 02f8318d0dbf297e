"""Handlers of the MailHog-compatible API (v1 and v2), fault injection and health."""

import asyncio
import re
import urllib.parse

from aiohttp import web

from . import mailhog
from .responses import BadBody, json_error, json_object, json_ok
from .state import STREAMS, chaos, store

# Downloads are never rendered in the UI's origin, even when a part is HTML.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
}

_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\]')


def _message_or_404(request: web.Request):
    """Return the message named in the URL, or None if it is unknown."""
    return store(request).get(request.match_info["id"])


def _not_found(request: web.Request) -> web.Response:
    return json_error(404, f"No message with id {request.match_info['id']!r}.")


async def list_messages_v2(request: web.Request) -> web.Response:
    """List one page of messages, newest first, as MailHog's API v2 does."""
    start, limit = mailhog.start_limit(request.query)
    total, messages = store(request).list(start, limit)
    return json_ok(mailhog.page_json(total, start, messages))


async def search_v2(request: web.Request) -> web.Response:
    """Search messages by sender, recipient or content, newest first."""
    kind = request.query.get("kind", "")
    if kind not in mailhog.SEARCH_KINDS:
        return json_error(400, "kind must be one of: from, to, containing.")
    query = request.query.get("query", "")
    if not query:
        return json_error(400, "query must not be empty.")
    start, limit = mailhog.start_limit(request.query)
    messages = store(request).all()
    # Parsing every message can take a while; keep the event loop free meanwhile.
    total, found = await asyncio.to_thread(mailhog.search, messages, kind, query, start, limit)
    return json_ok(mailhog.page_json(total, start, found))


async def list_messages_v1(request: web.Request) -> web.Response:
    """List up to 1000 messages as a bare array, as MailHog's API v1 does."""
    _, messages = store(request).list(0, 1000)
    return json_ok([mailhog.message_json(message) for message in messages])


async def get_message_v1(request: web.Request) -> web.Response:
    """Return one message as MailHog JSON."""
    message = _message_or_404(request)
    if message is None:
        return _not_found(request)
    return json_ok(mailhog.message_json(message))


async def delete_all(request: web.Request) -> web.Response:
    """Delete every stored message."""
    deleted = store(request).clear()
    return json_ok({"deleted": deleted})


async def delete_one(request: web.Request) -> web.Response:
    """Delete one message."""
    if not store(request).delete(request.match_info["id"]):
        return _not_found(request)
    return json_ok({"deleted": 1})


async def download_message(request: web.Request) -> web.Response:
    """Return the message exactly as it was received, as an .eml file."""
    message = _message_or_404(request)
    if message is None:
        return _not_found(request)
    headers = {
        **DOWNLOAD_HEADERS,
        "Content-Disposition": attachment_disposition(f"{message.id}.eml"),
    }
    return web.Response(body=message.raw, content_type="message/rfc822", headers=headers)


async def download_part(request: web.Request) -> web.Response:
    """Return one MIME part with its transfer encoding undone.

    The index counts parts as MailHog's MIME.Parts does; a dotted path such as
    "0.1" reaches into nested multiparts.
    """
    message = _message_or_404(request)
    if message is None:
        return _not_found(request)
    index = request.match_info["index"]
    part = mailhog.find_part(mailhog.parse_raw(message.raw), index)
    if part is None:
        return json_error(404, f"Message {message.id!r} has no MIME part {index}.")
    filename = part.filename or f"{message.id}-part-{index}"
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": attachment_disposition(filename)}
    content_type = part.content_type
    return web.Response(
        body=mailhog.decoded_body(part),
        content_type=content_type,
        charset=part.charset if content_type.startswith("text/") else None,
        headers=headers,
    )


def attachment_disposition(filename: str) -> str:
    """Build a Content-Disposition header that is safe for any file name."""
    fallback = _UNSAFE_FILENAME.sub("_", filename).encode("ascii", "replace").decode()
    fallback = fallback.replace("?", "_")
    encoded = urllib.parse.quote(mailhog.json_safe(filename), safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


async def get_jim(request: web.Request) -> web.Response:
    """Return the current fault injection settings."""
    return json_ok(chaos(request).to_dict())


async def update_jim(request: web.Request) -> web.Response:
    """Change some fault injection settings; all of them change or none does."""
    try:
        changes = await json_object(request)
    except BadBody as exc:
        return json_error(400, str(exc))
    try:
        chaos(request).update(changes)
    except (ValueError, TypeError) as exc:
        return json_error(400, str(exc))
    return json_ok(chaos(request).to_dict())


async def reset_jim(request: web.Request) -> web.Response:
    """Turn every fault off."""
    chaos(request).reset()
    return json_ok(chaos(request).to_dict())


async def health(request: web.Request) -> web.Response:
    """Say that the server answers, with the number of stored messages."""
    return json_ok(
        {
            "status": "ok",
            "messages": store(request).count(),
            "event_streams": len(request.app[STREAMS]),
        }
    )
