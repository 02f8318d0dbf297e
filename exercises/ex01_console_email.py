"""Send a plain-text email on the console.

The first stage of the lesson prints every email instead of sending it. Write
`send_console_email(to, subject, body)`: send one plain-text email with Django's
`send_mail`, from the project's `DEFAULT_FROM_EMAIL` to the one address `to`,
and return the number of emails sent.

The grader runs it with the console backend (`EMAIL_STAGE=console`) and reads
what your function printed.
"""

from django.core.mail import send_mail


def send_console_email(to, subject, body):
    """Send one plain-text email to `to`; return the number of emails sent."""
    raise NotImplementedError(
        'send_mail(subject, message, from_email, recipient_list) returns how many it sent; '
        'from_email=None means settings.DEFAULT_FROM_EMAIL.'
    )
