"""Newsletter and weekly report with RFC 8058 one-click unsubscribe."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import Book
from newsletters.models import Newsletter
from newsletters.sending import send_newsletter, send_weekly_report
from newsletters.tokens import make_token
from tests.support.sandbox import html_part, links, site_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscriber(make_reader):
    return make_reader("fan", newsletter=True, first_name="Fan")


@pytest.fixture
def newsletter(db):
    return Newsletter.objects.create(title="Autumn reading", body="Hello.\n\nNew shelves!")


def unsubscribe_link(message):
    return message.extra_headers["List-Unsubscribe"].strip("<>")


def test_newsletter_goes_to_subscribers_with_one_click_headers(subscriber, make_reader,
                                                               newsletter, mailoutbox):
    make_reader("quiet", newsletter=False)

    send_newsletter(newsletter)

    assert [m.to for m in mailoutbox] == [["fan@example.com"]]
    message = mailoutbox[0]
    assert message.subject and "Autumn reading" in message.subject
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_link(message) in message.body
    assert unsubscribe_link(message) in html_part(message)
    newsletter.refresh_from_db()
    assert newsletter.sent_at is not None


def test_one_click_post_unsubscribes_at_once_without_csrf(subscriber, newsletter, mailoutbox):
    send_newsletter(newsletter)
    mail_client = Client(enforce_csrf_checks=True)  # a mail client has no session or token

    response = mail_client.post(site_path(unsubscribe_link(mailoutbox[0])),
                                {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    subscriber.profile.refresh_from_db()
    assert not subscriber.profile.subscribed_to_newsletter


def test_get_shows_a_confirmation_page_and_changes_nothing(client, subscriber, newsletter,
                                                          mailoutbox):
    send_newsletter(newsletter)
    link = next(u for u in links(mailoutbox[0].body) if "/unsubscribe/" in u)

    page = client.get(site_path(link))

    assert page.status_code == 200 and "Stop sending" in page.text
    subscriber.profile.refresh_from_db()
    assert subscriber.profile.subscribed_to_newsletter
    client.post(site_path(link))
    subscriber.profile.refresh_from_db()
    assert not subscriber.profile.subscribed_to_newsletter


def test_reused_unsubscribe_link_says_so_and_changes_nothing(client, subscriber):
    path = site_path_for(subscriber)
    client.post(path)

    again = client.post(path)

    assert again.status_code == 200 and "already unsubscribed" in again.text


def test_tampered_unsubscribe_token_is_refused(client, subscriber):
    token = make_token(subscriber, "newsletter").replace(".newsletter:", ".book_news:")

    response = client.post(reverse("newsletters:unsubscribe", args=[token]))

    assert response.status_code == 400 and "not valid" in response.text
    subscriber.profile.refresh_from_db()
    assert subscriber.profile.subscribed_to_newsletter


def test_expired_unsubscribe_token_is_refused(client, subscriber, settings):
    path = site_path_for(subscriber)
    settings.UNSUBSCRIBE_TIMEOUT = -1

    response = client.post(path)

    assert response.status_code == 400 and "expired" in response.text
    subscriber.profile.refresh_from_db()
    assert subscriber.profile.subscribed_to_newsletter


def test_token_names_neither_the_user_nor_the_address(subscriber):
    key = make_token(subscriber, "newsletter").split(".")[0]
    assert key == subscriber.profile.email_key.hex
    assert "fan" not in key and "@" not in key


def test_weekly_report_lists_this_weeks_books(subscriber, mailoutbox):
    Book.objects.bulk_create([
        Book(title="Brand New", author="A", isbn="1", price=Decimal("9.00")),
        Book(title="Very Old", author="B", isbn="2", price=Decimal("9.00")),
    ])
    Book.objects.filter(isbn="2").update(added_at=timezone.now() - timedelta(days=30))

    send_weekly_report()

    message = mailoutbox[0]
    assert "Brand New" in message.body and "Very Old" not in message.body
    assert "List-Unsubscribe" in message.extra_headers


def test_empty_weekly_report_still_reads_well(subscriber, mailoutbox):
    send_weekly_report()
    assert "no new books" in mailoutbox[0].body.lower()


def site_path_for(user):
    return reverse("newsletters:unsubscribe", args=[make_token(user, "newsletter")])
