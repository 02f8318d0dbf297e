"""Email previews: every kind photographed at desktop and phone width, off the network."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notifications.samples import KINDS
from tools.previews import OUT, VIEWPORT_HEIGHT, WIDTHS, screenshot_html, write_previews

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data):
    """Return (width, height) from a PNG's header chunk."""
    assert data.startswith(PNG_SIGNATURE)
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_previews_are_written_at_both_widths_and_whole(browser, tmp_path):
    paths = write_previews(["order_confirmation"], tmp_path, browser=browser)
    assert [p.name for p in paths] == ["order_confirmation-600.png", "order_confirmation-375.png"]
    (desktop_width, desktop_height), (phone_width, phone_height) = (
        png_size(p.read_bytes()) for p in paths)
    assert (desktop_width, phone_width) == WIDTHS
    # Full pages: taller than the window, and taller still on a phone, where text wraps more.
    assert VIEWPORT_HEIGHT < desktop_height < phone_height
    assert "![order_confirmation at 375 px](order_confirmation-375.png)" in (
        tmp_path / "README.md").read_text()


def test_a_preview_loads_nothing_from_the_network(browser):
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        html = (f'<link rel="stylesheet" href="{base}/style.css">'
                f'<img src="{base}/pixel.png" alt="Logo"><p>Hello</p>')
        width, _ = png_size(screenshot_html(browser, html, 375))
    finally:
        server.shutdown()
        server.server_close()
    assert width == 375
    assert requests == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_its_previews_in_the_docs(kind):
    for width in WIDTHS:
        path = OUT / f"{kind}-{width}.png"
        assert path.is_file(), f"{path} is missing: run `make previews`"
        assert png_size(path.read_bytes())[0] == width
