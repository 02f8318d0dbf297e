"""Sign up in the page, find the welcome email in the catcher's UI, follow its link."""

import pytest
from playwright.sync_api import expect

from notifications.checks import check_email
from tests.browser.pages import log_in, open_catcher, sign_up, unique_name, wait_for_email

pytestmark = pytest.mark.services


def test_sign_up_then_confirm_from_the_welcome_email_in_the_catcher(live, new_page):
    catcher, site = new_page(), new_page()
    # The catcher's UI is open before the email exists: it must appear there live.
    open_catcher(catcher, live)

    username = unique_name("newreader")
    email = sign_up(site, live, username, first_name="Nora")

    row = catcher.locator("#messages tbody tr", has_text=email)
    expect(row).to_have_count(1, timeout=20_000)
    expect(row).to_have_class("fresh")  # added by the event stream, not by a reload
    expect(row).to_contain_text("Welcome to Library System, Nora")
    row.click()
    expect(catcher.locator("#subject")).to_have_text("Welcome to Library System, Nora")
    button = catcher.frame_locator("#html").get_by_role("link", name="Confirm your email address")
    verify_url = button.get_attribute("href")
    assert verify_url.startswith(f"{live.url}/accounts/verify/")
    catcher.get_by_role("tab", name="Text").click()
    expect(catcher.locator("#text")).to_contain_text(verify_url)

    # The account cannot be used before the address is confirmed.
    log_in(site, live, username)
    expect(site.locator(".errorlist")).to_be_visible()

    site.goto(verify_url)
    expect(site.locator("#account-activated")).to_have_text("Your account is active")
    expect(site.locator("main")).to_contain_text("Thank you, Nora")

    log_in(site, live, username)
    expect(site.get_by_role("heading", name="Your account")).to_be_visible()
    expect(site.locator("main")).to_contain_text(f"{username} · {email} (confirmed)")
    # What the worker sent passes the checks an inbox would run.
    assert check_email(wait_for_email(live, email, "Welcome"), site_url=live.url) == []


def test_a_confirmation_link_works_once(live, page):
    username = unique_name("twice")
    email = sign_up(page, live, username)
    link = wait_for_email(live, email, "Welcome").text.split("Confirm your email address:\n")[1]
    link = link.split()[0]
    page.goto(link)
    expect(page.locator("#account-activated")).to_be_visible()
    response = page.goto(link)
    assert response.status == 400
    expect(page.locator("main")).to_contain_text("not valid")
