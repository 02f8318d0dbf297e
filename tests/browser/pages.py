"""What a reader does in the sandbox's pages, and how a test waits for their emails."""

import html
import itertools
import re
import uuid
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.support.processes import wait_until

PASSWORD = "a-long-pass-phrase-1"
# The worker sends within a second; the margin covers a slow, busy machine.
MAIL_TIMEOUT = 20
HREF = re.compile(r'href="([^"]+)"')
_numbers = itertools.count(1)


def unique_name(prefix):
    """Return a username no other test of this run uses."""
    return f"{prefix}{next(_numbers)}{uuid.uuid4().hex[:6]}"


def sign_up(page, live, username, *, first_name="", password=PASSWORD):
    """Fill in and send the sign-up form; return the address used."""
    email = f"{username}@example.com"
    page.goto(f"{live.url}/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_first_name", first_name)
    page.fill("#id_email", email)
    page.fill("#id_password1", password)
    page.fill("#id_password2", password)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(page.locator("main")).to_contain_text(email)
    return email


def log_in(page, live, username, password=PASSWORD):
    page.goto(f"{live.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main").get_by_role("button", name="Log in").click()


def wait_for_email(live, to, subject_part, timeout=MAIL_TIMEOUT):
    """Return the first message to `to` whose subject contains `subject_part`."""

    def arrived():
        return next((message for message in live.outbox.messages()
                     if to in message.to and subject_part in message.subject), None)

    return wait_until(arrived, timeout, interval=0.1,
                      message=lambda: f"an email to {to} about {subject_part!r}")


def open_catcher(page, live):
    """Open the catcher's web UI; return once it has listed the mail and listens for more."""
    page.goto(live.catcher_url)
    expect(page.locator("#live")).to_have_text("live")
    # The UI lists the mail twice: on load and when the event stream opens. Mail that
    # arrives after both is added by the stream alone, which the test wants to see.
    page.wait_for_function("performance.getEntriesByType('resource')"
                           ".filter((entry) => entry.name.includes('/api/ui/messages?'))"
                           ".length >= 2")


def links_to(message_html, path_prefix):
    """Return the links of the HTML whose path starts with `path_prefix`, in order."""
    links = [html.unescape(url) for url in HREF.findall(message_html)]
    return [url for url in links if urlsplit(url).path.startswith(path_prefix)]


def new_reader(page, live, prefix="reader"):
    """Sign up in the page and follow the emailed link, so the account is active."""
    username = unique_name(prefix)
    email = sign_up(page, live, username)
    welcome = wait_for_email(live, email, "Welcome")
    page.goto(links_to(welcome.html, "/accounts/verify/")[0])
    expect(page.locator("#account-activated")).to_be_visible()
    return username, email
