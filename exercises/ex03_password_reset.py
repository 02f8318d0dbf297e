"""Send a password-reset email whose link works.

Write `send_password_reset(user)`: email `user` a link that lets them choose a
new password, and return the number of emails sent. The link is absolute:
`settings.SITE_URL` followed by the path of the `accounts:password_reset_confirm`
view, whose arguments are the user's id encoded with `urlsafe_base64_encode`
and a token from Django's `default_token_generator`.

Render the `password_reset` templates (see exercise 2) with the context
`user`, `reset_url`, `reset_hours` (`settings.PASSWORD_RESET_TIMEOUT` in hours),
`site_name` and `site_url`.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def reset_link(user):
    """Return the absolute link that lets `user` choose a new password."""
    raise NotImplementedError(
        'reverse("accounts:password_reset_confirm", kwargs={"uidb64": ..., "token": ...}); '
        'uidb64 is urlsafe_base64_encode(force_bytes(user.pk)).'
    )


def send_password_reset(user):
    """Email `user` the link that resets their password; return the number sent."""
    raise NotImplementedError(
        'build the context, render subject.txt, body.txt and body.html of '
        'emails/password_reset/, and send as in exercise 2.'
    )
