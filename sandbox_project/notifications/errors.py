"""Errors the EmailService reports to its callers."""


class EmailError(Exception):
    """Base class of every error raised by the EmailService."""


class EmailInputError(EmailError, ValueError):
    """Input that must never become an email, such as a newline in a header."""


class HeaderInjectionError(EmailInputError):
    """A newline in a value that would land in a header."""


class InvalidRecipientError(EmailInputError):
    """A recipient that is not a valid email address."""


class MissingUnsubscribeError(EmailInputError):
    """Bulk mail without a one-click unsubscribe link."""
