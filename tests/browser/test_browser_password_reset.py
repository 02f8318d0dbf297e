"""Forget the password, follow the emailed link, choose a new one, log in with it."""

import pytest
from playwright.sync_api import expect

from notifications.checks import check_email
from tests.browser.pages import PASSWORD, links_to, log_in, new_reader, wait_for_email

pytestmark = pytest.mark.services

NEW_PASSWORD = "another-long-pass-phrase-2"


def test_reset_the_password_from_the_emailed_link(live, page):
    username, email = new_reader(page, live, "forgetful")

    page.goto(f"{live.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.fill("#id_email", email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    message = wait_for_email(live, email, "Reset your Library System password")
    assert check_email(message, site_url=live.url) == []
    [reset_url] = set(links_to(message.html, "/accounts/password/reset/"))
    assert reset_url in message.text

    page.goto(reset_url)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()
    # Every change of password is announced to the address, whatever made it.
    alert = wait_for_email(live, email, "password was changed")
    assert check_email(alert, site_url=live.url) == []

    # A reset link works once.
    page.goto(reset_url)
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()

    log_in(page, live, username, PASSWORD)
    expect(page.locator(".errorlist")).to_contain_text("correct username and password")
    log_in(page, live, username, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.locator("header")).to_contain_text(username)
