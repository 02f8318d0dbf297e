"""Check recipients and header values before they reach a message."""

from email.headerregistry import Address
from email.utils import getaddresses, parseaddr

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
    parsed = getaddresses([value])
    if len(parsed) != 1:
        raise InvalidRecipientError(f"{value!r} must be exactly one email address")
    name, address = parsed[0]
    if not address or "@" not in address:
        raise InvalidRecipientError(f"{value!r} is not an email address")
    try:
        validate_email(address)
    except ValidationError as exc:
        raise InvalidRecipientError(f"{address!r} is not a valid email address") from exc
    return str(Address(display_name=name, addr_spec=address)) if name else address


def address_only(recipient):
    """Return the bare, lower-cased address of a recipient, for keys and lookups."""
    return parseaddr(recipient)[1].lower()

