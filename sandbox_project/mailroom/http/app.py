"""Build the mailroom's HTTP application: routes, error handling and shared state."""

import logging

from aiohttp import web

from . import api, events, sendgrid_mock, ui
from .responses import json_error
from .sendgrid_events import WebhookSender, close_webhooks
from .sendgrid_rules import FieldError
from .state import CHAOS, CONFIG, STORE, STREAMS, WEBHOOKS

logger = logging.getLogger(__name__)

API_PREFIXES = ("/api/",)
SENDGRID_PREFIX = "/v3/"


def create_app(store, config, chaos) -> web.Application:
    """Return the application that serves the API, the UI and the SendGrid mock."""
    app = web.Application(
        middlewares=[
            json_errors,
            web.normalize_path_middleware(append_slash=False, remove_slash=True),
        ]
    )
    app[STORE] = store
    app[CONFIG] = config
    app[CHAOS] = chaos
    app[STREAMS] = set()
    app[WEBHOOKS] = WebhookSender()
    add_routes(app)
    app.on_shutdown.append(events.stop_streams)
    app.on_cleanup.append(close_webhooks)
    return app


def add_routes(app: web.Application) -> None:
    """Register every endpoint."""
    message = "/api/v1/messages/{id}"
    app.add_routes(
        [
            web.get("/", ui.index),
            web.get("/static/{name}", ui.static),
            web.get("/api/ui/messages", ui.list_summaries),
            web.get("/api/ui/messages/{id}", ui.get_detail),
            web.get("/api/v2/messages", api.list_messages_v2),
            web.get("/api/v2/search", api.search_v2),
            web.get("/api/v2/health", api.health),
            web.get("/api/v2/events", events.event_stream),
            web.get("/api/v2/jim", api.get_jim),
            web.put("/api/v2/jim", api.update_jim),
            web.post("/api/v2/jim", api.update_jim),
            web.delete("/api/v2/jim", api.reset_jim),
            web.get("/api/v1/messages", api.list_messages_v1),
            web.delete("/api/v1/messages", api.delete_all),
            web.get(message, api.get_message_v1),
            web.delete(message, api.delete_one),
            web.get(message + "/download", api.download_message),
            web.get(message + r"/mime/part/{index:\d+(?:\.\d+)*}/download", api.download_part),
            web.post("/v3/mail/send", sendgrid_mock.mail_send),
        ]
    )


@web.middleware
async def json_errors(request: web.Request, handler):
    """Answer API errors with JSON bodies, and never let an exception escape as HTML."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _error_for(request, exc.status, exc.reason, exc.headers)
    except Exception:
        logger.exception("Unexpected error in %s %s", request.method, request.path)
        return _error_for(request, 500, "Internal error; see the mailroom log.", {})


def _error_for(request: web.Request, status: int, reason: str, headers) -> web.Response:
    """Shape an error for the part of the server that the request addressed."""
    keep = {name: headers[name] for name in ("Allow",) if name in headers}
    if request.path.startswith(SENDGRID_PREFIX):
        body = {"errors": [FieldError(message=reason).to_dict()]}
        return web.json_response(body, status=status, headers=keep)
    if request.path.startswith(API_PREFIXES):
        return json_error(status, reason, headers=keep)
    return web.Response(status=status, text=f"{status} {reason}\n", headers=keep)
