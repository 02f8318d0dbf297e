"""The catcher's web UI: mail appears live, and an email's scripts never run in the UI."""

import smtplib
from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from mailroom.runner import LOOPBACK
from tests.browser.pages import open_catcher, unique_name

pytestmark = pytest.mark.services

# Each line tries to reach the UI's page or origin; none may succeed.
HOSTILE_HTML = """<!DOCTYPE html>
<html><head><title>Hostile</title></head>
<body>
<h1>A hostile email</h1>
<script>
  document.body.setAttribute("data-ran", "script");
  localStorage.setItem("pwned", "script");
  window.top.document.title = "pwned by a script";
</script>
<img src="x" alt="broken" onerror="document.body.setAttribute('data-ran', 'onerror');
  window.top.document.title = 'pwned by onerror'">
<form action="http://127.0.0.1:9/steal"><input name="q"><button>Search</button></form>
</body></html>
"""


def send_hostile_email(live, subject):
    message = EmailMessage()
    message["From"] = "attacker@example.com"
    message["To"] = "victim@example.com"
    message["Subject"] = subject
    message.set_content("The text part is harmless.")
    message.add_alternative(HOSTILE_HTML, subtype="html")
    with smtplib.SMTP(LOOPBACK, live.mailroom.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)


def wait_for_console(page, console, text, timeout_ms=5_000):
    """Return once the page logged a line containing `text`; fail after `timeout_ms`."""
    for _ in range(timeout_ms // 50):
        if any(text in line for line in console):
            return
        page.wait_for_timeout(50)  # lets Playwright deliver the events meanwhile
    raise AssertionError(f"the console never said {text!r}: {console}")


def test_mail_appears_live_and_its_scripts_do_not_run(live, page):
    console = []
    page.on("console", lambda entry: console.append(entry.text))
    open_catcher(page, live)
    assert page.title() == "Mailroom"

    subject = f"Hostile {unique_name('mail')}"
    send_hostile_email(live, subject)
    row = page.locator("#messages tbody tr", has_text=subject)
    expect(row).to_have_class("fresh")  # pushed by the event stream; the page was not reloaded
    row.click()

    frame_element = page.locator("#html")
    frame = page.frame_locator("#html")
    expect(frame.get_by_role("heading", name="A hostile email")).to_be_visible()
    # An empty sandbox attribute: no allow-scripts, no allow-same-origin, nothing else.
    assert frame_element.get_attribute("sandbox") == ""
    content = next(f for f in page.frames if f.parent_frame is not None)
    assert content.evaluate("origin") == "null"  # an opaque origin, not the UI's

    expect(frame.locator("body[data-ran]")).to_have_count(0)
    assert page.title() == "Mailroom"
    assert page.evaluate("localStorage.getItem('pwned')") is None
    # Chromium says why: the scripts were there, and the sandbox stopped them.
    wait_for_console(page, console, "Blocked script execution in 'about:srcdoc'")

    frame.get_by_role("button", name="Search").click()
    wait_for_console(page, console, "Blocked form submission to 'http://127.0.0.1:9/steal'")
    assert page.url.startswith(live.catcher_url)
