"""Refuse header injection in a contact form.

A reader's name, address and subject end up in headers. A line break in one of
them would start a new header, such as `Bcc: everyone@example.com`: that is
header injection. Django refuses to build such a message and raises
`BadHeaderError`; a view that lets it escape answers 500.

Write `send_contact_message(name, email, subject, message)`: email the library
(`settings.DEFAULT_FROM_EMAIL`) with the subject `Contact: <subject>`, the body
`message`, and `Reply-To: <name> <email>`. Return "sent". When `name`, `email`
or `subject` contains a line break (CR or LF), send nothing and return
"refused"; never let an exception escape.
"""

from email.utils import formataddr

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage


def has_line_break(value):
    """Return True when `value` would split a header in two."""
    ### BEGIN SOLUTION
    # HINT: look for "\r" and "\n".
    return any(ch in str(value) for ch in "\r\n")
    ### END SOLUTION


def send_contact_message(name, email, subject, message):
    """Email the library a reader's message; return "sent", or "refused" for unsafe input."""
    ### BEGIN SOLUTION
    # HINT: check the three values first; keep a BadHeaderError handler as a second guard.
    if any(has_line_break(value) for value in (name, email, subject)):
        return "refused"
    mail = EmailMessage(f"Contact: {subject}", message, to=[settings.DEFAULT_FROM_EMAIL],
                        reply_to=[formataddr((name, email))])
    try:
        mail.send()
    except BadHeaderError:
        return "refused"
    return "sent"
    ### END SOLUTION
