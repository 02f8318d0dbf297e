"""Render every email kind with sample data and photograph it in Chromium at two widths.

    python -m tools.previews                  every kind -> docs/previews/<kind>-600.png, -375.png
    python -m tools.previews welcome --out /tmp/previews

600 px is the desktop layout's width, 375 px a phone's screen, where the
@media rule of the layout takes over. Pages are shown as an inbox shows them:
no JavaScript and nothing loaded from the network. Other code (the grader, a
notebook) can call screenshot_html() or preview_png() on any HTML.
"""

import argparse
import os
import sys
from contextlib import nullcontext
from pathlib import Path

from tools.browser import BrowserNotFound, chromium

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "previews"
WIDTHS = (600, 375)
# Only the first screen's height: full-page screenshots grow to the email's length.
VIEWPORT_HEIGHT = 400


def screenshot_html(browser, html, width):
    """Return a full-page PNG of `html` at `width` CSS pixels, as an inbox shows it."""
    context = browser.new_context(viewport={"width": width, "height": VIEWPORT_HEIGHT},
                                  device_scale_factor=1, java_script_enabled=False)
    try:
        page = context.new_page()
        # Remote images and fonts would make a preview depend on the network; inboxes
        # that block images show their alt text, and so does this.
        page.route("**/*", lambda route: route.abort())
        page.set_content(html, wait_until="load")
        return page.screenshot(full_page=True, animations="disabled")
    finally:
        context.close()


def preview_png(html, width=600):
    """Start a browser, return a PNG of `html` at `width`, and stop the browser."""
    with chromium() as browser:
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
    with nullcontext(browser) if browser else chromium() as browser:
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
