"""Subscribe on the profile page, get the newsletter staff send from the admin, unsubscribe."""

import pytest
from playwright.sync_api import expect

from notifications.checks import check_email
from tests.browser.live import ADMIN
from tests.browser.pages import links_to, log_in, new_reader, unique_name, wait_for_email

pytestmark = pytest.mark.services


def send_newsletter_from_the_admin(page, live, title):
    """Write a newsletter in the admin and send it with the admin action, as staff do."""
    page.goto(f"{live.url}/admin/login/")
    page.fill("#id_username", ADMIN[0])
    page.fill("#id_password", ADMIN[1])
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live.url}/admin/newsletters/newsletter/add/")
    page.fill("#id_title", title)
    page.fill("#id_body", "Dear readers,\n\nThe reading room now opens at eight.")
    page.locator("input[name=_save]").click()
    row = page.locator("#result_list tr", has_text=title)
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "send_selected")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text(f"{title}: ")
    expect(page.locator(".messagelist")).to_contain_text("emails sent")


def test_subscribe_receive_and_unsubscribe(live, new_page):
    reader, staff = new_page(), new_page()
    username, email = new_reader(reader, live, "subscriber")
    log_in(reader, live, username)
    newsletter_box = reader.get_by_label("Newsletter and weekly report")
    expect(newsletter_box).not_to_be_checked()
    newsletter_box.check()
    reader.get_by_role("button", name="Save").click()
    expect(reader.locator(".messages")).to_contain_text("Your email choices are saved.")

    title = f"Opening hours {unique_name('')}"
    send_newsletter_from_the_admin(staff, live, title)

    message = wait_for_email(live, email, title)
    assert message.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert check_email(message, site_url=live.url) == []
    [unsubscribe_url] = links_to(message.html, "/newsletters/unsubscribe/")
    assert message.header("List-Unsubscribe") == f"<{unsubscribe_url}>"

    reader.goto(unsubscribe_url)
    expect(reader.locator("main")).to_contain_text(f"Stop sending the newsletter and weekly "
                                                   f"report to {email}?")
    reader.locator("main").get_by_role("button", name="Unsubscribe").click()
    expect(reader.locator("#unsubscribed")).to_have_text("You are unsubscribed")
    expect(reader.locator("main")).to_contain_text(
        f"We will no longer send the newsletter and weekly report to {email}.")

    reader.goto(f"{live.url}/accounts/profile/")
    expect(reader.get_by_label("Newsletter and weekly report")).not_to_be_checked()
