"""Sign-up: welcome email with a verification link that activates the account once."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from notifications.models import EmailLog
from tests.support.sandbox import html_part, links, site_path

pytestmark = pytest.mark.django_db
User = get_user_model()

FORM = {
    "username": "zoe",
    "first_name": "Zoë",
    "email": "zoe@example.com",
    "password1": "correct-horse-battery",
    "password2": "correct-horse-battery",
    "subscribe_to_notifications": "on",
}


def sign_up(client, **changes):
    return client.post(reverse("accounts:signup"), {**FORM, **changes})


def verify_link(message):
    return next(url for url in links(message.body) if "/accounts/verify/" in url)


def test_signup_sends_welcome_email_with_text_and_html(client, mailoutbox):
    response = sign_up(client)

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["zoe@example.com"]
    assert "Welcome" in message.subject
    assert "Hello Zoë" in message.body
    html = html_part(message)
    assert "Hello Zoë" in html and 'style="' in html  # CSS inlined
    assert verify_link(message) in html
    log = EmailLog.objects.get(kind="welcome")
    assert log.status == "sent" and log.attempts == 1
    assert message.extra_headers["X-Library-Email-Id"] == str(log.pk)


def test_new_account_is_inactive_until_verified(client, mailoutbox):
    sign_up(client)
    user = User.objects.get(username="zoe")
    assert not user.is_active and user.profile.subscribed_to_notifications

    response = client.get(site_path(verify_link(mailoutbox[0])))

    assert response.status_code == 200
    assert "Your account is active" in response.text
    user.refresh_from_db()
    assert user.is_active and user.profile.email_verified
    assert client.login(username="zoe", password=FORM["password1"])


def test_verification_link_works_only_once(client, mailoutbox):
    sign_up(client)
    path = site_path(verify_link(mailoutbox[0]))
    client.get(path)

    response = client.get(path)

    assert response.status_code == 400
    assert "already been used" in response.text


def test_tampered_verification_link_is_refused_and_changes_nothing(client, mailoutbox):
    sign_up(client)
    path = site_path(verify_link(mailoutbox[0]))

    response = client.get(path[:-3] + "xyz/")

    assert response.status_code == 400
    assert "not valid" in response.text
    assert not User.objects.get(username="zoe").is_active


def test_expired_verification_link_is_refused(client, mailoutbox, settings):
    sign_up(client)
    settings.EMAIL_VERIFICATION_TIMEOUT = -1

    response = client.get(site_path(verify_link(mailoutbox[0])))

    assert response.status_code == 400
    assert "expired" in response.text
    assert not User.objects.get(username="zoe").is_active


def test_invalid_address_is_refused_at_the_form(client, mailoutbox):
    response = sign_up(client, email="zoe@@example")

    assert response.status_code == 200
    assert "Enter a valid email address" in response.text
    assert mailoutbox == [] and not User.objects.exists()


def test_newline_in_name_is_refused_at_the_form(client, mailoutbox):
    response = sign_up(client, first_name="Zoë\r\nBcc: victim@example.com")

    assert "cannot contain line breaks" in response.text
    assert mailoutbox == []


def test_hostile_name_is_escaped_in_html_and_inert_in_text(client, mailoutbox):
    sign_up(client, first_name="<script>alert(1)</script>")

    message = mailoutbox[0]
    assert "<script>" not in html_part(message)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_part(message)
    # text/plain is never interpreted, so the name shows exactly as typed.
    assert "Hello <script>alert(1)</script>," in message.body
    assert message.message().get_content_type() == "multipart/alternative"


def test_apostrophes_read_naturally_in_subject_and_text(client, mailoutbox):
    sign_up(client, first_name="Siobhán O'Brien & Co")

    message = mailoutbox[0]
    assert "O'Brien & Co" in message.subject and "O'Brien & Co" in message.body
    assert "O'Brien &amp; Co" in html_part(message)  # escaped, then re-serialized


def test_resend_verification_sends_a_fresh_link_once_a_minute(client, mailoutbox):
    sign_up(client)
    url = reverse("accounts:resend_verification")

    client.post(url, {"email": "zoe@example.com"})
    second = client.post(url, {"email": "zoe@example.com"})

    assert [m.subject for m in mailoutbox][1:] == [mailoutbox[1].subject]
    assert "/accounts/verify/" in mailoutbox[1].body
    assert "wait a minute" in second.text


def test_resend_verification_does_not_reveal_unknown_addresses(client, mailoutbox):
    response = client.post(reverse("accounts:resend_verification"),
                           {"email": "nobody@example.com"}, follow=True)

    assert "If an unconfirmed account uses this address" in response.text
    assert mailoutbox == []
