"""Keys for the objects that the HTTP handlers share through the application."""

from aiohttp import web

STORE = web.AppKey("store", object)
CONFIG = web.AppKey("config", object)
CHAOS = web.AppKey("chaos", object)
# Seconds between keep-alive comments on an event stream; tests shorten it.
HEARTBEAT = web.AppKey("heartbeat", float)
# One stop signal per open event stream, set when the server shuts down.
STREAMS = web.AppKey("streams", set)
# The SendGrid mock's event webhook sender (sendgrid_events.WebhookSender).
WEBHOOKS = web.AppKey("webhooks", object)


def store(request: web.Request):
    """Return the message store of the request's application."""
    return request.app[STORE]


def chaos(request: web.Request):
    """Return the fault injection settings of the request's application."""
    return request.app[CHAOS]


def config(request: web.Request):
    """Return the mailroom configuration of the request's application."""
    return request.app[CONFIG]

