"""Serving the app in-process on a free port, for tests and the contract suite.

`running_mock()` is pytest-httpserver's pattern: Werkzeug's threaded server on port 0, the
real port read back, served from a daemon thread, stopped with shutdown() then join().
Its request handler applies the same limits, with the same status codes, as the
gunicorn-served mock (serve.py), so tests see one behaviour whichever server runs. The
app refuses bodies past its bounds itself (it reads them as it goes, here).
"""

from __future__ import annotations

import collections
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus

from werkzeug.serving import WSGIRequestHandler, make_server

from ..app import MockApp
from ..config import HEADER_COUNT_LIMIT, HEADER_FIELD_LIMIT, REQUEST_LINE_LIMIT, MockConfig
from ..errors import PLAIN_TEXT
from ..uri import refused_request_line

SHUTDOWN_POLL_S = 0.05
# Unexpected exceptions kept to re-raise in the test that caused them.
KEPT_ERRORS = 20


class LimitedRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler with gunicorn's limits (414 and 431), plain-text errors, no access
    log; `for_config` sets how long it waits for each read. Its own refusals (the limits,
    a request line it cannot parse) are kept like the app's, with the target as sent and
    no header value (MockApp.keep_refusal)."""

    error_message_format = "%(code)d %(message)s\n"
    error_content_type = PLAIN_TEXT

    def parse_request(self) -> bool:
        if len(self.raw_requestline.rstrip(b"\r\n")) > REQUEST_LINE_LIMIT:
            self.requestline, self.request_version, self.command = "", "", ""
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return False
        if not super().parse_request():
            return False
        fields = self.headers.items()
        if len(fields) > HEADER_COUNT_LIMIT or any(
            len(name) + len(value) + 2 > HEADER_FIELD_LIMIT for name, value in fields
        ):
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Kept before the answer goes out, so a client that reads the refusals next finds it.
        method, kept = refused_request_line(self.raw_requestline, REQUEST_LINE_LIMIT)
        reason = f"{code} {message or HTTPStatus(code).phrase}"
        self.server.app.keep_refusal(method, kept, code, reason)
        super().send_error(code, message, explain)

    def make_environ(self) -> dict:
        """Give the app the request target exactly as sent, as gunicorn's RAW_URI does.

        Werkzeug re-encodes the target as if it were text (raw bytes \\xff become UTF-8),
        and http.server collapses a leading `//`; the mock must see neither change.
        """
        environ = super().make_environ()
        environ["RAW_URI"] = environ["REQUEST_URI"] = self.requestline.split()[1]
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet: the journal is the mock's record of requests."""

    @classmethod
    def for_config(cls, config: MockConfig) -> type[LimitedRequestHandler]:
        """The handler whose every read, of a request's head or of its body, waits at most
        the body timeout: a client that pauses longer is dropped, one that sends slowly
        but steadily is not (Werkzeug's server has no bound on a head's total time)."""
        return type(cls.__name__, (cls,), {"timeout": config.body_timeout_s})


@dataclass(frozen=True)
class RunningMock:
    url: str  # e.g. http://127.0.0.1:41234, no trailing slash
    app: MockApp


@contextmanager
def running_mock(config: MockConfig | None = None) -> Iterator[RunningMock]:
    """Serve a fresh app on 127.0.0.1 and a free port for the duration of the block.

    Exceptions raised inside the app (bugs answered 500) are re-raised here on exit, as an
    ExceptionGroup, so they reach the test that caused them.
    """
    failures: collections.deque[BaseException] = collections.deque(maxlen=KEPT_ERRORS)
    config = config or MockConfig()
    app = MockApp(config, on_error=failures.append)
    try:
        handler = LimitedRequestHandler.for_config(config)
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=handler)
        serve = functools.partial(server.serve_forever, poll_interval=SHUTDOWN_POLL_S)
        thread = threading.Thread(target=serve, name="mockserver", daemon=True)
        thread.start()
        try:
            yield RunningMock(f"http://127.0.0.1:{server.port}", app)
        finally:
            server.shutdown()
            thread.join()
            server.server_close()
    finally:
        app.close()
    if failures:
        raise ExceptionGroup("the mock server failed on some requests", list(failures))
