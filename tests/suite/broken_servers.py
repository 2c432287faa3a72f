"""A stand-in Tidepool environment that keeps the Metrics contract, and ways to break it.

The contract suite is only worth running if it fails a server that breaks a rule. This
module holds one small, correct reference environment, written from rules R1-R6 and from
how shoreline serves /auth (not from the mock's code): the gateway's auth routes (login,
server login, token, user, logout) and the metrics service. A table of breaks each changes
one decision of it, so a broken server differs from the correct one in exactly the rule
the break names. The accepted token kinds per operation are a parameter, so that a
modified contract has a server that keeps it.

The journal checks (contract_tests/test_recorded_events.py) run only against a mock,
which the reference app is not, so their breaks wrap the real mock instead: each journal
break lets the mock answer as it does and corrupts one thing about its journal.

`tests/suite/test_power.py` runs the suite against each of them over a real socket.
"""

from __future__ import annotations

import glob
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, unquote

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from mockserver.app import MockApp
from mockserver.auth.accounts import SERVER, USER, Principal
from mockserver.config import MockConfig

# The accounts of the reference environment; the suite gets them through the environment.
USER_TOKEN = "reference-user-token-7f3a"
SERVER_TOKEN = "reference-server-token-9c1e"
USER_ID = "0d4f6a93b2"
USERNAME, PASSWORD = "reference@example.org", "reference-password"
SERVER_NAME, SERVER_SECRET = "reference-server", "reference-server-secret"
TOKEN_HEADER = "X-Tidepool-Session-Token"
# The route Tidepool's service adds when run with NOAUTH.
NOAUTH_PREFIX = "/metrics/noauth/"
# How long the slow server takes to answer; its break asks the suite for half as much.
SLOW_ANSWER_S = 1.0
# Which token kinds (None: no token) each operation accepts, by R1-R3.
CONTRACT = {"user": {None, "user", "server"}, "thisuser": {"user"}, "server": {"server"}}


@dataclass(frozen=True)
class Call:
    """What the server understood of a request: the operation, the token kind, the names."""

    operation: str  # "user", "thisuser" or "server"; "" when no route matches
    method: str
    token: str | None  # "user", "server", "invalid" or None when no token was sent
    names: tuple[str, ...]  # the decoded path parameters
    query: str  # the raw query string
    raw_path: str  # the path as sent, percent-encoded


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    delay_s: float = 0.0


def token_kind(token: str | None) -> str | None:
    if token is None:
        return None
    return {USER_TOKEN: "user", SERVER_TOKEN: "server"}.get(token, "invalid")


def understand(request: Request) -> Call:
    """Route on the raw path, so a `%2F` inside a name stays part of the name (R5)."""
    raw_path, _, query = request.environ["RAW_URI"].partition("?")
    segments = [unquote(segment, errors="strict") for segment in raw_path.split("/")[1:]]
    kind = token_kind(request.headers.get(TOKEN_HEADER))
    shapes = {("metrics", "user"): 4, ("metrics", "thisuser"): 3, ("metrics", "server"): 4}
    operation = segments[1] if shapes.get(tuple(segments[:2])) == len(segments) else ""
    names = tuple(segments[2:]) if operation else ()
    if operation and not all(names):
        operation = ""
    return Call(operation, request.method, kind, names, query, raw_path)


def keep_the_contract(call: Call, accepted: Mapping[str, set[str | None]]) -> Answer:
    """The correct decision: R1-R3 for tokens, R4/R5 accept anything, R6 an empty 200;
    only GET (and HEAD, which Werkzeug answers without a body) on the spec's paths."""
    if not call.operation:
        return Answer(404)
    if call.method not in ("GET", "HEAD"):
        return Answer(405)
    if call.token == "invalid" or call.token not in accepted[call.operation]:
        return Answer(401)
    return Answer(200)


def answer_auth(request: Request) -> Response | None:
    """The gateway's /auth routes as shoreline answers them; None for any other path."""
    kind = token_kind(request.headers.get(TOKEN_HEADER))
    route = (request.method, request.path)
    if route == ("POST", "/auth/login"):
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (USERNAME, PASSWORD):
            return Response(status=401)
        return _json({"userid": USER_ID, "username": USERNAME}, {TOKEN_HEADER: USER_TOKEN})
    if route == ("POST", "/auth/serverlogin"):
        sent = (
            request.headers.get("X-Tidepool-Server-Name"),
            request.headers.get("X-Tidepool-Server-Secret"),
        )
        if sent != (SERVER_NAME, SERVER_SECRET):
            return Response(status=401)
        return Response(status=200, headers={TOKEN_HEADER: SERVER_TOKEN})
    if route == ("GET", "/auth/token"):
        if kind not in ("user", "server"):
            return Response(status=401)
        userid = USER_ID if kind == "user" else SERVER_NAME
        return _json({"userid": userid, "isserver": kind == "server"})
    if route == ("GET", "/auth/user"):
        if kind != "user":
            return Response(status=401)
        return _json({"userid": USER_ID, "username": USERNAME, "emails": [USERNAME]})
    if route == ("POST", "/auth/logout"):
        return Response(status=200)
    return None


def _json(body: dict[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=200, headers=headers, mimetype="application/json")


Breaking = Callable[[Call, Answer], Answer]


def _when(condition: Callable[[Call], bool], changed: Callable[[Answer], Answer]) -> Breaking:
    return lambda call, answer: changed(answer) if condition(call) else answer


def _is(operation: str, token: str | None) -> Callable[[Call], bool]:
    return lambda call: call.operation == operation and call.token == token


def _now_and_then(every: int) -> Breaking:
    """A 503 for one metrics request in `every`, the others answered correctly."""
    counter = itertools.count(1)
    lock = threading.Lock()

    def intermittent(call: Call, answer: Answer) -> Answer:
        with lock:
            turn = next(counter)
        return Answer(503) if turn % every == 0 else answer

    return intermittent


@dataclass(frozen=True)
class Break:
    """One deliberate deviation, and the rules the suite must name when it catches it."""

    name: str
    # The rules named by the first failure, exactly (or a phrase the output must show).
    rules: tuple[str, ...]
    # A `Breaking` of the reference server's answers, or a `JournalChange` of the mock's.
    change: Callable[..., Any]
    # Options the suite needs to see this break (the others run with the defaults).
    suite_options: tuple[str, ...] = ()


BREAKS = {
    brk.name: brk
    for brk in (
        Break(
            "thisuser_without_token", ("R2",), _when(_is("thisuser", None), lambda a: Answer(200))
        ),
        Break(
            "server_accepts_user_token",
            ("R3",),
            _when(_is("server", "user"), lambda a: Answer(200)),
        ),
        Break("user_demands_token", ("R1",), _when(_is("user", None), lambda a: Answer(401))),
        Break(
            "user_rejects_server_token",
            ("R1",),
            _when(_is("user", "server"), lambda a: Answer(401)),
        ),
        Break(
            "user_accepts_invalid_token",
            ("R1",),
            _when(_is("user", "invalid"), lambda a: Answer(200)),
        ),
        Break(
            "error_on_non_ascii_name",
            ("R5", "R6"),  # the path alone fails too, so not the query (R4); 500 is undocumented
            _when(lambda call: not "".join(call.names).isascii(), lambda a: Answer(500)),
        ),
        Break(
            "rejects_non_ascii_query",
            ("R4", "R6"),  # the path alone is accepted
            _when(lambda call: not unquote(call.query).isascii(), lambda a: Answer(400)),
        ),
        Break(
            "created_instead_of_ok",
            ("R6",),
            lambda call, a: replace(a, status=201) if a.status == 200 else a,
        ),
        Break(
            "undocumented_403", ("R3", "R6"), _when(_is("server", "user"), lambda a: Answer(403))
        ),
        Break(
            "body_on_success",
            ("R6",),
            lambda call, a: replace(a, body=b"ok") if a.status == 200 else a,
        ),
        Break(
            # A router or proxy that takes an encoded `.` or `..` for a dot segment; only a
            # suite that sends the `%2E` it means meets it.
            "encoded_dot_is_a_dot_segment",
            ("R5", "R6"),
            _when(
                lambda call: any(s.upper() in ("%2E", "%2E%2E") for s in call.raw_path.split("/")),
                lambda a: Answer(404),
            ),
        ),
        Break(
            "slow",
            ("time budget",),
            lambda call, a: replace(a, delay_s=SLOW_ANSWER_S),
            (f"--max-response-time={SLOW_ANSWER_S / 2}",),
        ),
    )
}
# Routes outside the spec left open (test_closed_surface.py runs only those checks).
CLOSED_SURFACE_BREAKS = {
    brk.name: brk
    for brk in (
        Break(
            # Tidepool's service run with NOAUTH (spec/closed-surface.yaml).
            "noauth_route_open",
            ("closed surface",),
            _when(lambda call: call.raw_path.startswith(NOAUTH_PREFIX), lambda a: Answer(200)),
        ),
        Break(
            "post_records_an_event",
            ("closed surface",),
            _when(
                lambda call: bool(call.operation) and call.method == "POST", lambda a: Answer(200)
            ),
        ),
        Break(
            # The unprefixed alias of /metrics/user, which only a run against the service sends.
            "alias_open",
            ("closed surface",),
            _when(lambda call: call.raw_path.startswith("/user/"), lambda a: Answer(200)),
        ),
    )
}
# The route limit of Tidepool's service (restify through find-my-way: maxParamLength).
HIGHWATER_MAX_PARAM_LENGTH = 100


def _over_router_limit(call: Call) -> bool:
    return any(len(segment) > HIGHWATER_MAX_PARAM_LENGTH for segment in call.raw_path.split("/"))


# The router limit of Tidepool's service alone, for environments compared side by side.
ROUTER_LIMIT = Break("router_limit_100", ("R5",), _when(_over_router_limit, lambda a: Answer(404)))


def _highwater(call: Call, answer: Answer) -> Answer:
    """Tidepool's service as it is: its router answers 404 to a path segment over 100
    characters as sent (before any auth), and /metrics/user demands a token."""
    if _over_router_limit(call):
        return Answer(404)
    if call.operation == "user" and call.token is None:
        return Answer(401)
    return answer


# The two drifts of Tidepool's service, which spec/known-drifts.yaml describes.
HIGHWATER = Break("highwater", ("R1", "R5"), _highwater)
# The same service with one more, new break.
HIGHWATER_AND_NEW = Break(
    "highwater_and_server_accepts_user_token",
    ("R3",),
    lambda call, a: BREAKS["server_accepts_user_token"].change(call, _highwater(call, a)),
)
# Generated cases only, so that Hypothesis meets the intermittent answer as well. A one-off
# is not blamed on the path or the query: both stay named.
INTERMITTENT = Break(
    "intermittent_503", ("R4", "R5", "R6"), _now_and_then(7), ("-k", "test_properties")
)


def create_app(
    brk: Break | None = None, accepted: Mapping[str, set[str | None]] = CONTRACT
) -> Callable:
    """The reference environment; with a break, the one that deviates from it in that way."""

    @Request.application
    def app(request: Request) -> Response:
        auth = answer_auth(request)
        if auth is not None:
            return auth
        call = understand(request)
        answer = keep_the_contract(call, accepted)
        if brk is not None:
            answer = brk.change(call, answer)
        time.sleep(answer.delay_s)
        return Response(answer.body, status=answer.status, content_type=None)

    return app


def recorded(
    app: Callable, what: Callable[[Request], str] = lambda request: request.environ["RAW_URI"]
) -> tuple[Callable, list[str]]:
    """`app`, and the list of `what` of each request it serves (its raw target by default)."""
    seen: list[str] = []

    def recording(environ, start_response):
        seen.append(what(Request(environ)))
        return app(environ, start_response)

    return recording, seen


# Journal breaks ------------------------------------------------------------------------

# Given the mock, one request and the mock's answer to it: the answer the client gets.
JournalChange = Callable[[MockApp, Request, Response], Response]
THISUSER_OPERATION = (
    "RecordMetricsEventForLoggedInUser"  # /metrics/thisuser: the token names the user
)


def _record_rejected(mock: MockApp, request: Request, answer: Response) -> Response:
    """A rejected metrics request is recorded all the same: replayed with a valid token."""
    if answer.status_code == 401 and request.path.startswith("/metrics/"):
        for kind in (USER, SERVER):
            token = mock.tokens.issue(Principal(kind, f"journal-break-{kind}"))
            environ = {**request.environ, f"HTTP_{TOKEN_HEADER.upper().replace('-', '_')}": token}
            if Response.from_app(mock, environ, buffered=True).status_code != 401:
                break
    return answer


def _shown(change: Callable[[dict[str, Any]], dict[str, Any]]) -> JournalChange:
    """A journal that records correctly but shows each event changed by `change`."""

    def show(mock: MockApp, request: Request, answer: Response) -> Response:
        if request.path == "/__mock/events" and answer.status_code == 200:
            body = answer.get_json()
            body["events"] = [change(event) for event in body["events"]]
            answer.set_data(json.dumps(body, ensure_ascii=False))
        return answer

    return show


def _last_value_only(event: dict[str, Any]) -> dict[str, Any]:
    return {**event, "query": {name: values[-1:] for name, values in event["query"].items()}}


def _name_still_encoded(event: dict[str, Any]) -> dict[str, Any]:
    return {**event, "eventName": quote(event["eventName"], safe="")}


def _no_token_user(event: dict[str, Any]) -> dict[str, Any]:
    return {**event, "userId": None} if event["operationId"] == THISUSER_OPERATION else event


def _target_decoded(event: dict[str, Any]) -> dict[str, Any]:
    return {**event, "target": unquote(event["target"])}


JOURNAL_BREAKS = {
    brk.name: brk
    for brk in (
        # The first rejected request the suite checks is /metrics/user with an invalid token.
        Break("journal_records_rejected", ("R1",), _record_rejected),
        Break("journal_keeps_last_query_value", ("R4",), _shown(_last_value_only)),
        Break("journal_name_still_encoded", ("R5",), _shown(_name_still_encoded)),
        Break("journal_loses_token_user", ("R2",), _shown(_no_token_user)),
    )
}
# The generated journal checks compare names and queries; a replayed request's event must
# show its target as recorded too (contract_tests/journal.py).
JOURNAL_TARGET_DECODED = Break("journal_target_decoded", ("R5",), _shown(_target_decoded))


def _forgetting(mock: MockApp, request: Request, answer: Response) -> Response:
    """A journal that lists no event at all."""
    if request.path == "/__mock/events" and answer.status_code == 200:
        answer.set_data(json.dumps({**answer.get_json(), "events": []}))
    return answer


JOURNAL_FORGETS = Break("journal_forgets", ("R5",), _forgetting)


def _head_records(mock: MockApp, request: Request, answer: Response) -> Response:
    """HEAD on a metrics path answered 200 and recorded as a GET would be (a router that
    answers HEAD with the GET handler)."""
    if request.method == "HEAD" and request.path.startswith("/metrics/"):
        recorded = Response.from_app(mock, {**request.environ, "REQUEST_METHOD": "GET"})
        return Response(status=recorded.status_code)
    return answer


HEAD_RECORDS = Break("head_records_an_event", ("closed surface",), _head_records)


@contextmanager
def journal_mock(brk: Break | None = None) -> Iterator[Callable]:
    """The real mock (temporary journal, deleted on exit); with a break, wrapped by it.

    On exit, like mockserver.running.running_mock, it raises the errors the mock answered 500.
    """
    failures: list[BaseException] = []
    mock = MockApp(MockConfig(), on_error=failures.append)

    @Request.application
    def app(request: Request) -> Response:
        answer = Response.from_app(mock, request.environ, buffered=True)
        return answer if brk is None else brk.change(mock, request, answer)

    try:
        yield app
    finally:
        mock.close()
    left = glob.glob(glob.escape(str(mock.journal.path)) + "*")
    assert not left, f"the mock left files of its temporary journal behind: {left}"
    if failures:  # bugs the mock answered 500: raised here, not hidden in a failed run
        raise ExceptionGroup("the mock failed on some requests", failures)


# Redirects ---------------------------------------------------------------------------


def redirecting(app: Callable, prefix: str, to: str) -> Callable:
    """`app`, but every request under `prefix` is answered 307 to the same path at `to`,
    the token it carried echoed in the query, as a hostile environment would ask for it."""

    def wsgi(environ: dict[str, Any], start_response: Callable) -> Any:
        request = Request(environ)
        if not request.path.startswith(prefix):
            return app(environ, start_response)
        echoed = quote(request.headers.get(TOKEN_HEADER, ""), safe="")
        location = f"{to}{quote(request.path)}?session={echoed}"
        return Response(status=307, headers={"Location": location})(environ, start_response)

    return wsgi


@contextmanager
def listening() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Another origin on loopback, and the headers of every request that reaches it."""
    seen: list[dict[str, str]] = []

    @Request.application
    def app(request: Request) -> Response:
        seen.append(dict(request.headers))
        return Response(status=200, headers={TOKEN_HEADER: "listener-token"})

    with serving(app) as base_url:
        yield base_url, seen


# Targets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A server to run the suite against, and how to run the suite against it."""

    serve: Callable[[], AbstractContextManager[str]]  # yields the server's base URL
    # The suite's tokens (environment variables); without them it logs in to the mock.
    tokens: Mapping[str, str]
    # Options of the suite's run, such as `-k` to run part of it.
    suite_options: tuple[str, ...] = ()


REFERENCE_TOKENS = {"TIDEPOOL_SESSION_TOKEN": USER_TOKEN, "TIDEPOOL_SERVER_TOKEN": SERVER_TOKEN}


def reference_target(
    brk: Break | None = None,
    accepted: Mapping[str, set[str | None]] = CONTRACT,
    suite_options: tuple[str, ...] = (),
) -> Target:
    """The reference environment (with a break), and the whole suite with its tokens."""
    return Target(
        lambda: serving(create_app(brk, accepted)),
        REFERENCE_TOKENS,
        (*(brk.suite_options if brk else ()), *suite_options),
    )


def mock_target(brk: Break | None = None, suite_options=("-k", "test_recorded_events")) -> Target:
    """The real mock (with a journal break), and by default only the journal checks."""

    @contextmanager
    def serve() -> Iterator[str]:
        with journal_mock(brk) as app, serving(app) as base_url:
            yield base_url

    return Target(serve, {}, suite_options)


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
