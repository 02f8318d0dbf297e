"""The checks an inbox provider or an email-testing service runs on one email.

    from notifications.checks import check_email
    for finding in check_email(message):  # a message from any outbox
        print(finding)

An empty list means the email passes every check:

  text-part         a text/plain part exists and says what the HTML says
  css-inlined       no stylesheet links, no rules left in <style> but @media and the like
  img-alt           every <img> has alt text
  links             every link is absolute, and those into the sandbox name a real page
  size              the HTML stays under the 102 KB at which Gmail clips a message
  list-unsubscribe  bulk mail carries List-Unsubscribe and List-Unsubscribe-Post
"""

import re
from collections import Counter
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve

from notifications.html_scan import plain_rules, scan

GMAIL_CLIP_BYTES = 102 * 1024
# The share of words the two parts must have in common (see text_similarity).
MIN_TEXT_SIMILARITY = 0.6
ONE_CLICK = "List-Unsubscribe=One-Click"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]"}
NOT_WEB = ("mailto:", "tel:", "sms:")

WORD = re.compile(r"[^\W_]+")
URL = re.compile(r"(?:https?|mailto):[^\s<>\"')\]]+", re.IGNORECASE)
HEADER_URL = re.compile(r"<([^>]+)>")
CLASS_SELECTOR = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")


@dataclass(frozen=True)
class Finding:
    """One problem: which check found it, and what it is."""

    check: str
    message: str

    def __str__(self):
        return f"{self.check}: {self.message}"


@dataclass(frozen=True)
class _Email:
    html: str
    text: str | None
    headers: dict  # lower-case name -> first value


def check_email(email, *, text=None, headers=None, bulk=None, site_url=None):
    """Return the Findings of every check on `email`; an empty list means it passes.

    `email` is a message from an outbox, a Django EmailMessage, a RenderedEmail,
    raw message bytes, or the HTML alone as a string (then pass `text` and
    `headers` yourself; no `text` means no text part). `bulk` says whether the
    email goes to a list; by default, an email that offers an unsubscribe link
    or says it is bulk or list mail in its headers is. Links under `site_url`
    (settings.SITE_URL by default) must name a page of the sandbox.
    """
    parts = _normalize(email, text, headers)
    html = scan(parts.html) if parts.html else None
    site = (site_url or settings.SITE_URL).rstrip("/")
    if bulk is None:
        bulk = _looks_bulk(parts, html)
    return [
        *check_text_part(parts, html),
        *check_css_inlined(html),
        *check_images_alt(html),
        *check_links(parts, html, site),
        *check_size(parts),
        *(check_list_unsubscribe(parts, site) if bulk else []),
    ]


def check_text_part(parts, html):
    """A text part exists, has every link of the HTML, its headline and most of its words."""
    if not (parts.text or "").strip():
        return [Finding("text-part", "there is no text/plain part: some readers, and spam "
                                     "filters, read only that one")]
    if html is None:
        return []
    findings = []
    written_out = set(text_urls(parts.text))
    for url in sorted(_web_links(html) - written_out):
        findings.append(Finding("text-part", f"the text part does not write out the link {url}"))
    text_words = " " + " ".join(words_of(parts.text)) + " "
    for heading in html.find("h1"):
        phrase = " ".join(words_of(heading.text))
        if phrase and f" {phrase} " not in text_words:
            findings.append(Finding("text-part", f"the text part lacks the headline "
                                                 f"{heading.text!r}"))
    similarity = text_similarity(html.visible_text, parts.text)
    if similarity < MIN_TEXT_SIMILARITY:
        findings.append(Finding("text-part", f"the two parts share {similarity:.0%} of their "
                                             f"words; at least {MIN_TEXT_SIMILARITY:.0%} "
                                             "expected"))
    return findings


def text_urls(text):
    """Return the web and mailto addresses written out in `text`."""
    # A sentence may end right after an address; its full stop is not part of it.
    return [url.rstrip(".,;:!?") for url in URL.findall(text)]


def words_of(text):
    """Return the lower-case words of `text`, web addresses left out."""
    return WORD.findall(URL.sub(" ", text).lower())


def text_similarity(html_text, plain_text):
    """Return how much the visible words of the HTML and the text part overlap, 0 to 1.

    This is the Dice coefficient of the two word multisets: twice the number of
    words both parts contain (counting repeats) over the number of words in
    both. 1.0 means the same words; a text part that leaves out what the
    button says scores about 0.8; one that says something else scores near 0.
    Spam filters compare the parts the same way (SpamAssassin's MPART_ALT_DIFF
    rule scores mail whose parts share almost no words), and a reader of the
    text part should be told what a reader of the HTML is told.
    """
    html_words, text_words = Counter(words_of(html_text)), Counter(words_of(plain_text))
    total = sum(html_words.values()) + sum(text_words.values())
    if not total:
        return 1.0
    return 2 * sum((html_words & text_words).values()) / total


def check_css_inlined(html):
    """No stylesheet links; <style> keeps only what cannot be inlined, such as @media."""
    if html is None:
        return []
    findings = [Finding("css-inlined", f"{element.describe()} loads a stylesheet, which "
                                       "email clients ignore")
                for element in html.find("link")
                if "stylesheet" in element.attrs.get("rel", "").lower()]
    rules = [rule for css in html.style_sheets for rule in plain_rules(css)]
    if rules:
        selectors = ", ".join(selector for selector, _ in rules[:5])
        findings.append(Finding("css-inlined", f"{len(rules)} rule(s) left in <style> "
                                               f"({selectors}); inline them, as many clients "
                                               "drop <style>"))
    styled_classes = {name for selector, _ in rules for name in CLASS_SELECTOR.findall(selector)}
    for element in html.elements:
        classes = set(element.attrs.get("class", "").split()) & styled_classes
        if classes and not element.attrs.get("style", "").strip():
            findings.append(Finding("css-inlined", f"{element.describe()} is styled only by "
                                                   f"<style> rules for .{min(classes)}"))
    return findings


def check_images_alt(html):
    """Every <img> says what it shows, for readers with images off and screen readers."""
    if html is None:
        return []
    findings = []
    for image in html.find("img"):
        alt = image.attrs.get("alt")
        if alt is None:
            findings.append(Finding("img-alt", f"{image.describe()} has no alt attribute"))
        elif not alt.strip() and not _decorative(image):
            findings.append(Finding("img-alt", f"{image.describe()} has an empty alt text but "
                                               "is not marked decorative (role=\"presentation\")"))
    return findings


def _decorative(image):
    # A 1x1 tracking pixel or an image marked presentational rightly says nothing.
    tiny = image.attrs.get("width") in ("0", "1") and image.attrs.get("height") in ("0", "1")
    return tiny or image.attrs.get("role") in ("presentation", "none") or (
        image.attrs.get("aria-hidden") == "true")


def check_links(parts, html, site):
    """Every link and image address is absolute; those into the sandbox resolve."""
    targets = []
    if html is not None:
        targets += [(element.attrs.get("href", ""), element.describe())
                    for element in html.find("a", "area") if "href" in element.attrs]
        targets += [(element.attrs.get("src", ""), element.describe())
                    for element in html.find("img")]
    targets += [(url, "the text part") for url in text_urls(parts.text or "")]
    findings, seen = [], set()
    for url, where in targets:
        problem = link_problem(url.strip(), site)
        if problem and (url, problem) not in seen:
            seen.add((url, problem))
            findings.append(Finding("links", f"{url or '(empty)'} in {where}: {problem}"))
    return findings


def link_problem(url, site):
    """Return what is wrong with `url` in an email sent by the site at `site`, or ""."""
    if url.lower().startswith(NOT_WEB):
        return ""
    if url.lower().startswith("javascript:"):
        return "inboxes remove javascript: links"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "not absolute: an inbox has no page to resolve it against; start it with SITE_URL"
    if url == site or url.startswith(site + "/") or url.startswith(site + "?"):
        # The URLconf sees paths after SITE_URL's own path, as behind a proxy's prefix.
        path = "/" + url[len(site):].lstrip("/").split("?")[0].split("#")[0]
        return _sandbox_path_problem(path)
    if parts.hostname in LOCAL_HOSTS:
        return f"points at this machine but not at SITE_URL ({site})"
    return ""


def _sandbox_path_problem(path):
    static = "/" + urlsplit(settings.STATIC_URL or "").path.strip("/") + "/"
    if static != "//" and path.startswith(static):
        from django.contrib.staticfiles import finders

        found = finders.find(path[len(static):])
        return "" if found else "no static file of the sandbox has this name"
    try:
        resolve(path)
    except Resolver404:
        return "no page of the sandbox answers at this address"
    return ""


def check_size(parts):
    """The HTML stays under the size at which Gmail shows only the start of a message."""
    size = len((parts.html or "").encode("utf-8"))
    if size >= GMAIL_CLIP_BYTES:
        return [Finding("size", f"the HTML is {size / 1024:.0f} KB; Gmail clips messages over "
                                "102 KB behind a 'View entire message' link")]
    return []


def check_list_unsubscribe(parts, site):
    """Bulk mail offers one-click unsubscribe in its headers (RFC 2369 and RFC 8058)."""
    value = parts.headers.get("list-unsubscribe", "")
    if not value:
        return [Finding("list-unsubscribe", "bulk mail without a List-Unsubscribe header: "
                                            "Gmail and Yahoo require one from bulk senders")]
    urls = HEADER_URL.findall(value)
    web = [url for url in urls if url.lower().startswith(("http://", "https://"))]
    findings = []
    if not urls:
        findings.append(Finding("list-unsubscribe", f"List-Unsubscribe {value!r} holds no "
                                                    "<address> in angle brackets"))
    if web and parts.headers.get("list-unsubscribe-post", "").strip() != ONE_CLICK:
        findings.append(Finding("list-unsubscribe", f"List-Unsubscribe-Post: {ONE_CLICK} is "
                                                    "missing, so one-click unsubscribe is off"))
    for url in web:
        problem = link_problem(url, site)
        if problem:
            findings.append(Finding("list-unsubscribe", f"{url}: {problem}"))
    return findings


def _looks_bulk(parts, html):
    headers = parts.headers
    if "list-id" in headers or headers.get("precedence", "").lower() in ("bulk", "list"):
        return True
    if html is None:
        return "unsubscribe" in (parts.text or "").lower()
    return any("unsubscribe" in f"{link.text} {link.attrs.get('href', '')}".lower()
               for link in html.find("a"))


def _web_links(html):
    return {element.attrs["href"].strip() for element in html.find("a", "area")
            if element.attrs.get("href", "").lower().startswith(("http://", "https://"))}


def _normalize(email, text, headers):
    """Return the HTML, text and headers of any of the kinds of email check_email takes."""
    if isinstance(email, str):
        return _Email(email, text, _lower(headers or {}))
    if isinstance(email, bytes | Message) or hasattr(email, "message"):
        from outbox.message import parse

        raw = email if isinstance(email, bytes) else (
            email.as_bytes() if isinstance(email, Message) else email.message().as_bytes())
        email = parse(raw)
    found = getattr(email, "headers", None) or {}
    return _Email(email.html or "", email.text if text is None else text,
                  _lower({**found, **(headers or {})}))


def _lower(headers):
    # An outbox message holds a list of values per header; the checks read the first.
    return {name.lower(): value[0] if isinstance(value, list) and value else value
            for name, value in headers.items()}
