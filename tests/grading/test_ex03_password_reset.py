"""ex03: a password-reset email whose link works."""

from datetime import datetime
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import Resolver404, resolve
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from grading.plan import SITE_URL


def reset_mail(observed):
    run = observed.run("ex03.reset")
    run.value(what="send_password_reset")
    return run, run.only_message(run.params["reader"]["email"])


def reset_link(message):
    links = [link for link in message.links if "/password/reset/" in link]
    if not links:
        pytest.fail("the text part holds no password-reset link")
    return links[0]


def confirm_view(link):
    """Return the kwargs of the reset-confirm view the link opens, or fail."""
    if not link.startswith(SITE_URL + "/"):
        pytest.fail(f"the link {link} is not absolute on the site ({SITE_URL})")
    try:
        match = resolve(urlsplit(link).path)
    except Resolver404:
        pytest.fail(f"the link {link} opens no page of the site")
    if match.view_name != "accounts:password_reset_confirm":
        pytest.fail(f"the link opens {match.view_name}, not accounts:password_reset_confirm")
    return match.kwargs


@pytest.mark.points(1)
def test_sends_email(observed):
    """Sends one email to the user, with a text and an HTML part."""
    _, message = reset_mail(observed)
    assert {"text/plain", "text/html"} <= set(message.content_types), (
        f"the email has the parts {message.content_types}")


@pytest.mark.points(2)
def test_link_opens_reset_page_of_user(observed):
    """The link is absolute and opens the password-reset page of this user."""
    run, message = reset_mail(observed)
    kwargs = confirm_view(reset_link(message))
    user = observed.user(run.params["reader"]["email"])
    try:
        uid = force_str(urlsafe_base64_decode(kwargs["uidb64"]))
    except (ValueError, TypeError):
        pytest.fail("the link's user id is not urlsafe base64")
    assert uid == str(user["id"]), f"the link names user {uid}, not {user['id']}"


@pytest.mark.points(2)
def test_token_is_valid(observed):
    """The link's token is one Django accepts for this user."""
    run, message = reset_mail(observed)
    kwargs = confirm_view(reset_link(message))
    row = observed.user(run.params["reader"]["email"])
    user = get_user_model()(pk=row["id"], email=row["email"], password=row["password"] or "",
                            last_login=_datetime(row.get("last_login")))
    generator = PasswordResetTokenGenerator()
    generator.secret = observed.secret_key
    assert generator.check_token(user, kwargs["token"]), (
        "Django refuses the token: make it with default_token_generator.make_token(user)")


def _datetime(value):
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None
