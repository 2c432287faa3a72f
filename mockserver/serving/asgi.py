"""The mock as an ASGI application: the thin adapter between granian and MockApp.

granian hands each request over as an ASGI scope, which keeps the target as sent
(`raw_path`, `query_string`: a `%2F` stays a `%2F`). The adapter turns the scope into the
WSGI environ MockApp reads (with the raw target as `RAW_URI`, as gunicorn names it), asks
the app's admission (admission.py) before reading any body, reads the body within its
bound and the between-reads timeout, and sends the app's answer:

- most answers (a metrics event: a token check and its commit) on the event loop itself,
  which is faster than any hand-over, the requests of one turn of the loop sharing one
  commit (SharedCommit); those that may block for long (`MockApp.may_be_slow`: the
  upstream, listings) in a pool of `--threads` threads;
- an answer that asks to wait (`Prefer: delay`, `--latency`) after an `asyncio.sleep`, so
  a waiting answer holds no thread; a listing that waits for an event (`wait`) on the
  worker's one journal watcher (waits.py), holding no thread either;
- an answer the faults lose (`LostAnswer`) started and cut: the connection closes;
- a body that pauses longer than `--body-timeout` gets 408 and the connection closes; the
  refusal is kept like any other.
"""

from __future__ import annotations

import asyncio
import io
import logging
import multiprocessing
import os
import sys
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_to_bytes

from werkzeug.wrappers import Response

from .. import errors
from ..admission import MockRequest
from ..app import MockApp
from ..errors import PlainError, has_body
from ..faults import DelayedResponse, LostAnswer
from ..journal.store import Journal
from ..own_api import WaitingListing
from .waits import JournalWatch

log = logging.getLogger("mockserver")
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
# How often a worker looks whether the process that started it is still there.
PARENT_CHECK_S = 0.5
# Answers that carry no body, whose headers Werkzeug adjusts (no length) before sending.
_NO_CONTENT = frozenset({204, 304})
# Headers WSGI names without the HTTP_ prefix.
_UNPREFIXED = {"CONTENT_TYPE", "CONTENT_LENGTH"}


class BodyStalled(Exception):
    """The client paused longer than the body timeout while sending the body."""


class AsgiMock:
    """One worker's mock. `make_app` builds the MockApp once the worker runs (each worker
    process its own, sharing the journal file), at ASGI's lifespan start-up."""

    def __init__(
        self, make_app: Callable[[], MockApp], threads: int, body_timeout_s: float
    ) -> None:
        self._make_app = make_app
        self._threads = threads
        self._body_timeout_s = body_timeout_s
        self.app: MockApp | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._commits: SharedCommit | None = None
        self._watch: JournalWatch | None = None

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.start()
                asyncio.get_running_loop().create_task(_exit_with_parent())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def start(self) -> None:
        self.app = self._make_app()
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="mockserver")
        self._commits = SharedCommit(self.app.journal, asyncio.get_running_loop())
        self._watch = JournalWatch(self.app.journal.last_id, self.app.journal.any_after)

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self.app is not None:
            self.app.close()

    async def _http(self, scope: dict, receive: Receive, send: Send) -> None:
        app = self.app
        environ, fields = _environ(scope)
        request = MockRequest(environ)
        refused = app.admission.refusal(request, fields)
        close = False
        if refused is None and has_body(request):
            limit = app.body_limit(request.method, request.raw_path)
            try:
                body = await self._read_body(receive, limit)
            except BodyStalled:
                refused = PlainError(408, errors.BODY_STALLED.format(seconds=self._body_timeout_s))
                close = True
            else:
                if body is None:
                    refused = PlainError(413, errors.BODY_TOO_LARGE.format(limit=limit))
                else:
                    environ["wsgi.input"] = io.BytesIO(body)
                    environ["CONTENT_LENGTH"] = str(len(body))
        if refused is not None:
            response = app.refuse(request, refused)
        elif app.may_be_slow(request):
            loop = asyncio.get_running_loop()
            response = await loop.run_in_executor(self._pool, app.respond, request)
        else:
            committed = self._commits.joined()
            response = app.respond(request)
            try:
                await committed
            except Exception:  # the journal could not commit: nothing of it was kept
                log.exception("committing the journal failed")
                response = app.refuse(request, PlainError(500, errors.INTERNAL_ERROR))
        if isinstance(response, WaitingListing):
            response = await self._wait_for_events(request, response)
        if isinstance(response, DelayedResponse) and response.delay_s > 0:
            await asyncio.sleep(response.delay_s)
        if isinstance(response, LostAnswer):
            await _lose(send)
            return
        if close:
            response.headers["Connection"] = "close"
        await self._send(response, environ, send)

    async def _wait_for_events(self, request: MockRequest, waiting: WaitingListing) -> Response:
        """The listing once an event it shows is committed, or its empty page at the bound
        (waits.py); the wait itself on the event loop, each new look in the pool."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + waiting.wait_s
        response: Response = waiting
        while isinstance(response, WaitingListing):
            remaining = deadline - loop.time()
            woken = remaining > 0 and await self._watch.wait_past(
                response.seen, response.filters, remaining
            )
            if not woken:
                return waiting
            response = await loop.run_in_executor(self._pool, self.app.respond, request)
        return response

    async def _read_body(self, receive: Receive, limit: int) -> bytes | None:
        """The whole body, or None past `limit` bytes; BodyStalled if the client pauses
        longer than the body timeout between two parts (a slow but steady body is fine)."""
        parts: list[bytes] = []
        size = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), self._body_timeout_s)
            except TimeoutError:
                raise BodyStalled from None
            if message["type"] != "http.request":  # the client went away
                raise BodyStalled
            part = message.get("body", b"")
            size += len(part)
            if size > limit:
                return None
            parts.append(part)
            if not message.get("more_body", False):
                return b"".join(parts)

    async def _send(self, response: Response, environ: dict, send: Send) -> None:
        """The answer as Werkzeug would give it to a WSGI server (HEAD without a body),
        streamed part by part from the pool when it streams (an upstream's answer)."""
        if response.is_sequence and response.status_code not in _NO_CONTENT:
            # Most answers: the headers as set (the length among them), the body in one part.
            headers = response.headers.to_wsgi_list()
            body = [] if environ["REQUEST_METHOD"] == "HEAD" else response.response
        else:
            body, status, headers = response.get_wsgi_response(environ)
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers],
            }
        )
        try:
            if response.is_sequence:
                await send({"type": "http.response.body", "body": b"".join(body)})
                return
            parts = iter(body)
            loop = asyncio.get_running_loop()
            while (part := await loop.run_in_executor(self._pool, next, parts, None)) is not None:
                await send({"type": "http.response.body", "body": part, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            response.close()


class SharedCommit:
    """The requests the loop answers in one turn share one commit of the journal.

    The first to join holds the journal's commits (Journal.hold_commits) and asks the loop
    to commit once the requests already waiting for it have been answered; each awaits
    that commit before its answer goes out, so an event is never answered before it is
    stored, and a burst of events costs one commit instead of one each."""

    def __init__(self, journal: Journal, loop: asyncio.AbstractEventLoop) -> None:
        self._journal = journal
        self._loop = loop
        self._pending: asyncio.Future | None = None

    def joined(self) -> asyncio.Future:
        if self._pending is None:
            self._journal.hold_commits()
            self._pending = self._loop.create_future()
            self._loop.call_soon(self._commit)
        return self._pending

    def _commit(self) -> None:
        pending, self._pending = self._pending, None
        try:
            self._journal.commit_held()
        except Exception as error:
            pending.set_exception(error)
        else:
            pending.set_result(None)


async def _lose(send: Send) -> None:
    """Start an answer and end the exchange before its body: the server closes the
    connection, and the client sees it reset (the event is recorded; its answer lost)."""
    start = {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}
    await send(start)
    await send({"type": "http.response.body", "body": b"", "more_body": True})


def _environ(scope: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The WSGI environ of an ASGI request (the raw target kept as RAW_URI), and its header
    fields as received."""
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    path = raw_path.decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    server_host, server_port = scope.get("server") or ("127.0.0.1", 80)
    client = scope.get("client")
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "RAW_URI": f"{path}?{query}" if query else path,
        "SERVER_NAME": str(server_host),
        "SERVER_PORT": str(server_port),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": client[0] if client else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    fields = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]
    for name, value in fields:
        upper = name.upper().replace("-", "_")
        key = upper if upper in _UNPREFIXED else f"HTTP_{upper}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ, fields


async def _exit_with_parent() -> None:
    """End this worker when the process that started it is gone (killed, say): a worker
    must never serve on alone. The process that started it keeps a pipe to it, which
    closes when it ends, on every system (multiprocessing's parent sentinel)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    while parent.is_alive():
        await asyncio.sleep(PARENT_CHECK_S)
    log.warning("the mock's main process is gone; this worker stops")
    os._exit(0)
