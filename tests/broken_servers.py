"""One minimal server that keeps the Metrics contract, and the ways to break it on purpose.

The contract suite is only worth running if it fails a server that breaks a rule. This
module holds one small, correct reference app (written from rules R1-R6, not from the
mock's code) and a table of breaks: each break changes one decision of that app, so a
broken server differs from the correct one in exactly the rule the break names.
`tests/test_suite_power.py` runs the suite against each of them over a real socket.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import unquote

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

# Tokens the reference server knows; the suite receives them through the environment.
USER_TOKEN = "reference-user-token-7f3a"
SERVER_TOKEN = "reference-server-token-9c1e"
TOKEN_HEADER = "X-Tidepool-Session-Token"
# How long the slow server takes to answer; its break asks the suite for half as much.
SLOW_ANSWER_S = 1.0


@dataclass(frozen=True)
class Call:
    """What the server understood of a request: the operation, the token kind, the names."""

    operation: str  # "user", "thisuser" or "server"; "" when no route matches
    token: str | None  # "user", "server", "invalid" or None when no token was sent
    names: tuple[str, ...]  # the decoded path parameters
    query: str  # the raw query string


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    delay_s: float = 0.0


def understand(request: Request) -> Call:
    """Route on the raw path, so a `%2F` inside a name stays part of the name (R5)."""
    raw_path, _, query = request.environ["RAW_URI"].partition("?")
    segments = [unquote(segment, errors="strict") for segment in raw_path.split("/")[1:]]
    token = request.headers.get(TOKEN_HEADER)
    kind = None if token is None else {USER_TOKEN: "user", SERVER_TOKEN: "server"}.get(token, "invalid")
    shapes = {("metrics", "user"): 4, ("metrics", "thisuser"): 3, ("metrics", "server"): 4}
    operation = segments[1] if shapes.get(tuple(segments[:2])) == len(segments) else ""
    names = tuple(segments[2:]) if operation else ()
    if operation and not all(names):
        operation = ""
    return Call(operation, kind, names, query)


def keep_the_contract(call: Call) -> Answer:
    """The correct decision: R1-R3 for tokens, R4/R5 accept anything, R6 an empty 200."""
    accepted = {"user": {None, "user", "server"}, "thisuser": {"user"}, "server": {"server"}}
    if not call.operation:
        return Answer(404)
    if call.token == "invalid" or call.token not in accepted[call.operation]:
        return Answer(401)
    return Answer(200)


Breaking = Callable[[Call, Answer], Answer]


def _when(condition: Callable[[Call], bool], changed: Callable[[Answer], Answer]) -> Breaking:
    return lambda call, answer: changed(answer) if condition(call) else answer


def _is(operation: str, token: str | None) -> Callable[[Call], bool]:
    return lambda call: call.operation == operation and call.token == token


@dataclass(frozen=True)
class Break:
    """One deliberate deviation, and the rule the suite must name when it catches it."""

    name: str
    rule: str
    change: Breaking
    # Options the suite needs to see this break (the others run with the defaults).
    suite_options: tuple[str, ...] = ()


BREAKS = {
    brk.name: brk
    for brk in (
        Break("thisuser_without_token", "R2", _when(_is("thisuser", None), lambda a: Answer(200))),
        Break("server_accepts_user_token", "R3", _when(_is("server", "user"), lambda a: Answer(200))),
        Break("user_demands_token", "R1", _when(_is("user", None), lambda a: Answer(401))),
        Break("user_rejects_server_token", "R1", _when(_is("user", "server"), lambda a: Answer(401))),
        Break("user_accepts_invalid_token", "R1", _when(_is("user", "invalid"), lambda a: Answer(200))),
        Break(
            "error_on_non_ascii_name",
            "R5",
            _when(lambda call: not "".join(call.names).isascii(), lambda a: Answer(500)),
        ),
        Break(
            "rejects_non_ascii_query",
            "R4",
            _when(lambda call: not unquote(call.query).isascii(), lambda a: Answer(400)),
        ),
        Break("created_instead_of_ok", "R6", lambda call, a: replace(a, status=201) if a.status == 200 else a),
        Break("undocumented_403", "R3", _when(_is("server", "user"), lambda a: Answer(403))),
        Break("body_on_success", "R6", lambda call, a: replace(a, body=b"ok") if a.status == 200 else a),
        Break(
            "slow",
            "time budget",
            lambda call, a: replace(a, delay_s=SLOW_ANSWER_S),
            (f"--max-response-time={SLOW_ANSWER_S / 2}",),
        ),
    )
}


def create_app(brk: Break | None = None) -> Callable:
    """The reference app; with a break, the app that deviates from it in that one way."""

    @Request.application
    def app(request: Request) -> Response:
        call = understand(request)
        answer = keep_the_contract(call)
        if brk is not None:
            answer = brk.change(call, answer)
        time.sleep(answer.delay_s)
        return Response(answer.body, status=answer.status, content_type=None)

    return app


@contextmanager
def serving(app: Callable) -> Iterator[str]:
    """Serve `app` on a free loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join()
