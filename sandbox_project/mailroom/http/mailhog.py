"""Parse stored messages the way MailHog does, render MailHog's JSON and search messages."""

from __future__ import annotations

import base64
import binascii
import email.errors
import email.header
import email.message
import email.utils
import quopri
import re
from dataclasses import dataclass
from functools import lru_cache

# MailHog caps a page at 250 messages; clients written for it page the same way here.
DEFAULT_LIMIT = 50
MAX_LIMIT = 250

SEARCH_KINDS = ("from", "to", "containing")

# Parsed messages are cached, big ones excepted, to bound the memory the cache holds.
CACHE_MESSAGES = 512
CACHE_MAX_MESSAGE_BYTES = 256 * 1024

_HEADER_BODY_SPLIT = re.compile(r"\r?\n\r?\n")
_NEWLINE = re.compile(r"\r?\n")
_ENCODED_WORD_GAP = re.compile(r"(\?=)\s+(=\?)")
_TOKEN = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")
_MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")


@dataclass(frozen=True)
class Part:
    """One MIME entity: its headers, its undecoded body and, if multipart, its children."""

    headers: dict[str, list[str]]
    body: str
    size: int
    parts: tuple[Part, ...] | None

    def header(self, name: str) -> str | None:
        """Return the first value of header `name`, matched case-insensitively."""
        wanted = name.lower()
        for key, values in self.headers.items():
            if key.lower() == wanted and values:
                return values[0]
        return None

    @property
    def content_type(self) -> str:
        """Return the lower-case media type, text/plain when absent as RFC 2045 says."""
        media_type = _media_params(self.header("Content-Type")).get_content_type()
        # A garbled type must not reach a response header as it is.
        if _MEDIA_TYPE.fullmatch(media_type):
            return media_type
        return "application/octet-stream"

    @property
    def charset(self) -> str | None:
        """Return the lower-case charset parameter of Content-Type if it is a plausible name."""
        charset = _media_params(self.header("Content-Type")).get_content_charset()
        if charset and _TOKEN.fullmatch(charset):
            return charset
        return None

    @property
    def filename(self) -> str | None:
        """Return the decoded file name from Content-Disposition or Content-Type."""
        name = _media_params(self.header("Content-Disposition"), "content-disposition")
        found = name.get_param("filename", header="content-disposition")
        if found is None:
            found = _media_params(self.header("Content-Type")).get_param("name")
        if found is None:
            return None
        return decode_header_value(email.utils.collapse_rfc2231_value(found))

    @property
    def is_attachment(self) -> bool:
        """Say whether a mail client would list this leaf part as an attachment."""
        if self.parts is not None:
            return False
        disposition = (self.header("Content-Disposition") or "").split(";")[0].strip().lower()
        if disposition == "attachment":
            return True
        return self.filename is not None and not self.content_type.startswith("text/")


def _media_params(value: str | None, name: str = "content-type") -> email.message.Message:
    """Hold one header in a Message so the standard library parses its parameters."""
    holder = email.message.Message()
    if value:
        holder[name] = value
    return holder


def to_text(raw: bytes) -> str:
    """Decode bytes losslessly: bytes that are not UTF-8 survive as surrogates."""
    return raw.decode("utf-8", "surrogateescape")


def json_safe(text: str) -> str:
    """Replace surrogate-escaped bytes with U+FFFD, as Go does when it encodes JSON."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def byte_length(text: str) -> int:
    """Return the length in bytes of text made by to_text."""
    return len(text.encode("utf-8", "surrogateescape"))


def parse_headers(block: str) -> dict[str, list[str]]:
    """Parse a header block into {name: [values]}, keeping every repeated header."""
    headers: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    last = None
    for line in _NEWLINE.split(block):
        if line[:1] in (" ", "\t") and last is not None:
            # A folded line continues the previous value; MailHog joins it as it is.
            headers[last][-1] += line
            continue
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not name or " " in name:
            last = None
            continue
        # Repeated headers share the spelling of their first occurrence.
        key = spelling.setdefault(name.lower(), name)
        headers.setdefault(key, []).append(value.lstrip(" \t"))
        last = key
    return headers


def parse_content(text: str) -> Part:
    """Split headers from body and parse multipart bodies recursively."""
    match = _HEADER_BODY_SPLIT.search(text)
    if match:
        headers, body = parse_headers(text[: match.start()]), text[match.end() :]
    else:
        # Like MailHog: without a blank line the whole text is body.
        headers, body = {}, text
    part = Part(headers=headers, body=body, size=byte_length(text), parts=None)
    boundary = _boundary(part)
    if boundary is None:
        return part
    children = tuple(parse_content(chunk) for chunk in _split_multipart(body, boundary))
    return Part(headers=headers, body=body, size=part.size, parts=children)


def _boundary(part: Part) -> str | None:
    """Return the boundary of a multipart part, or None for any other part."""
    content_type = part.header("Content-Type")
    if not content_type or not content_type.strip().lower().startswith("multipart/"):
        return None
    boundary = _media_params(content_type).get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        return None
    return boundary


def _split_multipart(body: str, boundary: str) -> list[str]:
    """Return the parts between the boundary lines, without preamble or epilogue."""
    delimiter = re.compile(r"(?:^|\r?\n)--" + re.escape(boundary) + r"(--)?[ \t]*(?=\r?\n|$)")
    chunks = []
    start = None
    for match in delimiter.finditer(body):
        if start is not None:
            # MailHog trims line breaks around each part; so does this copy.
            chunk = body[start : match.start()].strip("\r\n")
            if chunk:
                chunks.append(chunk)
        if match.group(1):
            break
        start = match.end()
    return chunks


def parse_raw(raw: bytes) -> Part:
    """Parse one raw message, from a cache for the usual small ones."""
    if len(raw) > CACHE_MAX_MESSAGE_BYTES:
        return parse_content(to_text(raw))
    return _parse_cached(raw)


@lru_cache(maxsize=CACHE_MESSAGES)
def _parse_cached(raw: bytes) -> Part:
    # Stored messages never change, so a parse stays valid for as long as it is cached.
    return parse_content(to_text(raw))


def find_part(root: Part, path: str) -> Part | None:
    """Return the part at a dotted index path such as "1" or "0.1" into the MIME tree."""
    part = root
    for step in path.split("."):
        if part.parts is None or not step.isdigit() or int(step) >= len(part.parts):
            return None
        part = part.parts[int(step)]
    return part


def walk_leaves(part: Part, path: str = ""):
    """Yield (dotted path, part) for every non-multipart part, depth first."""
    if part.parts is None:
        yield path, part
        return
    for index, child in enumerate(part.parts):
        yield from walk_leaves(child, f"{path}.{index}" if path else str(index))


def decoded_body(part: Part) -> bytes:
    """Return the body with its Content-Transfer-Encoding undone."""
    raw = part.body.encode("utf-8", "surrogateescape")
    encoding = (part.header("Content-Transfer-Encoding") or "").strip().lower()
    if encoding == "base64":
        try:
            return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", raw) + b"==")
        except (binascii.Error, ValueError):
            return raw
    if encoding == "quoted-printable":
        return quopri.decodestring(raw)
    return raw


def decoded_text(part: Part) -> str:
    """Return the body of a text part as str, using its charset when Python knows it."""
    charset = part.charset or "utf-8"
    data = decoded_body(part)
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def decode_header_value(value: str) -> str:
    """Decode RFC 2047 encoded words; leave anything undecodable as it was."""
    if "=?" not in value:
        return json_safe(value)
    # Whitespace between two encoded words is not part of the text (RFC 2047 6.2).
    joined = _ENCODED_WORD_GAP.sub(r"\1\2", value)
    try:
        return json_safe(str(email.header.make_header(email.header.decode_header(joined))))
    except (email.errors.HeaderParseError, LookupError, UnicodeError, ValueError):
        return json_safe(value)


def path_json(path: str) -> dict:
    """Render an SMTP path as MailHog's Path object."""
    relays = None
    address = path
    if ":" in path:
        route, address = path.split(":", 1)
        relays = route.split(",")
    mailbox, _, domain = address.partition("@")
    return {"Relays": relays, "Mailbox": mailbox, "Domain": domain, "Params": ""}


def content_json(part: Part) -> dict:
    """Render a part as MailHog's Content object."""
    return {
        "Headers": {
            json_safe(name): [json_safe(value) for value in values]
            for name, values in part.headers.items()
        },
        "Body": json_safe(part.body),
        "Size": part.size,
        "MIME": mime_json(part),
    }


def mime_json(part: Part) -> dict | None:
    """Render a multipart part's children as MailHog's MIMEBody, or None."""
    if part.parts is None:
        return None
    return {"Parts": [content_json(child) for child in part.parts]}


def created_json(message) -> str:
    """Format the arrival time as RFC 3339, with Z for UTC as Go prints it."""
    return message.created.isoformat().replace("+00:00", "Z")


def message_json(message) -> dict:
    """Render a stored message as MailHog's Message object."""
    root = parse_raw(message.raw)
    content = content_json(root)
    # MailHog keeps the top-level parts on the message, not on its Content.
    content["MIME"] = None
    return {
        "ID": message.id,
        "From": path_json(message.mail_from),
        "To": [path_json(rcpt) for rcpt in message.rcpt_tos],
        "Content": content,
        "Created": created_json(message),
        "MIME": mime_json(root),
        "Raw": {
            "From": message.mail_from,
            "To": list(message.rcpt_tos),
            "Data": json_safe(to_text(message.raw)),
            "Helo": message.helo,
        },
    }


def page_json(total: int, start: int, messages: list) -> dict:
    """Render one page of messages as MailHog's messages result."""
    return {
        "total": total,
        "count": len(messages),
        "start": start,
        "items": [message_json(message) for message in messages],
    }


def decoded_headers(root: Part, names: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """Return (name, decoded value) pairs, optionally only for the given lower-case names."""
    pairs = []
    for name, values in root.headers.items():
        if names is not None and name.lower() not in names:
            continue
        pairs.extend((name, decode_header_value(value)) for value in values)
    return pairs


def text_bodies(root: Part) -> list[str]:
    """Return the decoded bodies of every text part, attachments included."""
    return [
        decoded_text(part) for _, part in walk_leaves(root) if part.content_type.startswith("text/")
    ]


def _haystack(message, kind: str) -> list[str]:
    """Return the strings that a search of this kind looks through."""
    root = parse_raw(message.raw)
    if kind == "from":
        return [message.mail_from] + [v for _, v in decoded_headers(root, ("from", "sender"))]
    if kind == "to":
        return list(message.rcpt_tos) + [v for _, v in decoded_headers(root, ("to", "cc"))]
    headers = [f"{name}: {value}" for name, value in decoded_headers(root)]
    # The raw text is searched too, so anything MailHog would find is found here.
    return headers + text_bodies(root) + [to_text(message.raw)]


def matches(message, kind: str, query: str) -> bool:
    """Say whether a message matches a search, ignoring case."""
    needle = query.casefold()
    return any(needle in text.casefold() for text in _haystack(message, kind))


def search(messages, kind: str, query: str, start: int, limit: int) -> tuple[int, list]:
    """Return the number of matches and one page of them, in the given order."""
    found = [message for message in messages if matches(message, kind, query)]
    return len(found), found[start : start + limit]


def start_limit(query) -> tuple[int, int]:
    """Read start and limit like MailHog: bad or missing values fall back to defaults."""
    start = _positive_int(query.get("start"), 0)
    limit = min(_positive_int(query.get("limit"), DEFAULT_LIMIT), MAX_LIMIT)
    return start, limit


def _positive_int(value, default: int) -> int:
    """Return value as a positive int, or the default."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default
