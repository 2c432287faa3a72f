"""What the browser tests share: a Chromium under Playwright, and a second origin.

Browsers cannot be downloaded here, so Playwright drives an installed one: Debian's
`chromium` package at /usr/bin/chromium (`make test` installs it), or any Chromium or
Chrome binary named by CHROMIUM_PATH on other machines. The flags keep Chromium off the
network except for the local servers the tests start: no background updates, sync or QUIC.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
# Artifacts a person looks at after a run; CI uploads reports/.
SCREENSHOTS = ROOT / "reports" / "screenshots"


@contextmanager
def chromium(extra_args: tuple[str, ...] = ()) -> Iterator[Browser]:
    """A headless Chromium for one test module (starting one takes about two seconds);
    `extra_args`, e.g. `--host-resolver-rules` to give a local server a foreign name."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"no browser at {CHROMIUM}: `apt-get install chromium`, or set CHROMIUM_PATH to a "
            "Chromium or Chrome binary"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args]
        )
        try:
            yield browser
        finally:
            browser.close()


class QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log: the assertions say what went wrong."""


@contextmanager
def serve_wsgi(app: Callable) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 and a free port in a thread; yields its origin."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="second-origin", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
