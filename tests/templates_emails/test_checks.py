"""The inbox checks: every template passes them, and each check catches what it should.

Each check is shown passing on a small good email and failing on the same
email with one thing broken, so a failure names exactly one check.
"""

import pytest
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from notifications.checks import GMAIL_CLIP_BYTES, check_email, text_similarity
from notifications.delivery import build_message
from notifications.models import EmailLog
from notifications.rendering import EmailTemplates
from notifications.samples import KINDS, book, sample_context
from notifications.service import EmailService
from outbox import parse

SITE = settings.SITE_URL
ORDER_URL = f"{SITE}/orders/42/"
UNSUBSCRIBE_URL = f"{SITE}/newsletters/unsubscribe/abc:1tZ:sig/"
STYLE = "<style>@media (max-width: 620px) { .box { width: 100% !important; } }</style>"


def html_email(body, head=STYLE):
    return (f'<!DOCTYPE html><html lang="en"><head>{head}</head>'
            f'<body style="margin: 0;">{body}</body></html>')


GOOD_BODY = ('<h1 style="color: #2c5282;">Your order has shipped</h1>'
             '<p class="box" style="padding: 8px;">Hello Rita, your books are on their way.</p>'
             f'<p><a href="{ORDER_URL}" style="color: #2c5282;">View your order</a></p>'
             '<img src="https://images.example.com/logo.png" alt="Library System" width="120">')
GOOD_HTML = html_email(GOOD_BODY)
GOOD_TEXT = ("Your order has shipped\n\nHello Rita, your books are on their way.\n\n"
             f"View your order: {ORDER_URL}\n\n-- \nLibrary System\n")


def checks_failing(html=GOOD_HTML, text=GOOD_TEXT, **options):
    """Return the names of the checks that found something, each once."""
    return {finding.check for finding in check_email(html, text=text, **options)}


def messages_of(html=GOOD_HTML, text=GOOD_TEXT, **options):
    return " | ".join(str(finding) for finding in check_email(html, text=text, **options))


def sent_message(kind, context=None):
    """Return the Django message the EmailService would send for `kind`, without a database."""
    context = context or sample_context(kind)
    rendered = EmailTemplates(kind).render(context)
    log = EmailLog(kind=kind, recipient=context["recipient"],
                   from_email=settings.DEFAULT_FROM_EMAIL, subject=rendered.subject,
                   text_body=rendered.text, html_body=rendered.html, attachments=[],
                   headers=EmailService().headers_for(context["unsubscribe_url"], {}))
    return build_message(log)


# ---- every template ----

@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_passes_every_check(kind):
    assert check_email(sent_message(kind)) == []


def test_busy_weekly_report_passes_every_check():
    context = {**sample_context("weekly_report"),
               "books": [book(n, description="A very good book. " * 100) for n in range(100)]}
    assert check_email(sent_message("weekly_report", context)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_message_read_back_from_an_outbox_gives_the_same_findings(kind):
    message = sent_message(kind)
    assert check_email(parse(message.message().as_bytes())) == check_email(message) == []


def test_the_good_example_passes():
    assert check_email(GOOD_HTML, text=GOOD_TEXT) == []


# ---- text part ----

def test_no_text_part_is_found():
    assert checks_failing(text=None) == {"text-part"}
    assert "no text/plain part" in messages_of(text="  \n")


def test_text_part_must_write_out_every_link():
    text = GOOD_TEXT.replace(f": {ORDER_URL}", " on the website")
    assert checks_failing(text=text) == {"text-part"}
    assert f"does not write out the link {ORDER_URL}" in messages_of(text=text)


def test_text_part_must_carry_the_headline():
    text = GOOD_TEXT.replace("Your order has shipped\n\n", "")
    assert "lacks the headline 'Your order has shipped'" in messages_of(text=text)


def test_text_part_that_says_something_else_is_found():
    text = f"Your order has shipped\n\nCheap watches, today only! {ORDER_URL}\n"
    assert checks_failing(text=text) == {"text-part"}
    assert "share" in messages_of(text=text)


def test_similarity_is_one_for_the_same_words_and_zero_for_none():
    assert text_similarity("Hello Rita, see you", "hello   rita see YOU") == 1.0
    assert text_similarity("Hello Rita", "Cheap watches") == 0.0
    # Addresses are compared as links, not as words.
    assert text_similarity("See the book", f"See the book: {ORDER_URL}") == 1.0
    assert text_similarity("a b c d", "a b") == pytest.approx(2 * 2 / 6)


# ---- CSS inlined ----

def test_media_rules_may_stay_in_style():
    assert "css-inlined" not in checks_failing(html=html_email(GOOD_BODY, head=STYLE))


def test_rules_left_in_style_and_elements_styled_only_by_them_are_found():
    head = "<style>.box { padding: 8px; } h1 { color: red; }</style>"
    body = GOOD_BODY.replace(' style="padding: 8px;"', "")
    findings = messages_of(html=html_email(body, head=head))
    assert checks_failing(html=html_email(body, head=head)) == {"css-inlined"}
    assert "2 rule(s) left in <style> (.box, h1)" in findings
    assert '<p class="box"> is styled only by <style> rules for .box' in findings


def test_stylesheet_link_is_found():
    head = '<link rel="stylesheet" href="https://cdn.example.com/email.css">'
    assert checks_failing(html=html_email(GOOD_BODY, head=head)) == {"css-inlined"}


# ---- images ----

def test_image_without_alt_is_found():
    html = GOOD_HTML.replace(' alt="Library System"', "")
    assert checks_failing(html=html) == {"img-alt"}
    assert "has no alt attribute" in messages_of(html=html)


def test_empty_alt_only_on_decorative_images():
    empty = GOOD_HTML.replace('alt="Library System"', 'alt=""')
    assert checks_failing(html=empty) == {"img-alt"}
    for marked in ('alt="" role="presentation"', 'alt="" width="1" height="1"'):
        html = GOOD_HTML.replace('alt="Library System" width="120"', marked)
        assert checks_failing(html=html) == set()


# ---- links ----

@pytest.mark.parametrize("href", [
    "/orders/42/", "orders/42/", "#top", "", "//example.com/x", "javascript:alert(1)",
    f"{SITE}/no/such/page/", f"{SITE}/static/no-such-file.png", "http://localhost:9999/orders/1/",
])
def test_bad_links_are_found(href):
    html = GOOD_HTML.replace(f'href="{ORDER_URL}"', f'href="{href}"')
    assert "links" in checks_failing(html=html, text=GOOD_TEXT.replace(ORDER_URL, "(see site)"))


@pytest.mark.parametrize("href", [
    "https://www.example.org/books", "mailto:library@example.com", "tel:+441234567",
    f"{SITE}", f"{SITE}/", f"{SITE}/books/7/?utm_source=email#reviews",
    f"{SITE}/static/admin/css/base.css",
])
def test_good_links_pass(href):
    html = GOOD_HTML.replace(f'href="{ORDER_URL}"', f'href="{href}"')
    text = GOOD_TEXT.replace(ORDER_URL, href)
    assert checks_failing(html=html, text=text) == set()


def test_relative_image_source_is_found():
    html = GOOD_HTML.replace("https://images.example.com/logo.png", "/logo.png")
    assert checks_failing(html=html) == {"links"}


def test_links_of_the_text_part_are_checked_too():
    text = GOOD_TEXT + f"Old page: {SITE}/old-page/.\n"
    assert checks_failing(text=text) == {"links"}
    assert f"{SITE}/old-page/ in the text part" in messages_of(text=text)


def test_site_url_can_be_given():
    other = "http://127.0.0.1:8123"
    html = GOOD_HTML.replace(SITE, other)
    text = GOOD_TEXT.replace(SITE, other)
    assert "points at this machine but not at SITE_URL" in messages_of(html=html, text=text)
    assert checks_failing(html=html, text=text, site_url=other) == set()


# ---- size ----

def test_html_over_gmail_clipping_limit_is_found():
    padding = "<!-- " + "x" * GMAIL_CLIP_BYTES + " -->"
    html = GOOD_HTML.replace("</body>", padding + "</body>")
    assert checks_failing(html=html) == {"size"}
    assert "Gmail clips" in messages_of(html=html)


# ---- List-Unsubscribe ----

BULK_HTML = GOOD_HTML.replace("</body>", f'<p><a href="{UNSUBSCRIBE_URL}">Unsubscribe</a></p>'
                                         "</body>")
BULK_TEXT = GOOD_TEXT + f"Unsubscribe: {UNSUBSCRIBE_URL}\n"
ONE_CLICK = {"List-Unsubscribe": f"<{UNSUBSCRIBE_URL}>",
             "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def test_bulk_mail_with_one_click_headers_passes():
    assert checks_failing(html=BULK_HTML, text=BULK_TEXT, headers=ONE_CLICK) == set()


def test_bulk_mail_without_list_unsubscribe_is_found():
    assert checks_failing(html=BULK_HTML, text=BULK_TEXT) == {"list-unsubscribe"}
    # Bulk is told by the unsubscribe link, by List-Id or Precedence, or by the caller.
    assert checks_failing(headers={"Precedence": "bulk"}) == {"list-unsubscribe"}
    assert checks_failing(headers={"List-Id": "<news.library.example>"}) == {"list-unsubscribe"}
    assert checks_failing(bulk=True) == {"list-unsubscribe"}


def test_transactional_mail_needs_no_list_unsubscribe():
    assert checks_failing() == set()
    assert checks_failing(html=BULK_HTML, text=BULK_TEXT, bulk=False) == set()


def test_one_click_post_header_is_required():
    headers = {"List-Unsubscribe": ONE_CLICK["List-Unsubscribe"]}
    assert "List-Unsubscribe-Post" in messages_of(html=BULK_HTML, text=BULK_TEXT,
                                                  headers=headers)


@pytest.mark.parametrize("value", [UNSUBSCRIBE_URL, f"<{SITE}/no/such/unsubscribe/>"])
def test_list_unsubscribe_must_hold_a_working_address(value):
    headers = {**ONE_CLICK, "List-Unsubscribe": value}
    assert checks_failing(html=BULK_HTML, text=BULK_TEXT, headers=headers) == {
        "list-unsubscribe"}


# ---- what check_email takes ----

def test_django_messages_and_raw_bytes_are_read_with_their_headers():
    message = EmailMultiAlternatives("Shipped", BULK_TEXT, "library@example.com",
                                     ["rita@example.com"])
    message.attach_alternative(BULK_HTML, "text/html")
    assert {f.check for f in check_email(message)} == {"list-unsubscribe"}
    message.extra_headers.update(ONE_CLICK)
    assert check_email(message) == []
    assert check_email(message.message().as_bytes()) == []
    assert check_email(message.message()) == []


def test_a_rendered_email_is_read_as_html_and_text():
    rendered = EmailTemplates("welcome").render(sample_context("welcome"))
    assert check_email(rendered) == []
