"""Send through SendGrid's API and report errors instead of raising.

Write `send_with_sendgrid(to, subject, html, text="")` with SendGrid's official
SDK (`sendgrid.SendGridAPIClient`, `sendgrid.helpers.mail.Mail`), talking to
`settings.SENDGRID_API_HOST` with `settings.SENDGRID_API_KEY` (the grader points
them at its SendGrid mock). Return a dict:

- `ok`: True when SendGrid accepted the email (202);
- `status`: the HTTP status, or None when SendGrid could not be reached;
- `message_id`: the `X-Message-Id` header of a 202 answer, else "";
- `error`: what went wrong, in words, else "";
- `transient`: True when sending again later may succeed: 429, 5xx, or no answer.

It must never raise: a 401 (bad key), a 400 (bad address), a 503 or an
unreachable API all become a result.
"""

from urllib.error import URLError

from django.conf import settings
from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Mail

TRANSIENT_STATUSES = {429, 500, 502, 503, 504}


def send_with_sendgrid(to, subject, html, text=""):
    """Send one email through SendGrid; return what happened as a dict, never raise."""
    raise NotImplementedError(
        "the SDK raises python_http_client's HTTPError (with .status_code and .body) "
        "for 4xx and 5xx, and urllib's URLError or OSError when nobody answers."
    )
