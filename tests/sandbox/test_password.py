"""Password reset through Django's views, and the security alert on every change."""

import pytest
from django.urls import reverse

from tests.support.sandbox import html_part, links, site_path

pytestmark = pytest.mark.django_db


def request_reset(client, email="reader@example.com"):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def reset_link(message):
    return next(url for url in links(message.body) if "/password/reset/" in url)


def set_new_password(client, link, password="a-brand-new-phrase"):
    form_page = client.get(site_path(link), follow=True)
    assert form_page.status_code == 200
    return client.post(form_page.redirect_chain[-1][0], {
        "new_password1": password, "new_password2": password})


def test_reset_email_carries_a_working_link(client, reader, mailoutbox):
    response = request_reset(client)

    assert response.status_code == 302
    message = mailoutbox[0]
    assert message.to == ["reader@example.com"] and "reset" in message.subject.lower()
    assert reset_link(message) in html_part(message)

    done = set_new_password(client, reset_link(message))

    assert done.status_code == 302
    assert client.login(username="reader", password="a-brand-new-phrase")


def test_reset_sends_a_security_alert(client, reader, mailoutbox):
    request_reset(client)
    set_new_password(client, reset_link(mailoutbox[0]))

    alert = mailoutbox[-1]
    assert alert.to == ["reader@example.com"]
    assert "password" in alert.subject.lower()
    assert "/accounts/password/reset/" in alert.body  # "not you? reset it" link


def test_password_change_sends_a_security_alert(client, reader, mailoutbox):
    client.force_login(reader)

    client.post(reverse("accounts:password_change"), {
        "old_password": "a-long-pass-phrase",
        "new_password1": "another-long-phrase", "new_password2": "another-long-phrase"})

    assert [m.to for m in mailoutbox] == [["reader@example.com"]]
    assert "password" in mailoutbox[0].subject.lower()


def test_saving_a_user_without_a_new_password_sends_nothing(reader, mailoutbox):
    reader.first_name = "Renamed"
    reader.save()
    assert mailoutbox == []


def test_reset_link_works_only_once(client, reader, mailoutbox):
    request_reset(client)
    link = reset_link(mailoutbox[0])
    set_new_password(client, link)

    again = client.get(site_path(link), follow=True)

    assert "This link does not work" in again.text


def test_tampered_reset_link_changes_nothing(client, reader, mailoutbox):
    request_reset(client)
    link = reset_link(mailoutbox[0])

    page = client.get(site_path(link[:-4] + "zzz/"), follow=True)

    assert "This link does not work" in page.text
    reader.refresh_from_db()
    assert reader.check_password("a-long-pass-phrase")


def test_expired_reset_link_is_refused(client, reader, mailoutbox, settings):
    request_reset(client)
    settings.PASSWORD_RESET_TIMEOUT = -1

    page = client.get(site_path(reset_link(mailoutbox[0])), follow=True)

    assert "This link does not work" in page.text


def test_second_reset_within_a_minute_is_rate_limited(client, reader, mailoutbox):
    request_reset(client)
    second = request_reset(client)

    assert len(mailoutbox) == 1
    assert second.status_code == 200
    assert "wait a minute" in second.text


def test_rate_limit_answers_the_same_for_unknown_addresses(client, mailoutbox):
    first = request_reset(client, "nobody@example.com")
    second = request_reset(client, "nobody@example.com")

    assert first.status_code == 302 and "wait a minute" in second.text
    assert mailoutbox == []
