"""Turn an accepted v3 Mail Send request into MIME messages, one per personalization."""

import email.policy
import email.utils
import json
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage

from .sendgrid_rules import decode_base64

POLICY = email.policy.SMTP
MESSAGE_ID_DOMAIN = "sendgrid.mailroom.local"
HELO = "sendgrid-mock"


@dataclass(frozen=True)
class Delivery:
    """One message built from one personalization, with what its events need."""

    index: int
    raw: bytes
    mail_from: str
    recipients: list[str]
    sg_message_id: str
    smtp_id: str
    custom_args: dict
    categories: list


def build_deliveries(payload: dict, x_message_id: str, now: datetime) -> list[Delivery]:
    """Build every message of a validated request; raise ValueError if one cannot be built."""
    deliveries = []
    for index, personalization in enumerate(payload["personalizations"]):
        message = build_message(payload, personalization, index, x_message_id, now)
        sender = personalization.get("from") or payload["from"]
        deliveries.append(
            Delivery(
                index=index,
                raw=_serialize(message),
                mail_from=sender["email"],
                recipients=recipient_addresses(personalization),
                sg_message_id=f"{x_message_id}.{index}",
                smtp_id=message["Message-ID"],
                custom_args=merged_custom_args(payload, personalization),
                categories=list(payload.get("categories") or []),
            )
        )
    return deliveries


def _serialize(message: EmailMessage) -> bytes:
    try:
        return message.as_bytes(policy=POLICY)
    except (UnicodeError, LookupError, TypeError) as exc:
        raise ValueError(f"The message cannot be encoded: {exc}") from exc


def recipient_addresses(personalization: dict) -> list[str]:
    """Return the envelope recipients: to, then cc, then bcc."""
    return [
        recipient["email"]
        for kind in ("to", "cc", "bcc")
        for recipient in personalization.get(kind) or []
    ]


def merged_custom_args(payload: dict, personalization: dict) -> dict:
    """Merge global and personalization custom_args; the personalization wins."""
    return {**(payload.get("custom_args") or {}), **(personalization.get("custom_args") or {})}


def build_message(
    payload: dict, personalization: dict, index: int, x_message_id: str, now: datetime
) -> EmailMessage:
    """Build the message that one personalization describes."""
    message = EmailMessage(policy=POLICY)
    add_address_headers(message, payload, personalization)
    message["Subject"] = substitute(
        personalization.get("subject") or payload.get("subject") or "", personalization)
    message["Date"] = email.utils.format_datetime(now)
    custom_headers = {**(payload.get("headers") or {}), **(personalization.get("headers") or {})}
    if "message-id" not in {name.lower() for name in custom_headers}:
        message["Message-ID"] = f"<{x_message_id}.{index}@{MESSAGE_ID_DOMAIN}>"
    add_sendgrid_headers(message, payload, personalization, index, x_message_id)
    for name, value in custom_headers.items():
        message[name] = value
    add_body(message, payload, personalization)
    add_attachments(message, payload.get("attachments") or [])
    return message


def address(value: dict) -> Address:
    """Turn an {"email", "name"} object into a header address."""
    return Address(display_name=value.get("name") or "", addr_spec=value["email"])


def add_address_headers(message: EmailMessage, payload: dict, personalization: dict) -> None:
    """Set From, To, Cc and Reply-To; bcc recipients appear only in the envelope."""
    message["From"] = address(personalization.get("from") or payload["from"])
    message["To"] = [address(r) for r in personalization["to"]]
    if personalization.get("cc"):
        message["Cc"] = [address(r) for r in personalization["cc"]]
    reply_to = payload.get("reply_to_list") or (
        [payload["reply_to"]] if payload.get("reply_to") else []
    )
    if reply_to:
        message["Reply-To"] = [address(r) for r in reply_to]


def add_sendgrid_headers(
    message: EmailMessage, payload: dict, personalization: dict, index: int, x_message_id: str
) -> None:
    """Record the SendGrid ids and arguments, so students can match events to messages."""
    message["X-Message-Id"] = f"{x_message_id}.{index}"
    message["X-SendGrid-Message-Id"] = x_message_id
    custom_args = merged_custom_args(payload, personalization)
    if custom_args:
        message["X-SendGrid-Custom-Args"] = json.dumps(custom_args, sort_keys=True)
    if payload.get("categories"):
        message["X-SendGrid-Categories"] = json.dumps(payload["categories"])
    if payload.get("template_id"):
        message["X-SendGrid-Template-Id"] = payload["template_id"]


def add_body(message: EmailMessage, payload: dict, personalization: dict) -> None:
    """Add the content items: the first as the body, the rest as alternatives."""
    contents = payload.get("content") or [
        {"type": "text/plain", "value": template_placeholder(payload, personalization)}
    ]
    for position, item in enumerate(contents):
        maintype, _, subtype = item["type"].lower().partition("/")
        method = message.set_content if position == 0 else message.add_alternative
        value = substitute(item["value"], personalization)
        if maintype == "text" and subtype:
            method(value, subtype=subtype)
        else:
            method(value.encode(), maintype or "application", subtype or "octet-stream")


def substitute(text: str, personalization: dict) -> str:
    """Replace each substitution tag of the personalization in `text`, as SendGrid does."""
    for tag, value in (personalization.get("substitutions") or {}).items():
        text = text.replace(tag, value)
    return text


def template_placeholder(payload: dict, personalization: dict) -> str:
    """Describe a template send, since the mailroom does not render SendGrid templates."""
    data = personalization.get("dynamic_template_data") or {}
    return (
        f"This message uses the SendGrid template {payload['template_id']}.\n"
        "The mailroom does not render templates; the template data was:\n\n"
        f"{json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)}\n"
    )


def add_attachments(message: EmailMessage, attachments: list) -> None:
    """Attach each file, decoded from base64."""
    for attachment in attachments:
        maintype, _, subtype = (attachment.get("type") or "application/octet-stream").partition("/")
        if maintype.lower() in ("multipart", "message"):
            # The standard library cannot attach these as opaque bytes; keep the data anyway.
            maintype, subtype = "application", "octet-stream"
        options = {
            "filename": attachment["filename"],
            "disposition": attachment.get("disposition", "attachment"),
        }
        if attachment.get("content_id"):
            options["cid"] = f"<{attachment['content_id']}>"
        message.add_attachment(
            decode_base64(attachment["content"]), maintype=maintype, subtype=subtype, **options
        )
