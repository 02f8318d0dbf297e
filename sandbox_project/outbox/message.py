"""The normalized message every outbox returns, parsed from raw RFC 5322 bytes."""

from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses


@dataclass(frozen=True)
class CapturedAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class CapturedMessage:
    """One sent message: decoded headers, text and HTML parts, attachments and raw bytes."""

    subject: str
    from_email: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    text: str
    html: str
    headers: dict[str, list[str]] = field(repr=False)
    attachments: list[CapturedAttachment] = field(repr=False)
    raw: bytes = field(repr=False)
    id: str = ""

    def header(self, name, default=None):
        """Return the first value of a header, matched without regard to case."""
        values = self.headers.get(name.lower())
        return values[0] if values else default

    @property
    def recipients(self):
        """Every address the message went to: to, cc and bcc."""
        return self.to + self.cc + self.bcc


def parse(raw, id="", envelope_to=()):
    """Parse raw message bytes into a CapturedMessage.

    Bcc is not in the headers of a sent message, so it is read back from the
    envelope recipients that are in neither To nor Cc.
    """
    message = BytesParser(policy=policy.default).parsebytes(raw)
    headers = {}
    for name, value in message.items():
        # A value folded onto the next line keeps the fold's leading space; it means nothing.
        headers.setdefault(name.lower(), []).append(str(value).strip())
    to, cc = _addresses(message, "to"), _addresses(message, "cc")
    shown = {a.lower() for a in to + cc}
    bcc = _addresses(message, "bcc") or [
        a for _, a in getaddresses(list(envelope_to)) if a and a.lower() not in shown]
    text, html, attachments = _parts(message)
    return CapturedMessage(
        subject=str(message.get("subject", "")),
        from_email=(_addresses(message, "from") or [""])[0],
        to=to, cc=cc, bcc=bcc, text=text, html=html, headers=headers,
        attachments=attachments, raw=raw, id=id,
    )


def _addresses(message, name):
    return [address for _, address in getaddresses(
        [str(v) for v in message.get_all(name, [])]) if address]


def _parts(message):
    text, html, attachments = "", "", []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if part.get_content_disposition() == "attachment" or part.get_filename():
            attachments.append(CapturedAttachment(
                part.get_filename() or "", kind, part.get_payload(decode=True) or b""))
        elif kind == "text/plain" and not text:
            text = _lines(part.get_content())
        elif kind == "text/html" and not html:
            html = _lines(part.get_content())
    return text, html, attachments


def _lines(content):
    # SMTP carries CRLF line ends; locmem, console and file outboxes read LF. Same text, one form.
    return content.replace("\r\n", "\n")
