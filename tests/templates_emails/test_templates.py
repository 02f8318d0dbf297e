"""The email templates: every kind renders, inlines, links and escapes as it should.

These tests render templates/emails/ with the project's template engine
(autoescaping on) and sample objects, so they need no database and no mail
service. One test also runs each kind through the EmailService's renderer.
"""

import html
import re
from types import SimpleNamespace

import css_inline
import pytest
from django.conf import settings
from django.template.loader import get_template

from notifications.rendering import render_plain
from notifications.samples import KINDS, book, reader, sample_context

SITE_URL = settings.SITE_URL
BULK_KINDS = set(settings.EMAIL_BULK_KINDS)
GMAIL_CLIP_BYTES = 102 * 1024
HOSTILE_NAME = "<script>alert(1)</script>"
TEMPLATES_DIR = settings.REPO_DIR / "templates" / "emails"

LINK = re.compile(r"https?://[^\s\"'<>]+")
HREF = re.compile(r'href="([^"]+)"')


def render(kind, context):
    """Render subject, HTML and text of `kind` as the service does, before inlining."""
    context = dict(context)
    subject = render_plain(get_template(f"emails/{kind}/subject.txt"), context).strip()
    context["subject"] = subject
    body_html = get_template(f"emails/{kind}/body.html").render(context)
    body_text = render_plain(get_template(f"emails/{kind}/body.txt"), context)
    return subject, body_html, body_text


def inline(body_html, **options):
    return css_inline.CSSInliner(load_remote_stylesheets=False, **options).inline(body_html)


def absolute_links(body_html):
    """Return the absolute URLs the HTML links to, unescaped."""
    return {html.unescape(url) for url in HREF.findall(body_html) if LINK.fullmatch(url)}


def test_every_template_folder_has_a_sample():
    folders = {path.parent.name for path in TEMPLATES_DIR.glob("*/subject.txt")}
    assert folders == set(KINDS)


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture
def rendered(kind):
    return render(kind, sample_context(kind))


def test_subject_is_one_non_empty_line(rendered):
    subject, _, _ = rendered
    assert subject and "\n" not in subject and "\r" not in subject
    assert len(subject) < 100


def test_nothing_is_left_unrendered(rendered):
    for part in rendered:
        for leftover in ("{{", "}}", "{%", "%}", "{#"):
            assert leftover not in part


def test_html_is_a_complete_email_document(rendered):
    subject, body_html, _ = rendered
    assert body_html.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in body_html and '<meta charset="utf-8">' in body_html
    assert f"<title>{html.escape(subject)}</title>" in body_html
    assert 'class="container"' in body_html and 'width="600"' in body_html
    assert all('role="presentation"' in tag for tag in re.findall(r"<table[^>]*>", body_html)
               if "items" not in tag)  # the order receipt is a real data table
    assert "Library System" in body_html


def test_css_is_inlined_on_the_container(rendered):
    inlined = inline(rendered[1])
    container = re.search(r'<table[^>]*class="container"[^>]*>', inlined).group(0)
    assert "width: 600px" in container
    button = re.search(r'<a[^>]*class="button"[^>]*>', inlined)
    if button:
        assert "background-color: #2c5282" in button.group(0)
    assert "<style" not in inlined  # everything was inlinable or dropped


def test_phone_rule_survives_inlining_as_the_service_does_it(rendered):
    # The service keeps <style> (keep_style_tags=True); keep_at_rules keeps only @media.
    for options in ({"keep_style_tags": True}, {"keep_at_rules": True}):
        inlined = inline(rendered[1], **options)
        assert "@media (max-width: 620px)" in inlined


def test_html_stays_under_gmail_clipping_limit(rendered):
    assert len(inline(rendered[1], keep_style_tags=True).encode()) < GMAIL_CLIP_BYTES


def test_text_writes_out_every_link_of_the_html(rendered):
    _, body_html, body_text = rendered
    links = absolute_links(body_html)
    assert links, "every email links at least to the site"
    for url in links:
        assert url in LINK.findall(body_text), url


def test_greeting_uses_first_name_or_username(kind):
    _, body_html, body_text = render(kind, sample_context(kind))
    assert "Hello Rita," in body_html and "Hello Rita," in body_text
    _, body_html, body_text = render(kind, sample_context(kind, reader(first_name="")))
    assert "Hello rita," in body_html and "Hello rita," in body_text


def test_hostile_name_is_escaped_in_html_and_verbatim_in_text(kind):
    user = reader(first_name=HOSTILE_NAME, username="<b>bold</b>")
    subject, body_html, body_text = render(kind, sample_context(kind, user))
    assert "<script>" not in body_html and "<b>" not in body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body_html
    # Plain text is never interpreted: entities there would only garble names.
    assert f"Hello {HOSTILE_NAME}," in body_text
    assert "&lt;" not in body_text and "&lt;" not in subject


def test_unsubscribe_link_only_in_bulk_mail(kind, rendered):
    _, body_html, body_text = rendered
    if kind in BULK_KINDS:
        url = sample_context(kind)["unsubscribe_url"]
        assert f'<a href="{url}">Unsubscribe</a>' in body_html
        assert f"Unsubscribe: {url}" in body_text
    else:
        assert "unsubscribe" not in body_html.lower()
        assert "unsubscribe" not in body_text.lower()


def test_text_ends_with_signature_block(rendered):
    body_text = rendered[2]
    signature = body_text.rpartition("\n-- \n")[2].splitlines()
    assert "Library System" in signature and SITE_URL in signature


def test_order_receipt_lists_every_line_and_the_total():
    subject, body_html, body_text = render("order_confirmation",
                                           sample_context("order_confirmation"))
    assert "LIB-000042" in subject
    for part in (body_html, body_text):
        assert "Fluent Python" in part and "Two Scoops of Django" in part
        assert "108.00" in part and "39.95" in part and "147.95" in part
        assert "invoice" in part.lower() and "PDF" in part
    assert "147.95 EUR" in body_html
    # The text columns line up: two item rows and the total row end at the same place.
    rows = [line for line in body_text.splitlines() if re.search(r"\d+\.\d\d$", line)]
    assert len(rows) == 3 and len({len(row) for row in rows}) == 1
    assert rows[-1].startswith("Total (EUR)")


def test_weekly_report_lists_books_with_their_links():
    _, body_html, body_text = render("weekly_report", sample_context("weekly_report"))
    for n in (1, 2):
        assert f"Fluent Python vol. {n}" in body_html and f"Fluent Python vol. {n}" in body_text
        assert f'href="{SITE_URL}/books/{n}/"' in body_html
        assert f"{SITE_URL}/books/{n}/" in body_text
    assert "no new books" not in body_text.lower()


def test_empty_weekly_report_says_so():
    context = {**sample_context("weekly_report"), "books": []}
    subject, body_html, body_text = render("weekly_report", context)
    for part in (subject, body_html, body_text):
        assert "no new books" in part.lower()


def test_busy_weekly_report_stays_under_gmail_clipping_limit():
    long_text = "A long description of a very good book. " * 60
    context = {**sample_context("weekly_report"),
               "books": [book(n, description=long_text) for n in range(100)]}
    body_html = inline(render("weekly_report", context)[1], keep_style_tags=True)
    assert len(body_html.encode()) < GMAIL_CLIP_BYTES


def test_newsletter_paragraphs_become_html_paragraphs():
    _, body_html, body_text = render("newsletter", sample_context("newsletter"))
    assert "<p>The reading room opens late on Fridays.</p>" in body_html
    assert f'<a href="{SITE_URL}/" rel="nofollow">' in body_html
    assert "Dear readers,\n\nThe reading room opens late on Fridays." in body_text


def test_hostile_newsletter_body_is_escaped():
    context = sample_context("newsletter")
    context["newsletter"] = SimpleNamespace(title="<i>Hi</i>", body="<img src=x onerror=alert(1)>")
    subject, body_html, body_text = render("newsletter", context)
    assert "<img" not in body_html and "<i>" not in body_html
    assert subject.startswith("<i>Hi</i>")  # a subject is plain text, shown as typed
    assert "&lt;img src=x onerror=alert(1)&gt;" in body_html


def test_each_kind_renders_through_the_email_service(kind):
    from notifications.rendering import EmailTemplates

    email = EmailTemplates(kind).render(sample_context(kind))
    assert email.subject and email.html.startswith("<!DOCTYPE html>")
    assert 'style="' in re.search(r'<table[^>]*class="container"[^>]*>', email.html).group(0)
    for url in absolute_links(email.html):
        assert url in email.text
