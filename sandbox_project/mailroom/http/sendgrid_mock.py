"""A local stand-in for SendGrid's v3 Mail Send endpoint (POST /v3/mail/send).

One request goes through small steps: authorize, read, inject faults, parse,
validate, build one MIME message per personalization, store, then report events.
"""

import asyncio
import email.errors
import hmac
import json
import secrets
import time
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from .sendgrid_events import delivery_events
from .sendgrid_mime import HELO, build_deliveries
from .sendgrid_rules import FieldError, validate
from .state import WEBHOOKS, chaos, config, store

# SendGrid refuses requests whose total size exceeds 20 MB.
MAX_BODY_BYTES = 20 * 1024 * 1024
READ_CHUNK_BYTES = 64 * 1024
# A refused body is still read to its end, up to this much, so that the client is
# done sending and reads the answer rather than a reset connection.
DRAIN_LIMIT_BYTES = 4 * MAX_BODY_BYTES

RATE_LIMIT = 600
RATE_LIMIT_RESET_SECONDS = 2

UNAUTHORIZED_MESSAGE = "The provided authorization grant is invalid, expired, or revoked"


class RequestRefused(Exception):
    """The request cannot be accepted; carries the response that says why."""

    def __init__(self, response: web.Response):
        super().__init__(response.status)
        self.response = response


def error_response(status: int, errors: list[FieldError], headers=None) -> web.Response:
    """Answer with SendGrid's {"errors": [...]} body."""
    body = {"errors": [item.to_dict() for item in errors]}
    return web.json_response(body, status=status, headers=headers)


def plain_error(status: int, message: str, headers=None) -> web.Response:
    """Answer with one error that names no field."""
    return error_response(status, [FieldError(message=message)], headers=headers)


async def mail_send(request: web.Request) -> web.Response:
    """Accept, refuse or fail one Mail Send request the way SendGrid would."""
    try:
        authorize(request)
        body = await read_body(request)
        await inject_faults(request)
        payload = parse_payload(body)
        errors = validate(payload)
        if errors:
            return error_response(400, errors)
        if in_sandbox_mode(payload):
            # SendGrid's sandbox mode validates without sending and answers 200.
            return web.Response(status=200)
        x_message_id = secrets.token_urlsafe(16)
        deliveries = build(payload, x_message_id)
    except RequestRefused as refused:
        await drain(request)
        return refused.response
    deliver(request, deliveries)
    return web.Response(status=202, headers={"X-Message-Id": x_message_id})


def authorize(request: web.Request) -> None:
    """Require "Authorization: Bearer <the configured API key>"."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    expected = config(request).sendgrid_api_key.encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise RequestRefused(plain_error(401, UNAUTHORIZED_MESSAGE))


async def read_body(request: web.Request) -> bytes:
    """Read the body, refusing it with 413 when it is larger than MAX_BODY_BYTES."""
    too_large = RequestRefused(
        plain_error(413, f"The request body is larger than the {MAX_BODY_BYTES} byte limit.")
    )
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_large
    chunks, size = [], 0
    while chunk := await request.content.read(READ_CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def drain(request: web.Request) -> None:
    """Read and drop what is left of the body, up to DRAIN_LIMIT_BYTES."""
    size = 0
    try:
        while size <= DRAIN_LIMIT_BYTES and (chunk := await request.content.read(READ_CHUNK_BYTES)):
            size += len(chunk)
    except (ConnectionError, HttpProcessingError):
        # The client left or sent a broken body; the answer is ready either way.
        pass


async def inject_faults(request: web.Request) -> None:
    """Delay, rate-limit or fail the request as the chaos settings say."""
    settings = chaos(request)
    if settings.latency > 0:
        await asyncio.sleep(settings.latency)
    if settings.roll(settings.sendgrid_429_rate):
        raise RequestRefused(rate_limited())
    if settings.roll(settings.sendgrid_5xx_rate):
        # The seeded generator of the chaos settings picks the status, so runs repeat.
        status = 500 if settings.roll(0.5) else 503
        raise RequestRefused(plain_error(status, "The mail service is temporarily unavailable."))


def rate_limited() -> web.Response:
    """Answer 429 with SendGrid's rate limit headers."""
    headers = {
        "X-RateLimit-Limit": str(RATE_LIMIT),
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(int(time.time()) + RATE_LIMIT_RESET_SECONDS),
    }
    return plain_error(429, "too many requests", headers=headers)


def parse_payload(body: bytes) -> dict:
    """Decode the JSON body, which must be an object."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise RequestRefused(plain_error(400, "The request body is not valid JSON.")) from None
    if not isinstance(payload, dict):
        raise RequestRefused(plain_error(400, "The request body must be a JSON object."))
    return payload


def in_sandbox_mode(payload: dict) -> bool:
    """Say whether mail_settings.sandbox_mode.enable is true."""
    settings = payload.get("mail_settings")
    sandbox = settings.get("sandbox_mode") if isinstance(settings, dict) else None
    return isinstance(sandbox, dict) and sandbox.get("enable") is True


def build(payload: dict, x_message_id: str) -> list:
    """Build every message before storing any, so a request is stored whole or not at all."""
    try:
        return build_deliveries(payload, x_message_id, datetime.now(UTC))
    except (ValueError, TypeError, IndexError, LookupError, email.errors.MessageError) as exc:
        raise RequestRefused(plain_error(400, f"The message cannot be built: {exc}")) from None


def deliver(request: web.Request, deliveries: list) -> None:
    """Store each message for the recipients not rejected, then report events."""
    rejected = {address.lower() for address in chaos(request).reject_recipients}
    webhook_url = config(request).sendgrid_webhook_url
    timestamp = int(time.time())
    for delivery in deliveries:
        accepted = [rcpt for rcpt in delivery.recipients if rcpt.lower() not in rejected]
        if accepted:
            store(request).add(
                delivery.raw, delivery.mail_from, accepted, helo=HELO, source="sendgrid"
            )
        if webhook_url:
            events = delivery_events(delivery, rejected, timestamp)
            request.app[WEBHOOKS].schedule(webhook_url, events)
