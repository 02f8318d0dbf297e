"""Ask the provider whether an email whose sender died mid-send was delivered.

Exactly-once delivery needs the receiving side to answer this question: an
SMTP server may have stored a message a moment before the sender was killed.
The local catcher (and real MailHog) can be searched by Message-ID, so rows
sent through them are never sent twice. Without such a lookup
(EMAIL_RECONCILE_URL empty) the row is sent again: at least once.
"""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

logger = logging.getLogger(__name__)


def was_delivered(log):
    """Return True if the provider holds the row's message, False if not or unknown."""
    url = settings.EMAIL_RECONCILE_URL
    message_id = log.headers.get("Message-ID", "")
    if not url or not message_id:
        logger.warning("email %s: delivery unknown, sending again (at least once)", log.pk)
        return False
    query = urllib.parse.urlencode({"kind": "containing", "query": message_id, "limit": 1})
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/api/v2/search?{query}",
                                    timeout=5) as response:
            return json.load(response).get("total", 0) > 0
    except (urllib.error.URLError, OSError, ValueError) as exc:
        # Unknown: leave the row for the next sweep rather than risk a duplicate.
        raise ReconcileUnavailable(f"cannot reach {url} to reconcile email {log.pk}") from exc


class ReconcileUnavailable(ConnectionError):
    """The provider could not be asked; the row waits for the next sweep."""
