"""Check recipients and header values before they reach a message."""

from email.headerregistry import Address
from email.utils import formataddr, parseaddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from notifications.errors import HeaderInjectionError, InvalidRecipientError


def check_header_value(name, value):
    """Refuse a header value that carries a line break."""
    if any(ch in str(value) for ch in "\r\n\x00"):
        raise HeaderInjectionError(f"{name} contains a line break; refused to build the email")
    return value


def normalize_recipient(value):
    """Return `value` as a clean "Name <address>" string, or raise a clear error."""
    check_header_value("Recipient", value)
    name, address = parseaddr(value, strict=True)
    if not address or "@" not in address:
        raise InvalidRecipientError(f"{value!r} is not an email address")
    try:
        validate_email(address)
    except ValidationError as exc:
        raise InvalidRecipientError(f"{address!r} is not a valid email address") from exc
    return formataddr((name, address)) if name else address


def address_only(recipient):
    """Return the bare, lower-cased address of a recipient, for keys and lookups."""
    return parseaddr(recipient)[1].lower()


def display(recipient):
    """Return a readable form of a recipient, decoding nothing and keeping the name."""
    name, address = parseaddr(recipient)
    return str(Address(display_name=name, addr_spec=address)) if name else address
