"""Render an email kind from templates/emails/<kind>/ into subject, HTML and text."""

from dataclasses import dataclass

import css_inline
import html2text
from django.conf import settings
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template

from notifications.addresses import check_header_value

# One inliner for the process: it is thread-safe and costly to build.
# @media rules cannot be inlined, so they stay in a <style> block for phones.
_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


class EmailTemplates:
    """The three templates of one kind, loaded once and rendered many times."""

    def __init__(self, kind):
        self.kind = kind
        base = f"emails/{kind}/"
        self.subject = get_template(base + "subject.txt")
        self.html = get_template(base + "body.html")
        try:
            self.text = get_template(base + "body.txt")
        except TemplateDoesNotExist:
            self.text = None

    def render(self, context):
        """Render subject, inlined HTML and text for one recipient."""
        context = {**base_context(), **context}
        subject = render_plain(self.subject, context).strip()
        check_header_value("Subject", subject)
        context["subject"] = subject
        html = inline_css(self.html.render(context))
        text = render_plain(self.text, context) if self.text else html_to_text(html)
        return RenderedEmail(subject=subject, html=html, text=tidy_text(text))


def render_plain(template, context):
    """Render a subject or text/plain template without HTML escaping.

    HTML entities mean nothing in a subject or a text/plain part: escaping there
    would show "O&#x27;Brien" to the reader, while markup such as <script> is
    inert in plain text. The HTML part keeps Django's autoescaping.
    """
    return template.template.render(Context(context, autoescape=False))


def base_context():
    """Return the variables every email template can use."""
    return {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, "unsubscribe_url": ""}


def inline_css(html):
    """Move <style> rules into style attributes, as email clients need."""
    return _INLINER.inline(html)


def html_to_text(html):
    """Turn HTML into readable plain text, links written out."""
    converter = html2text.HTML2Text()
    converter.body_width = 78
    converter.inline_links = False
    return converter.handle(html)


def tidy_text(text):
    """Drop trailing spaces and runs of blank lines left by template tags.

    The signature separator "-- " keeps its space, so mail clients recognise it.
    """
    lines = [line if line == "-- " else line.rstrip() for line in text.strip().splitlines()]
    tidy = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy) + "\n"
