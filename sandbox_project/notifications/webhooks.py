"""SendGrid's event webhook: POST /notifications/sendgrid/events/.

SendGrid posts a JSON array of events. Each is matched to its EmailLog row by
the `email_log_id` custom argument (sent with every email) or, failing that,
by its `sg_message_id`, whose first part is the X-Message-Id stored as the
row's provider_message_id.

Authenticity: real SendGrid can sign each post with ECDSA (the "Signed Event
Webhook"); verifying that signature is out of scope for this sandbox. When the
SENDGRID_WEBHOOK_SECRET setting is not empty, a post must instead carry it,
either in the X-Library-Webhook-Token header or as `?token=` in the URL (SendGrid
cannot add headers, but the webhook URL you give it can carry a query string):
a simple shared secret, enough to keep strangers from writing events into the
sandbox.
"""

import hmac
import json

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications.events import record_events

TOKEN_HEADER = "X-Library-Webhook-Token"


@csrf_exempt  # SendGrid posts without a session or a CSRF token.
@require_POST
def sendgrid_events(request):
    """Record a batch of events; answer at once, ignoring emails this site never sent."""
    if not token_is_valid(request):
        return HttpResponseForbidden(f"Missing or wrong {TOKEN_HEADER} header or ?token=.")
    try:
        events = json.loads(request.body)
    except ValueError:  # UnicodeDecodeError included
        return HttpResponseBadRequest("The body is not valid JSON.")
    if not isinstance(events, list):
        return HttpResponseBadRequest("The body must be a JSON array of events.")
    return JsonResponse({"received": len(events), "recorded": record_events(events)})


def token_is_valid(request):
    """Return whether the post carries the shared secret, when one is set."""
    secret = getattr(settings, "SENDGRID_WEBHOOK_SECRET", "")
    if not secret:
        return True
    given = request.headers.get(TOKEN_HEADER) or request.GET.get("token", "")
    # Constant time, so the secret cannot be guessed one character at a time.
    return hmac.compare_digest(given.encode(), secret.encode())
