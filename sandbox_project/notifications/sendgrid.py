"""SendGrid v3 Mail Send on the official SDK: build the payload, post it, read the answer.

The host is configurable, so the sandbox talks to the local mock by default
and to real SendGrid when given a real key and no host override.
"""

import base64
import json
import logging
import time
from dataclasses import dataclass, field
from email.mime.base import MIMEBase
from email.utils import getaddresses, parseaddr
from urllib.error import URLError

from django.conf import settings
from django.utils.encoding import punycode
from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient

logger = logging.getLogger(__name__)

MAX_PERSONALIZATIONS = 1000
# Headers SendGrid sets itself and refuses in the `headers` object.
RESERVED_HEADERS = {"x-sg-id", "x-sg-eid", "received", "dkim-signature", "content-type",
                    "content-transfer-encoding", "to", "from", "subject", "reply-to", "cc", "bcc"}
TRANSIENT_STATUSES = {429, 500, 502, 503, 504}


class SendGridError(Exception):
    """A Mail Send call that did not end in 202 Accepted."""

    def __init__(self, message, *, status=None, errors=(), retry_after=None):
        super().__init__(message)
        self.status = status
        self.errors = list(errors)
        self.retry_after = retry_after

    @property
    def transient(self):
        """Whether sending the same payload later may succeed."""
        return self.status is None or self.status in TRANSIENT_STATUSES


def client(api_key=None, host=None, timeout=None):
    """Return an SDK client with a timeout, so a silent API cannot hang a request."""
    sg = SendGridAPIClient(api_key or settings.SENDGRID_API_KEY,
                           host=host or settings.SENDGRID_API_HOST)
    sg.client.timeout = timeout or settings.SENDGRID_TIMEOUT
    return sg


def post_mail(sg, payload):
    """POST one Mail Send payload; return SendGrid's message id or raise SendGridError."""
    try:
        response = sg.client.mail.send.post(request_body=payload)
    except HTTPError as exc:
        raise _from_http_error(exc) from exc
    except (URLError, TimeoutError, ConnectionError) as exc:
        raise SendGridError(f"SendGrid unreachable: {exc}") from exc
    return _header(response.headers, "X-Message-Id")


def _from_http_error(exc):
    errors = _error_list(exc.body)
    detail = "; ".join(e.get("message", "") for e in errors) or exc.reason
    retry_after = None
    if exc.status_code == 429:
        reset = _header(exc.headers, "X-RateLimit-Reset")
        retry_after = max(0.0, float(reset) - time.time()) if reset else None
    return SendGridError(f"SendGrid answered {exc.status_code}: {detail}",
                         status=exc.status_code, errors=errors, retry_after=retry_after)


def _error_list(body):
    try:
        return json.loads(body or b"{}").get("errors", [])
    except (ValueError, AttributeError):
        return []


def _header(headers, name):
    value = headers.get(name) if headers is not None else None
    return value or (headers.get(name.lower()) if headers is not None else None) or ""


def address(value):
    """Turn "Name <a@b>" into SendGrid's {"email", "name"} object."""
    return _address_object(*parseaddr(value))


def _address_object(name, email):
    local, at, domain = email.rpartition("@")
    if at and not domain.isascii():
        # As Django's SMTP backend does: an IDN domain travels as its ASCII (punycode) form.
        email = f"{local}@{punycode(domain)}"
    return {"email": email, "name": name} if name else {"email": email}


def payload_for(message):
    """Build the Mail Send payload of a Django EmailMessage, one personalization."""
    personalization = {"to": [address(a) for a in message.to]}
    if message.cc:
        personalization["cc"] = [address(a) for a in message.cc]
    if message.bcc:
        personalization["bcc"] = [address(a) for a in message.bcc]
    payload = {
        "personalizations": [personalization],
        "from": address(message.from_email),
        "subject": message.subject,
        "content": _content(message),
    }
    headers = {k: str(v) for k, v in message.extra_headers.items()
               if k.lower() not in RESERVED_HEADERS}
    if headers:
        payload["headers"] = headers
    # As in Django's own message(), a Reply-To header wins over the reply_to argument.
    reply_to = _header_addresses(message.extra_headers, "Reply-To") or [
        parseaddr(a) for a in message.reply_to]
    if len(reply_to) == 1:
        payload["reply_to"] = _address_object(*reply_to[0])
    elif reply_to:
        payload["reply_to_list"] = [_address_object(*pair) for pair in reply_to]
    log_id = message.extra_headers.get("X-Library-Email-Id")
    if log_id:
        # Comes back on every event webhook, tying events to the EmailLog row.
        payload["custom_args"] = {"email_log_id": str(log_id)}
    attachments = [_attachment(a) for a in message.attachments]
    if attachments:
        payload["attachments"] = attachments
    return payload


def _header_addresses(headers, name):
    """Return the (name, address) pairs of header `name` in `headers`, matched in any case."""
    values = [str(v) for k, v in headers.items() if k.lower() == name.lower()]
    return [pair for pair in getaddresses(values) if pair[1]]


def _content(message):
    content = []
    if message.body:
        content.append({"type": f"text/{message.content_subtype}", "value": message.body})
    for body, mimetype in getattr(message, "alternatives", []):
        content.append({"type": mimetype, "value": body})
    # SendGrid requires text/plain first, then text/html.
    order = {"text/plain": 0, "text/html": 1}
    return sorted(content, key=lambda c: order.get(c["type"], 2))


def _attachment(item):
    if isinstance(item, MIMEBase):
        # Django also accepts ready-made MIME parts, such as inline images.
        filename, content, mimetype = (item.get_filename(), item.get_payload(decode=True),
                                       item.get_content_type())
        content_id = (item.get("Content-ID") or "").strip("<> ")
        # SendGrid requires a content_id for inline parts; without one, attach the file.
        inline = item.get_content_disposition() == "inline" and content_id
        disposition = "inline" if inline else "attachment"
    else:
        filename, content, mimetype = item
        disposition, content_id = "attachment", ""
    data = content.encode() if isinstance(content, str) else content or b""
    attachment = {"filename": filename or "attachment",
                  "type": mimetype or "application/octet-stream",
                  "content": base64.b64encode(data).decode("ascii"), "disposition": disposition}
    if content_id:
        attachment["content_id"] = content_id
    return attachment


@dataclass
class SendGridResult:
    """The outcome of a SendGridService call, never an exception."""

    ok: bool
    status: int | None = None
    message_id: str = ""
    errors: list = field(default_factory=list)
    error: str = ""
    retry_after: float | None = None
    # Whether sending the same request later may succeed (429, 5xx, network).
    transient: bool = False


class SendGridService:
    """Send through SendGrid's API and report results instead of raising."""

    def __init__(self, api_key=None, host=None, timeout=None, from_email=None):
        self.sg = client(api_key, host, timeout)
        self.from_email = from_email or settings.DEFAULT_FROM_EMAIL

    def send_email(self, to_email, subject, html_content, text_content=""):
        """Send one email to one recipient."""
        return self.send_batch([{"to": [address(to_email)]}], subject, html_content,
                               text_content)[0]

    def send_batch(self, personalizations, subject, html_content, text_content=""):
        """Send one email to many personalizations: one result per API call of up to 1000."""
        results = []
        for start in range(0, len(personalizations), MAX_PERSONALIZATIONS):
            chunk = personalizations[start:start + MAX_PERSONALIZATIONS]
            results.append(self._post({
                "personalizations": chunk,
                "from": address(self.from_email),
                "subject": subject,
                "content": [c for c in (
                    {"type": "text/plain", "value": text_content},
                    {"type": "text/html", "value": html_content},
                ) if c["value"]],
            }))
        return results

    def _post(self, payload):
        try:
            message_id = post_mail(self.sg, payload)
        except SendGridError as exc:
            logger.warning("SendGrid send failed: %s", exc)
            return SendGridResult(False, exc.status, errors=exc.errors, error=str(exc),
                                  retry_after=exc.retry_after, transient=exc.transient)
        logger.info("SendGrid accepted %d personalizations as %s",
                    len(payload["personalizations"]), message_id)
        return SendGridResult(True, 202, message_id=message_id)
