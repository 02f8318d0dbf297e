"""JSON responses and request bodies shared by the API handlers."""

import json

from aiohttp import web


def json_ok(data, status: int = 200, headers=None) -> web.Response:
    """Answer with a JSON document."""
    return web.json_response(data, status=status, headers=headers, dumps=_dumps)


def json_error(status: int, message: str, headers=None) -> web.Response:
    """Answer with {"error": message}; MailHog itself answers errors with empty bodies."""
    return json_ok({"error": message}, status=status, headers=headers)


class BadBody(ValueError):
    """The request body is not the JSON object that the endpoint expects."""


async def json_object(request: web.Request) -> dict:
    """Read the body as a JSON object, raising BadBody when it is anything else."""
    data = await request.read()
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadBody(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BadBody("The request body must be a JSON object.")
    return value


def _dumps(value) -> str:
    # Keep non-ASCII readable: these documents are read by students in notebooks.
    return json.dumps(value, ensure_ascii=False)
