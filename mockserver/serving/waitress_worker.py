"""A gunicorn worker that serves HTTP with waitress: slow and idle clients cost no thread.

gunicorn stays the process manager (workers forked after the app is built, so they share
one journal; restarts, graceful stops, the banner). Inside each worker, waitress reads
every connection in one event loop and answers a request only once it is complete, so
a thousand clients that stall half-way through their headers hold a socket each, not a
thread. The loop answers most requests itself and gives a thread only those that may be
slow (loop_dispatch.py); its turns cost what the busy connections cost, not the idle ones
(event_map.py). A request whose headers have not all arrived `header_timeout_s` after its
first byte is closed unanswered, and so is one whose body pauses `body_timeout_s` between
two reads (a slow but steady body is never cut on its total: phones upload device data
slowly); nothing reaches the app, so no event is recorded, but the cut is kept among the
refusals. Kept-alive connections idle for `KEEPALIVE_S` are closed too. waitress reads a
body whole before the app runs, up to `PASS_THROUGH_BODY_LIMIT` (the app refuses less on
its own routes).

waitress hands the app the request target as sent, as `REQUEST_URI`, which the mock
routes on (uri.py). It limits only the total size of a request's head; `with_limits`
adds the mock's 414 and 431 (config.py) and `_OneLineError` makes waitress's own errors
(400, 431, 413) one line of plain text, like all the mock's errors. Every one of them is
kept among the refusals (`MockApp.keep_refusal`) with the request line as sent (cut to
`REQUEST_LINE_LIMIT`); its User-Agent only when the headers were read and accepted, and
no other header value: a header refused as too long may be the one that holds a token.
A refusal is kept on the event loop, one small write to the journal's file like that of
any refusal the loop answers. Figures: benchmarks/README.md.
"""

from __future__ import annotations

import logging
import os
import resource
import time
from collections.abc import Callable, Iterable

from ..config import (
    HEADER_COUNT_LIMIT,
    HEADER_FIELD_LIMIT,
    PASS_THROUGH_BODY_LIMIT,
    REQUEST_LINE_LIMIT,
)
from ..errors import BODY_TOO_LARGE, PLAIN_TEXT, STALLED
from ..uri import refused_request_line
from .event_map import EventMap
from .loop_dispatch import LoopDispatcher
from .private_api import (
    Adjustments,
    BadRequest,
    ErrorTask,
    HTTPChannel,
    HTTPRequestParser,
    RequestEntityTooLarge,
    TcpWSGIServer,
    Worker,
)

KEEPALIVE_S = 5
# How often the worker looks for stalled requests and tells gunicorn's master it lives.
TICK_S = 1.0
# Descriptors kept for everything but client connections (journal files, pipes, logs).
RESERVED_FDS = 64
# The most descriptors asked for where the system calls its limit unlimited.
UNLIMITED_CEILING = 1 << 20
# waitress warns whenever requests wait for a thread; under load that is every second,
# and the mock's console is for its banner and its events.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)
# Of each head, the bytes kept for a refusal: a request line's target up to its bound,
# with room for the method and blank lines before it.
_HEAD_START_KEPT = REQUEST_LINE_LIMIT + 64
# How a refusal is kept: (method, an environ of what may be kept, status, reason).
KeepRefusal = Callable[[str, dict, int, str], None]


def _plain(status: str) -> list[bytes]:
    return [f"{status}\n".encode()]


def with_limits(app: Callable, keep_refusal: KeepRefusal) -> Callable:
    """The mock's limits on what a client may send: 414 past the request line's, 431 past
    a header field's or the header count, each kept with its target (cut to the line's
    limit) and no header value. waitress joins repeated headers into one field."""

    def limited(environ: dict, start_response: Callable) -> Iterable[bytes]:
        line = len(environ["REQUEST_METHOD"]) + len(environ["REQUEST_URI"])
        line += len(environ["SERVER_PROTOCOL"]) + 2
        # Each header's `Name: value` length; `HTTP_` is not part of the name as sent.
        fields = [
            len(name) - 5 * name.startswith("HTTP_") + 2 + len(value)
            for name, value in environ.items()
            if name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH")
        ]
        if line > REQUEST_LINE_LIMIT:
            status = "414 URI Too Long"
        elif len(fields) > HEADER_COUNT_LIMIT or max(fields, default=0) > HEADER_FIELD_LIMIT:
            status = "431 Request Header Fields Too Large"
        else:
            return app(environ, start_response)
        kept = {"REQUEST_URI": environ["REQUEST_URI"][:REQUEST_LINE_LIMIT]}
        keep_refusal(environ["REQUEST_METHOD"], kept, int(status[:3]), status)
        start_response(status, [("Content-Type", PLAIN_TEXT)])
        return _plain(status)

    return limited


class _TimedParser(HTTPRequestParser):
    """waitress's parser, which remembers when the request's first byte came and when its
    last, and the start of its head as sent (waitress puts `GET /` in place of a head it
    refuses); and which refuses a head that ends in bare LFs at once: waitress waits for
    CRLF CRLF, so such a client would otherwise wait the header timeout for nothing."""

    def __init__(self, adj: Adjustments) -> None:
        super().__init__(adj)
        self.started = self.last_read = time.monotonic()
        self.head_start = b""

    def received(self, data: bytes) -> int:
        self.last_read = time.monotonic()
        if not self.headers_finished and len(self.head_start) < _HEAD_START_KEPT:
            self.head_start += data[: _HEAD_START_KEPT - len(self.head_start)]
        consumed = super().received(data)
        if not self.headers_finished and b"\n\n" in self.header_plus.lstrip():
            self.parse_header(b"GET / HTTP/1.0\r\n")  # what waitress's own refusals do
            self.error = BadRequest("bare LF line ends")
            self.completed = True
        return consumed

    def seen(self, headers_accepted: bool) -> tuple[str, dict]:
        """The method, and an environ of what may be kept: the target as sent, and the
        User-Agent if the headers were accepted."""
        method, kept = refused_request_line(self.head_start, REQUEST_LINE_LIMIT)
        if headers_accepted and "USER_AGENT" in self.headers:
            kept["HTTP_USER_AGENT"] = self.headers["USER_AGENT"]
        return method, kept


class _OneLineError(ErrorTask):
    """waitress's own answers (400, 431 past `max_request_header_size`, 413 past
    `max_request_body_size`) in one plain line, kept among the refusals."""

    def execute(self) -> None:
        error = self.request.error
        reason = f"{error.code} {error.reason}"
        # Only a 413 comes after a head that was read whole and accepted.
        too_large = isinstance(error, RequestEntityTooLarge)
        if too_large:
            reason = BODY_TOO_LARGE.format(limit=PASS_THROUGH_BODY_LIMIT)
        body = b"".join(_plain(reason))
        method, kept = self.request.seen(headers_accepted=too_large)
        self.channel.server.keep_refusal(method, kept, error.code, reason)
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", PLAIN_TEXT))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    parser_class = _TimedParser
    error_task_class = _OneLineError


class _Server(TcpWSGIServer):
    """waitress's server on a socket gunicorn's master opened, with header and body
    timeouts; `keep_refusal` is the app's (MockApp.keep_refusal)."""

    channel_class = _Channel
    header_timeout_s = 10.0
    body_timeout_s = 10.0
    keep_refusal: KeepRefusal

    def maintenance(self, now: float) -> None:
        """Close kept-alive connections idle for `channel_timeout` between requests (as
        waitress does, though it counts a request in progress as idle too), and requests
        whose headers are late or whose body has paused too long, unanswered, on the event
        loop's next turn. A request cut is kept among the refusals, once."""
        idle_cutoff = now - self.adj.channel_timeout
        header_cutoff = time.monotonic() - self.header_timeout_s
        body_cutoff = time.monotonic() - self.body_timeout_s
        for channel in self.active_channels.values():
            request = channel.request
            if request is None:
                late = not channel.requests and channel.last_activity < idle_cutoff
            elif request.headers_finished:
                late = request.last_read < body_cutoff
            else:
                late = request.started < header_cutoff
            if late and not channel.will_close:
                channel.will_close = True
                self._map.recheck(channel)
                if request is not None:
                    self._keep_cut(request)

    def _keep_cut(self, request: _TimedParser) -> None:
        if request.headers_finished:
            reason = STALLED.format(seconds=self.body_timeout_s, part="body")
        else:
            reason = STALLED.format(seconds=self.header_timeout_s, part="head")
        method, kept = request.seen(headers_accepted=request.headers_finished)
        self.keep_refusal(method, kept, 0, reason)


def raise_open_files_limit() -> int:
    """Raise this process's open-files limit as far as the system allows, for the workers
    it forks, and return the connections each may then hold.

    Linux reports a hard limit that setrlimit accepts; macOS reports none (unlimited) while
    refusing anything above its own ceiling, and starts with a soft limit of 256. So the
    highest value the system accepts is searched for, by halving the range between the
    current limit and the hard one (or `UNLIMITED_CEILING`); where it accepts none, the old
    limit stays.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY:
        accepted, refused = soft, (UNLIMITED_CEILING if hard == resource.RLIM_INFINITY else hard)
        while accepted < refused:
            wanted = (accepted + refused + 1) // 2
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            except (ValueError, OSError):
                refused = wanted - 1
            else:
                accepted = wanted
    return connections_allowed()


def connections_allowed() -> int:
    """The connections one worker may hold: its descriptors, less those kept for the rest."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = UNLIMITED_CEILING
    return max(1, soft - RESERVED_FDS)


class WaitressWorker(Worker):
    """gunicorn's worker protocol (heartbeat, `alive`, signals) around waitress's loop; like
    gunicorn's own workers, it stops once its master is gone."""

    def run(self) -> None:
        config = self.app.mock_config
        adjustments = Adjustments(
            threads=config.threads,
            channel_timeout=KEEPALIVE_S,
            cleanup_interval=TICK_S,
            connection_limit=connections_allowed(),
            # The head of the largest request with_limits answers itself.
            max_request_header_size=REQUEST_LINE_LIMIT + HEADER_COUNT_LIMIT * HEADER_FIELD_LIMIT,
            # waitress refuses a body of this size or more; the bound itself passes.
            max_request_body_size=PASS_THROUGH_BODY_LIMIT + 1,
        )
        dispatcher = LoopDispatcher(self.app.may_be_slow)
        dispatcher.set_thread_count(config.threads)
        socket_map = EventMap()
        app = with_limits(self.wsgi, self.app.keep_refusal)
        for listener in self.sockets:
            server = _Server(
                app,
                socket_map,
                _sock=listener.sock,
                dispatcher=dispatcher,
                adj=adjustments,
                bind_socket=False,
                sockinfo=(listener.sock.family, listener.sock.type, 0, listener.sock.getsockname()),
            )
            server.header_timeout_s = config.header_timeout_s
            server.body_timeout_s = config.body_timeout_s
            server.keep_refusal = self.app.keep_refusal
        next_beat = 0.0
        try:
            while self.alive:
                if time.monotonic() >= next_beat:  # a system call: not on every turn
                    if self.ppid != os.getppid():  # the master is gone, even by SIGKILL:
                        break  # nobody else would stop this worker or free its port
                    self.notify()
                    next_beat = time.monotonic() + TICK_S
                socket_map.turn(TICK_S)
                dispatcher.serve_ready()
        finally:
            dispatcher.shutdown(timeout=self.cfg.graceful_timeout)
            socket_map.close()
