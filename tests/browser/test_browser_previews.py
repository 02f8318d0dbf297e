"""Email previews: every kind photographed at desktop and phone width, off the network."""

import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notifications.samples import KINDS
from tools.browser import launch_flags
from tools.previews import (
    OUT,
    VIEWPORT_HEIGHT,
    WIDTHS,
    Camera,
    PreviewRefused,
    screenshot_html,
    with_policy,
    write_previews,
)

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


@pytest.fixture(scope="module")
def offline_browser(browser, chromium_path):
    """A Chromium as the grader starts it for students' emails: it reaches no host.

    Launched by the running Playwright: one thread can drive only one.
    """
    offline = browser.browser_type.launch(executable_path=chromium_path, headless=True,
                                          args=launch_flags(offline=True))
    yield offline
    offline.close()


@pytest.fixture
def listener():
    """Yield (port, count of connections so far) of a local socket that only accepts."""
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)

    def connections():
        count = 0
        while select.select([server], [], [], 0)[0]:
            server.accept()[0].close()
            count += 1
        return count

    try:
        yield server.getsockname()[1], connections
    finally:
        server.close()


@pytest.fixture
def counting_server():
    """Yield (base URL, paths requested) of a local HTTP server that answers 204."""
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
    try:
        yield f"http://127.0.0.1:{server.server_port}", requests
    finally:
        server.shutdown()
        server.server_close()


def test_a_preview_loads_nothing_from_the_network(browser, counting_server):
    base, requests = counting_server
    html = (f'<link rel="stylesheet" href="{base}/style.css">'
            f'<img src="{base}/pixel.png" alt="Logo"><p>Hello</p>'
            f'<iframe src="{base}/frame"></iframe><form action="{base}/form"></form>')
    width, _ = png_size(screenshot_html(browser, html, 375))
    assert width == 375
    assert requests == []


def test_a_preview_refuses_a_redirect_and_opens_no_connection(offline_browser, listener):
    port, connections = listener
    with Camera(offline_browser, 600) as camera:
        with pytest.raises(PreviewRefused, match="tried to open"):
            camera.shoot(f'<meta http-equiv="refresh" content="0;url=http://127.0.0.1:{port}/">')
        # A later redirect fires after the picture: it opens no connection either.
        camera.shoot(f'<meta http-equiv="refresh" content="1;url=http://localhost:{port}/">'
                     '<p>Hi</p>')
        time.sleep(1.5)
        # The next email starts from a blank page and is photographed as usual.
        assert png_size(camera.shoot("<p>Hi</p>"))[0] == 600
        # A jump to the page's own anchor is not leaving it.
        camera.shoot('<meta http-equiv="refresh" content="0;url=#top"><p id="top">Hi</p>')
    assert connections() == 0


def test_a_preview_reads_no_local_file(browser):
    with Camera(browser, 600) as camera:
        plain = camera.shoot("<p>Hi</p>")
        redirected = camera.shoot(
            '<meta http-equiv="refresh" content="0;url=file:///etc/hostname"><p>Hi</p>')
        framed = camera.shoot('<p>Hi</p><iframe src="file:///etc/hostname"></iframe>')
        empty_frame = camera.shoot('<p>Hi</p><iframe src="about:blank"></iframe>')
    # Chromium does not follow the redirect, and the frame stays empty.
    assert redirected == plain
    assert framed == empty_frame


def test_a_preview_keeps_the_doctype_first():
    assert with_policy("<!DOCTYPE html><p>Hi</p>").startswith(
        '<!DOCTYPE html><meta http-equiv="Content-Security-Policy"')
    assert with_policy("<p>Hi</p>").startswith('<meta http-equiv="Content-Security-Policy"')


def test_a_preview_runs_no_script_and_stops_at_its_size(offline_browser):
    with Camera(offline_browser, 600, max_height=1000) as camera:
        scripted = camera.shoot(
            '<p>Hi</p><script>document.body.style.minHeight = "5000px"</script>')
        endless = camera.shoot('<div style="height: 20000px">Long</div>')
        wide = camera.shoot('<div style="width: 20000px">Wide</div>')
        # A body that scrolls by itself hides its height from the document.
        scroller = camera.shoot('<style>html { height: 100%; overflow: hidden }'
                                'body { height: 100%; overflow: auto }</style>'
                                '<div style="height: 30000px; width: 20000px">Both</div>')
    assert png_size(scripted) == (600, VIEWPORT_HEIGHT)
    assert png_size(endless) == png_size(scroller) == (600, 1000)
    assert png_size(wide) == (600, VIEWPORT_HEIGHT)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_its_previews_in_the_docs(kind):
    for width in WIDTHS:
        path = OUT / f"{kind}-{width}.png"
        assert path.is_file(), f"{path} is missing: run `make previews`"
        assert png_size(path.read_bytes())[0] == width
