"""Validation of a v3 Mail Send request body by SendGrid's published rules.

Every rule adds errors to one list, so a request learns all its problems at once.
Field names follow SendGrid's: dotted paths with list indexes, such as
"personalizations.0.to.1.email".
"""

import base64
import binascii
import re
from dataclasses import dataclass

MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
MAX_CATEGORIES = 10

HELP_URL = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message."

# SendGrid sets these itself; a request may not supply them in "headers".
RESERVED_HEADERS = frozenset(
    {
        "x-sg-id",
        "x-sg-eid",
        "received",
        "dkim-signature",
        "content-type",
        "content-transfer-encoding",
        "to",
        "from",
        "subject",
        "reply-to",
        "cc",
        "bcc",
    }
)

RECIPIENT_KINDS = ("to", "cc", "bcc")

# Deliberately simple: one @, no spaces or address punctuation, a dot in the domain.
_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\.]+(\.[^\s@<>()\[\],;:\"\\.]+)+")
_HEADER_NAME = re.compile(r"[!-9;-~]+")
_LINE_BREAK = re.compile(r"[\r\n]")


@dataclass(frozen=True)
class FieldError:
    """One validation problem, shaped like an item of SendGrid's "errors" array."""

    message: str
    field: str | None = None
    help: str | None = None

    def to_dict(self) -> dict:
        """Return the JSON object SendGrid sends for this error."""
        return {"message": self.message, "field": self.field, "help": self.help}


def error(message: str, field: str, topic: str) -> FieldError:
    """Make an error whose help link points at the rule's topic."""
    return FieldError(message=message, field=field, help=HELP_URL + topic)


def is_address(value) -> bool:
    """Say whether value is a well-formed email address."""
    return isinstance(value, str) and _ADDRESS.fullmatch(value) is not None


def is_text(value) -> bool:
    """Say whether value is a string of at least one character."""
    return isinstance(value, str) and value != ""


def validate(payload: dict) -> list[FieldError]:
    """Return every rule that the request body breaks."""
    errors: list[FieldError] = []
    personalizations = check_personalizations(payload.get("personalizations"), errors)
    check_from(payload, personalizations, errors)
    check_subject(payload, personalizations, errors)
    check_content(payload, errors)
    check_headers(payload.get("headers"), "headers", errors)
    check_attachments(payload.get("attachments"), errors)
    check_reply_to(payload, errors)
    check_string_map(payload.get("custom_args"), "custom_args", errors)
    check_categories(payload.get("categories"), errors)
    for name in ("mail_settings", "tracking_settings"):
        if name in payload and not isinstance(payload[name], dict):
            errors.append(error(f"{name} must be an object.", name, name))
    if "template_id" in payload and not is_text(payload["template_id"]):
        errors.append(
            error("template_id must be a non-empty string.", "template_id", "template_id")
        )
    return errors


def check_personalizations(value, errors: list[FieldError]) -> list[dict]:
    """Check the personalizations array; return those that are objects."""
    if not isinstance(value, list) or not value:
        errors.append(
            error(
                "At least one personalization is required.",
                "personalizations",
                "personalizations",
            )
        )
        return []
    if len(value) > MAX_PERSONALIZATIONS:
        errors.append(
            error(
                f"A request may hold at most {MAX_PERSONALIZATIONS} personalizations;"
                f" this one holds {len(value)}. Split it into several requests.",
                "personalizations",
                "personalizations",
            )
        )
    total = 0
    valid = []
    for index, personalization in enumerate(value):
        field = f"personalizations.{index}"
        if not isinstance(personalization, dict):
            errors.append(
                error("Each personalization must be an object.", field, "personalizations")
            )
            continue
        valid.append(personalization)
        total += check_recipients(personalization, field, errors)
        check_personalization_extras(personalization, field, errors)
    if total > MAX_RECIPIENTS:
        errors.append(
            error(
                f"A request may address at most {MAX_RECIPIENTS} recipients"
                f" (to + cc + bcc together); this one addresses {total}.",
                "personalizations",
                "personalizations",
            )
        )
    return valid


def check_recipients(personalization: dict, field: str, errors: list[FieldError]) -> int:
    """Check to, cc and bcc of one personalization; return how many recipients it has."""
    to = personalization.get("to")
    if not isinstance(to, list) or not to:
        errors.append(
            error(
                "Each personalization needs a to array holding at least one recipient"
                " with a valid email address.",
                f"{field}.to",
                "personalizations.to",
            )
        )
    seen: set[str] = set()
    count = 0
    for kind in RECIPIENT_KINDS:
        recipients = personalization.get(kind)
        if kind != "to" and recipients is None:
            continue
        if not isinstance(recipients, list) or (kind != "to" and not recipients):
            if kind != "to":
                errors.append(
                    error(
                        f"{kind}, when present, must be an array of at least one recipient.",
                        f"{field}.{kind}",
                        f"personalizations.{kind}",
                    )
                )
            continue
        count += len(recipients)
        for position, recipient in enumerate(recipients):
            address = check_address_object(
                recipient, f"{field}.{kind}.{position}", f"personalizations.{kind}", errors
            )
            if address is None:
                continue
            if address.lower() in seen:
                errors.append(
                    error(
                        "Each email address in the personalization block should be unique"
                        f" between to, cc, and bcc; {address} appears again in"
                        f" {field}.{kind}.",
                        field,
                        "personalizations",
                    )
                )
            seen.add(address.lower())
    return count


def check_address_object(value, field: str, topic: str, errors: list[FieldError]):
    """Check an {"email", "name"} object; return its address when it is valid."""
    if not isinstance(value, dict) or not is_address(value.get("email")):
        errors.append(error("Is not a valid email address.", f"{field}.email", topic))
        return None
    name = value.get("name")
    if name is not None and (not isinstance(name, str) or _LINE_BREAK.search(name)):
        errors.append(error("name must be a string on one line.", f"{field}.name", topic))
        return None
    return value["email"]


def check_personalization_extras(personalization: dict, field: str, errors: list[FieldError]):
    """Check the optional members of one personalization."""
    subject = personalization.get("subject")
    if subject is not None and not isinstance(subject, str):
        errors.append(
            error("subject must be a string.", f"{field}.subject", "personalizations.subject")
        )
    if "from" in personalization:
        check_address_object(personalization["from"], f"{field}.from", "from", errors)
    check_headers(personalization.get("headers"), f"{field}.headers", errors)
    check_string_map(personalization.get("custom_args"), f"{field}.custom_args", errors)
    check_substitutions(personalization.get("substitutions"), f"{field}.substitutions", errors)


# SendGrid's limit on the substitutions of one personalization, keys and values together.
SUBSTITUTIONS_LIMIT = 10_000


def check_substitutions(value, field: str, errors: list[FieldError]):
    """Check that substitutions map tags to strings, 10,000 bytes at most in all."""
    if value is None:
        return
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        errors.append(error(f"{field} must be an object of string values.", field,
                            "substitutions"))
        return
    size = sum(len(k.encode()) + len(v.encode()) for k, v in value.items())
    if size > SUBSTITUTIONS_LIMIT:
        errors.append(error(
            f"The total size of the substitutions of a personalization may not exceed "
            f"{SUBSTITUTIONS_LIMIT} bytes; this one has {size}.", field, "substitutions"))


def check_from(payload: dict, personalizations: list[dict], errors: list[FieldError]):
    """Require a valid sender, unless every personalization names its own."""
    if personalizations and all("from" in p for p in personalizations) and "from" not in payload:
        return
    sender = payload.get("from")
    if not isinstance(sender, dict):
        errors.append(
            error(
                'The from object is required: {"email": "sender@example.com"},'
                " optionally with a name.",
                "from",
                "from",
            )
        )
        return
    check_address_object(sender, "from", "from", errors)


def check_subject(payload: dict, personalizations: list[dict], errors: list[FieldError]):
    """Require a subject unless a template or every personalization supplies one."""
    if is_text(payload.get("template_id")):
        return
    if personalizations and all(is_text(p.get("subject")) for p in personalizations):
        return
    if not is_text(payload.get("subject")):
        errors.append(
            error(
                "A subject is required, unless template_id is set or every"
                " personalization has its own subject.",
                "subject",
                "subject",
            )
        )


def content_rank(content_type: str) -> int:
    """Rank content types in the order SendGrid requires: plain, then HTML, then others."""
    return {"text/plain": 0, "text/html": 1}.get(content_type.lower(), 2)


def check_content(payload: dict, errors: list[FieldError]):
    """Check the content array: required without a template, each item typed and non-empty."""
    content = payload.get("content")
    if content is None and is_text(payload.get("template_id")):
        return
    if not isinstance(content, list) or not content:
        errors.append(
            error(
                'content must be an array of at least one {"type", "value"} object,'
                " unless template_id is set.",
                "content",
                "content",
            )
        )
        return
    ranks = []
    for index, item in enumerate(content):
        item = item if isinstance(item, dict) else {}
        if not is_text(item.get("type")) or _LINE_BREAK.search(item["type"]):
            errors.append(
                error(
                    "type must be a MIME type such as text/plain.",
                    f"content.{index}.type",
                    "content.type",
                )
            )
        else:
            ranks.append(content_rank(item["type"]))
        if not is_text(item.get("value")):
            errors.append(
                error(
                    "value must be a string of at least one character.",
                    f"content.{index}.value",
                    "content.value",
                )
            )
    if ranks != sorted(ranks):
        errors.append(
            error(
                "Content must come in this order: text/plain first, then text/html,"
                " then any other type.",
                "content",
                "content",
            )
        )


def check_headers(headers, field: str, errors: list[FieldError]):
    """Check a headers object: string names and values, one line each, none reserved."""
    if headers is None:
        return
    if not isinstance(headers, dict):
        errors.append(error("headers must be an object of strings.", field, "headers"))
        return
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name):
            errors.append(error(f"{name!r} is not a valid header name.", field, "headers"))
        elif name.lower() in RESERVED_HEADERS:
            errors.append(
                error(f"The header {name} is reserved and cannot be set.", field, "headers")
            )
        elif not isinstance(value, str) or _LINE_BREAK.search(value):
            errors.append(
                error(f"The value of header {name} must be a string on one line.", field, "headers")
            )


def check_attachments(attachments, errors: list[FieldError]):
    """Check each attachment: base64 content and a file name are required."""
    if attachments is None:
        return
    if not isinstance(attachments, list):
        errors.append(error("attachments must be an array.", "attachments", "attachments"))
        return
    for index, attachment in enumerate(attachments):
        field = f"attachments.{index}"
        attachment = attachment if isinstance(attachment, dict) else {}
        if decode_base64(attachment.get("content")) is None:
            errors.append(
                error(
                    "content is required and must be base64 encoded.",
                    f"{field}.content",
                    "attachments.content",
                )
            )
        filename = attachment.get("filename")
        if not is_text(filename) or _LINE_BREAK.search(filename):
            errors.append(
                error("filename is required.", f"{field}.filename", "attachments.filename")
            )
        check_attachment_extras(attachment, field, errors)


def check_attachment_extras(attachment: dict, field: str, errors: list[FieldError]):
    """Check the optional type, disposition and content_id of an attachment."""
    kind = attachment.get("type")
    if kind is not None and (not is_text(kind) or "/" not in kind or _LINE_BREAK.search(kind)):
        errors.append(error("type must be a MIME type.", f"{field}.type", "attachments.type"))
    disposition = attachment.get("disposition", "attachment")
    if disposition not in ("attachment", "inline"):
        errors.append(
            error(
                "disposition must be attachment or inline.",
                f"{field}.disposition",
                "attachments.disposition",
            )
        )
    content_id = attachment.get("content_id")
    if disposition == "inline" and not is_text(content_id):
        errors.append(
            error(
                "An inline attachment needs a content_id.",
                f"{field}.content_id",
                "attachments.content_id",
            )
        )
    elif content_id is not None and (not is_text(content_id) or _LINE_BREAK.search(content_id)):
        errors.append(
            error("content_id must be a string.", f"{field}.content_id", "attachments.content_id")
        )


def decode_base64(value) -> bytes | None:
    """Return the decoded bytes of a non-empty base64 string, or None if it is not one."""
    if not is_text(value):
        return None
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def check_reply_to(payload: dict, errors: list[FieldError]):
    """Check reply_to or reply_to_list; a request may use one of them, not both."""
    if "reply_to" in payload and "reply_to_list" in payload:
        errors.append(
            error("Use either reply_to or reply_to_list, not both.", "reply_to_list", "reply_to")
        )
    if "reply_to" in payload:
        check_address_object(payload["reply_to"], "reply_to", "reply_to", errors)
    if "reply_to_list" in payload:
        reply_to_list = payload["reply_to_list"]
        if not isinstance(reply_to_list, list) or not reply_to_list:
            errors.append(
                error("reply_to_list must be a non-empty array.", "reply_to_list", "reply_to")
            )
            return
        for index, item in enumerate(reply_to_list):
            check_address_object(item, f"reply_to_list.{index}", "reply_to", errors)


def check_string_map(value, field: str, errors: list[FieldError]):
    """Check that custom_args is an object whose values are strings."""
    if value is None:
        return
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        errors.append(error(f"{field} must be an object of string values.", field, "custom_args"))


def check_categories(value, errors: list[FieldError]):
    """Check the categories: at most ten strings."""
    if value is None:
        return
    if not isinstance(value, list) or not all(is_text(v) for v in value):
        errors.append(error("categories must be an array of strings.", "categories", "categories"))
    elif len(value) > MAX_CATEGORIES:
        errors.append(
            error(f"At most {MAX_CATEGORIES} categories are allowed.", "categories", "categories")
        )
