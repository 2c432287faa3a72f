"""A stand-in Tidepool environment on 127.0.0.1, for the mock's pass-through tests.

It answers the few routes a frontend calls after login the way Tidepool's services do
(shoreline's /auth routes, a seagull-like metadata route, the metrics service), plus an
echo route that tells what reached it. Switches make it slow, make its auth service fail,
or make its metrics service break a rule of the contract. It is written from Tidepool's
documented behaviour only and shares no code with the mock.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

TOKEN_HEADER = "X-Tidepool-Session-Token"
USERNAME, PASSWORD, USERID = "alice@example.org", "alice-upstream-password", "a1ce000001"
SERVER_NAME, SERVER_SECRET = "clinic-worker", "clinic-worker-upstream-secret"
# The stand-in's own CORS answer, which the mock must replace with its own policy.
OWN_ORIGIN = "https://app.upstream.example"
# How long a streamed answer waits for the test to let it finish.
STREAM_HOLD_S = 5.0

# Ways its metrics service can break the contract.
BODY_ON_SUCCESS = "body"  # R6: 200 with a body
SERVICE_UNAVAILABLE = "503"  # R6: an undocumented status
REJECT_VALID_TOKENS = "reject"  # R1-R3: 401 for a token the operation accepts
ACCEPT_ANYTHING = "accept"  # R1-R3: 200 for credentials the operation must refuse


@dataclass
class Switches:
    delay_s: float = 0.0  # before every answer
    token_check_status: int | None = None  # GET /auth/token answers this instead
    metrics_break: str | None = None
    # The service run with NOAUTH, and writing methods answered: its closed surface open.
    closed_surface_open: bool = False


@dataclass
class Received:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class TidepoolStandIn:
    url: str = ""
    switches: Switches = field(default_factory=Switches)
    received: list[Received] = field(default_factory=list)
    tokens: dict[str, tuple[str, bool]] = field(default_factory=dict)  # token -> (id, server)
    stream_released: threading.Event = field(default_factory=threading.Event)
    stream_outcome: list[str] = field(default_factory=list)

    def paths(self, prefix: str) -> list[str]:
        return [r.target for r in self.received if r.target.startswith(prefix)]

    def wsgi(self, environ, start_response):
        request = Request(environ)
        self.received.append(
            Received(
                request.method,
                environ["RAW_URI"],
                list(request.headers.items()),
                request.get_data(),
            )
        )
        time.sleep(self.switches.delay_s)
        try:
            endpoint, values = URLS.bind_to_environ(environ).match()
            response = getattr(self, endpoint)(request, **values)
        except Exception as error:  # werkzeug's NotFound and MethodNotAllowed
            response = Response(f"stand-in: {error}", status=getattr(error, "code", 500))
        response.headers["Access-Control-Allow-Origin"] = OWN_ORIGIN
        response.headers["X-Upstream"] = "stand-in"
        return response(environ, start_response)

    # shoreline --------------------------------------------------------------------------

    def login(self, request: Request) -> Response:
        if request.authorization is None or (
            request.authorization.username,
            request.authorization.password,
        ) != (USERNAME, PASSWORD):
            return Response('{"code":401,"reason":"No user matched"}', status=401)
        body = {"userid": USERID, "username": USERNAME, "emails": [USERNAME]}
        return _json(body, headers={TOKEN_HEADER: self._issue(USERID, False)})

    def server_login(self, request: Request) -> Response:
        name = request.headers.get("X-Tidepool-Server-Name")
        if (name, request.headers.get("X-Tidepool-Server-Secret")) != (SERVER_NAME, SERVER_SECRET):
            return Response(status=401)
        return Response(status=200, headers={TOKEN_HEADER: self._issue(SERVER_NAME, True)})

    def user(self, request: Request) -> Response:
        owner = self.tokens.get(request.headers.get(TOKEN_HEADER, ""))
        if owner is None or owner[1]:
            return Response(status=401)
        return _json({"userid": USERID, "username": USERNAME, "emails": [USERNAME]})

    def check_token(self, request: Request) -> Response:
        if self.switches.token_check_status is not None:
            return Response("auth is having a bad day", status=self.switches.token_check_status)
        owner = self.tokens.get(request.headers.get(TOKEN_HEADER, ""))
        if owner is None:
            return Response('{"code":401,"reason":"No token"}', status=401)
        return _json({"userid": owner[0], "isserver": owner[1], "expires_in": 3600})

    def _issue(self, principal_id: str, server: bool) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = (principal_id, server)
        return token

    # seagull, and a route that shows what arrived ------------------------------------

    def profile(self, request: Request, user_id: str) -> Response:
        if request.headers.get(TOKEN_HEADER) not in self.tokens:
            return Response(status=401)
        return _json({"fullName": "Alice Upstream", "patient": {"birthday": "1990-01-01"}})

    def echo(self, request: Request, rest: str = "") -> Response:
        last = self.received[-1]
        body = {
            "method": last.method,
            "target": last.target,
            "headers": last.headers,
            "body": base64.b64encode(last.body).decode("ascii"),
        }
        response = _json(body, status=int(request.args.get("status", 200)))
        response.headers.add("Set-Cookie", "a=1; Path=/")
        response.headers.add("Set-Cookie", "b=2; Path=/")
        if "location" in request.args:
            response.headers["Location"] = request.args["location"]
        return response

    def stream(self, request: Request) -> Response:
        """Sends a first chunk, then waits for the test to say it saw it."""

        def chunks() -> Iterator[bytes]:
            yield b"first chunk\n"
            released = self.stream_released.wait(STREAM_HOLD_S)
            self.stream_outcome.append("released" if released else "timed out")
            yield b"second chunk\n"

        return Response(chunks(), mimetype="text/plain")

    # the metrics service ---------------------------------------------------------------

    def metrics_user(self, request: Request, **_) -> Response:
        return self._metrics(request, {"user", "server"}, anonymous=True)

    def metrics_thisuser(self, request: Request, **_) -> Response:
        return self._metrics(request, {"user"})

    def metrics_server(self, request: Request, **_) -> Response:
        return self._metrics(request, {"server"})

    def _metrics(self, request: Request, kinds: set[str], anonymous: bool = False) -> Response:
        owner = self.tokens.get(request.headers.get(TOKEN_HEADER, ""))
        sent = TOKEN_HEADER in request.headers
        accepted = (anonymous and not sent) or (owner is not None and _kind(owner) in kinds)
        broken = self.switches.metrics_break
        if broken == SERVICE_UNAVAILABLE:
            return Response("upstream metrics service unavailable", status=503)
        if broken == REJECT_VALID_TOKENS and owner is not None:
            accepted = False
        if broken == ACCEPT_ANYTHING:
            accepted = True
        if not accepted:
            return Response(status=401)
        answer = Response("recorded" if broken == BODY_ON_SUCCESS else b"", status=200)
        answer.headers.add("Set-Cookie", "gateway=1; Path=/")  # as a gateway may set one
        return answer

    def metrics_outside(self, request: Request, **_) -> Response:
        """A route no spec lists (spec/closed-surface.yaml), or a write on a metrics path."""
        return Response(status=200 if self.switches.closed_surface_open else 404)


def _kind(owner: tuple[str, bool]) -> str:
    return "server" if owner[1] else "user"


def _json(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


URLS = Map(
    [
        Rule("/auth/login", methods=["POST"], endpoint="login"),
        Rule("/auth/serverlogin", methods=["POST"], endpoint="server_login"),
        Rule("/auth/user", methods=["GET"], endpoint="user"),
        Rule("/auth/token", methods=["GET"], endpoint="check_token"),
        Rule("/metadata/<user_id>/profile", methods=["GET"], endpoint="profile"),
        Rule("/echo", endpoint="echo"),
        Rule("/echo/<path:rest>", endpoint="echo"),
        Rule("/stream", endpoint="stream"),
        Rule("/metrics/user/<user_id>/<event>", methods=["GET"], endpoint="metrics_user"),
        Rule("/metrics/thisuser/<event>", methods=["GET"], endpoint="metrics_thisuser"),
        Rule("/metrics/server/<server>/<event>", methods=["GET"], endpoint="metrics_server"),
        Rule("/metrics/noauth/<user_id>/<event>", methods=["GET"], endpoint="metrics_outside"),
        Rule("/metrics/user/<user_id>/<event>", methods=["POST"], endpoint="metrics_outside"),
    ],
    merge_slashes=False,
)


class _RawTargetHandler(WSGIRequestHandler):
    """Quiet, and keeps the request target exactly as it arrived."""

    def make_environ(self) -> dict:
        environ = super().make_environ()
        environ["RAW_URI"] = self.requestline.split()[1]
        return environ

    def log_request(self, code="-", size="-") -> None:
        pass


@contextmanager
def running_standin() -> Iterator[TidepoolStandIn]:
    """The stand-in on 127.0.0.1 and a free port, for the duration of the block."""
    standin = TidepoolStandIn()
    server = make_server(
        "127.0.0.1", 0, standin.wsgi, threaded=True, request_handler=_RawTargetHandler
    )
    standin.url = f"http://127.0.0.1:{server.port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        standin.stream_released.set()
        server.shutdown()
        thread.join()
        server.server_close()
