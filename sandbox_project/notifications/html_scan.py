"""Read what the email checks need from HTML: elements, visible text, <style> rules."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements that never have an end tag, so they never open a level.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
# Their content is never shown in the body of an email.
NOT_SHOWN = {"head", "title", "style", "script", "template"}
HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
HEADINGS = {"h1", "h2", "h3"}


@dataclass
class Element:
    tag: str
    attrs: dict
    text: str = ""  # the words inside headings and links, else ""

    def describe(self):
        """Return a short start tag naming the element, for messages."""
        shown = [f'{name}="{self.attrs[name]}"' for name in ("class", "href", "src")
                 if self.attrs.get(name)]
        return "<" + " ".join([self.tag, *shown]) + ">"


@dataclass
class ScannedHtml:
    elements: list = field(default_factory=list)
    visible_text: str = ""
    style_sheets: list = field(default_factory=list)

    def find(self, *tags):
        return [element for element in self.elements if element.tag in tags]


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.result = ScannedHtml()
        self.stack = []  # (tag, hides its content)
        self.hidden = 0
        self.chunks = []
        self.capturing = []  # (element, text parts) of the open headings and links
        self.style = None

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.result.elements.append(element)
        if tag in VOID:
            return
        hides = tag in NOT_SHOWN or bool(HIDDEN_STYLE.search(element.attrs.get("style", "")))
        self.stack.append((tag, hides))
        self.hidden += hides
        if tag == "style":
            self.style = []
        if tag in HEADINGS or tag == "a":
            self.capturing.append((element, []))
        # Every tag ends a word: right for blocks and cells, near enough for inline tags.
        self.chunks.append(" ")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if not any(open_tag == tag for open_tag, _ in self.stack):
            return  # a stray end tag closes nothing
        while self.stack:
            open_tag, hides = self.stack.pop()
            self.hidden -= hides
            self._close(open_tag)
            if open_tag == tag:
                break
        self.chunks.append(" ")

    def _close(self, tag):
        if tag == "style" and self.style is not None:
            self.result.style_sheets.append("".join(self.style))
            self.style = None
        if self.capturing and self.capturing[-1][0].tag == tag:
            element, parts = self.capturing.pop()
            element.text = " ".join("".join(parts).split())

    def handle_data(self, data):
        if self.style is not None:
            self.style.append(data)
        if self.hidden:
            return
        self.chunks.append(data)
        for _, parts in self.capturing:
            parts.append(data)

    def finish(self):
        self.close()
        while self.stack:
            self._close(self.stack.pop()[0])
        self.result.visible_text = " ".join("".join(self.chunks).split())
        return self.result


def scan(html):
    """Return the elements, visible text and <style> contents of `html`."""
    scanner = _Scanner()
    scanner.feed(html)
    return scanner.finish()


COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def plain_rules(css):
    """Return (selectors, declarations) of the rules outside at-rules such as @media.

    @media and @font-face cannot be inlined, so they rightly stay in <style>;
    any other rule left there styles nothing in clients that drop <style>.
    """
    css = COMMENT.sub("", css)
    rules, depth, start, at_rule = [], 0, 0, False
    for index, char in enumerate(css):
        if char == "{":
            if depth == 0:
                prelude = css[start:index].strip()
                at_rule = prelude.startswith("@")
                selector, body_start = prelude, index + 1
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                if not at_rule and selector:
                    rules.append((selector, css[body_start:index].strip()))
                start = index + 1
        elif char == ";" and depth == 0:
            start = index + 1  # an @import or @charset statement
    return rules
