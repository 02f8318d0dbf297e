"""Render every email kind with sample data and photograph it in Chromium at two widths.

    python -m tools.previews                  every kind -> docs/previews/<kind>-600.png, -375.png
    python -m tools.previews welcome --out /tmp/previews

600 px is the desktop layout's width, 375 px a phone's screen, where the
@media rule of the layout takes over. Pages are shown as an inbox shows them:
no JavaScript and nothing loaded from the network or the disk. Other code (the
grader, a notebook) can photograph any HTML with a Camera, screenshot_html() or
preview_png().
"""

import argparse
import os
import re
import sys
from contextlib import nullcontext
from pathlib import Path

from tools.browser import BrowserNotFound, chromium

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "previews"
WIDTHS = (600, 375)
# Only the first screen's height: full-page screenshots grow to the email's length.
VIEWPORT_HEIGHT = 400


# Inline styles and data: images only: no frames, no forms, no fetches, no fonts or
# images from anywhere else. Set by a <meta> at the top of the email, where the
# email's own markup can only add restrictions to it.
POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
          "frame-src 'none'; form-action 'none'; base-uri 'none'")
POLICY_TAG = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
DOCTYPE = re.compile(r"\A\s*<!doctype[^>]*>", re.IGNORECASE)
TIMEOUT_MS = 10_000
# How tall the page is: a body that scrolls by itself is as tall as its content.
PAGE_HEIGHT = ("Math.max(document.documentElement.scrollHeight, "
               "document.body ? document.body.scrollHeight : 0)")


class PreviewRefused(RuntimeError):
    """The email could not be photographed as it is: it tried to leave its page, or hung."""


def with_policy(html):
    """Return `html` with the policy first, after any doctype (which keeps standards mode)."""
    doctype = DOCTYPE.match(html)
    cut = doctype.end() if doctype else 0
    return html[:cut] + POLICY_TAG + html[cut:]


class Camera:
    """A browser page that photographs emails at one width, as an inbox shows them.

    No JavaScript runs and nothing is loaded from the network or the disk: remote
    images and fonts would make a preview depend on the network, and an email
    from someone else (a student's, in the grader) must not reach this machine's
    files. Give it a browser started with chromium(offline=True), so that not even
    a redirect opens a connection. Each email starts from a blank page, which
    cancels any redirect the previous one had scheduled. max_height cuts pictures
    of very long pages.
    """

    def __init__(self, browser, width, max_height=None):
        self.context = browser.new_context(viewport={"width": width, "height": VIEWPORT_HEIGHT},
                                           device_scale_factor=1, java_script_enabled=False)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.width, self.max_height = width, max_height
        self._left = []
        self.page = self._new_page()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.context.close()

    def _replace_page(self):
        """Use a fresh page from now on: this one is in a state nobody knows."""
        from playwright.sync_api import Error

        try:
            self.page.close()
        except Error:
            pass
        self.page = self._new_page()

    def _new_page(self):
        page = self.context.new_page()
        page.route("**/*", lambda route: route.abort())
        # A jump to an anchor of the page itself (about:blank#top) is not leaving it.
        page.on("framenavigated", lambda frame: frame == page.main_frame
                and frame.url.partition("#")[0] != "about:blank"
                and self._left.append(frame.url[:200]))
        return page

    def _photograph(self):
        """Return a PNG of the whole page, or of its top max_height pixels, width fixed.

        The window is made as tall as the picture, so nothing wider than `width` or
        taller than the cut is ever drawn, whatever the page's CSS says.
        """
        height = max(self.page.evaluate(PAGE_HEIGHT), VIEWPORT_HEIGHT)
        if self.max_height:
            height = min(height, self.max_height)
        self.page.set_viewport_size({"width": self.width, "height": height})
        try:
            return self.page.screenshot()
        finally:
            self.page.set_viewport_size({"width": self.width, "height": VIEWPORT_HEIGHT})

    def shoot(self, html):
        """Return a full-page PNG of `html`; raise PreviewRefused if that cannot be done."""
        from playwright.sync_api import Error

        try:
            self.page.goto("about:blank")
            self._left.clear()
            self.page.set_content(with_policy(html), wait_until="load")
            picture = self._photograph()
        except Error as exc:
            message = str(exc).splitlines()[0]
            if self._left or "navigat" in message.lower():
                message = f"tried to open {self._left[0] if self._left else 'another page'}"
            self._replace_page()
            raise PreviewRefused(f"the email {message}") from None
        if self._left:
            raise PreviewRefused(f"the email tried to open {self._left[0]}")
        return picture


def screenshot_html(browser, html, width):
    """Return a full-page PNG of `html` at `width` CSS pixels, as an inbox shows it."""
    with Camera(browser, width) as camera:
        return camera.shoot(html)


def preview_png(html, width=600):
    """Start a browser, return a PNG of `html` at `width`, and stop the browser."""
    with chromium(offline=True) as browser:
        return screenshot_html(browser, html, width)


def render_sample(kind):
    """Return the RenderedEmail of `kind` with the sample context (needs Django set up)."""
    from notifications.rendering import EmailTemplates
    from notifications.samples import sample_context

    return EmailTemplates(kind).render(sample_context(kind))


def write_previews(kinds, out=OUT, widths=WIDTHS, browser=None):
    """Write <kind>-<width>.png for every kind and width, and an index; return the paths.

    Uses `browser` if given, else starts one for the job.
    """
    out.mkdir(parents=True, exist_ok=True)
    written, rows = [], []
    with nullcontext(browser) if browser else chromium(offline=True) as browser:
        for kind in kinds:
            email = render_sample(kind)
            for width in widths:
                path = out / f"{kind}-{width}.png"
                path.write_bytes(screenshot_html(browser, email.html, width))
                written.append(path)
            rows.append((kind, email.subject))
    (out / "README.md").write_text(index_page(rows, widths))
    return written


def index_page(rows, widths):
    """Return a Markdown page that shows every preview, so a folder listing shows them too."""
    lines = ["# Email previews", "",
             "Every email of the Library System, rendered with sample data by "
             "`make previews` (`python -m tools.previews`), at "
             + " and ".join(f"{width} px" for width in widths) + " wide.", ""]
    for kind, subject in rows:
        lines += [f"## {kind}", "", f"Subject: {subject}", ""]
        lines += [" ".join(f"![{kind} at {width} px]({kind}-{width}.png)" for width in widths), ""]
    return "\n".join(lines)


def setup_django():
    """Configure the sandbox's Django when run from the command line."""
    sys.path.insert(0, str(REPO / "sandbox_project"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def main(argv=None):
    setup_django()
    from notifications.samples import KINDS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", metavar="kind",
                        help=f"which emails (default: all of {', '.join(KINDS)})")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    options = parser.parse_args(argv)
    unknown = sorted(set(options.kinds) - set(KINDS))
    if unknown:
        parser.error(f"no email kind {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    try:
        paths = write_previews(options.kinds or KINDS, options.out)
    except BrowserNotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    for path in paths:
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
