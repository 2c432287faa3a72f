"""The WSGI application: request in, response out, with the rules the spec states.

Data flows one way: spec -> operations -> URL map -> handlers -> journal. The handlers
for spec operations are one generic handler; the `on_<endpoint>` methods are the mock's
own API (login, the journal, status, the inspector page).
"""

from __future__ import annotations

import collections
import json
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from . import errors
from .auth import USER, Accounts, Authority, Principal, Unauthorized, basic_credentials
from .config import MockConfig
from .cors import CorsPolicy
from .errors import PlainError
from .faults import FaultRequestError, Faults, Preference
from .journal import Event, Journal
from .routes import build_map, path_arguments
from .spec import Operation, load_spec
from .uri import MalformedTarget, decode_component, parse_query, raw_target

SESSION_TOKEN_HEADER = "X-Tidepool-Session-Token"
SERVER_NAME_HEADER = "X-Tidepool-Server-Name"
SERVER_SECRET_HEADER = "X-Tidepool-Server-Secret"
STATIC_DIR = Path(__file__).resolve().parent / "static"
INSPECTOR_PAGE = "inspector.html"
# The journal's records name the path parameters they keep after the spec's names.
USER_ID_PARAM, SERVER_NAME_PARAM, EVENT_NAME_PARAM = "userId", "serverName", "eventName"
# Unexpected exceptions kept for `running_mock` to re-raise in the test that caused them.
KEPT_ERRORS = 20

log = logging.getLogger("mockserver")


class MockApp:
    def __init__(
        self, config: MockConfig, on_events: Callable[[list[Event]], None] | None = None
    ) -> None:
        self.config = config
        self.spec = load_spec(config.spec_path)
        accounts = Accounts.from_file(config.accounts_path) if config.accounts_path else Accounts()
        self.journal = Journal(config.journal_file, config.max_events, on_commit=on_events)
        self.authority = Authority(accounts, self.journal.signing_key)
        self.faults = Faults(config.latency, config.fail_rate)
        self.cors = CorsPolicy(config.cors_origin, {*self.spec.token_headers, SESSION_TOKEN_HEADER})
        self.operations = {operation.operation_id: operation for operation in self.spec.operations}
        self.url_map = build_map(self.spec.operations)
        self.errors: collections.deque[BaseException] = collections.deque(maxlen=KEPT_ERRORS)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        return self.respond(Request(environ))(environ, start_response)

    def close(self) -> None:
        self.journal.close()

    def respond(self, request: Request) -> Response:
        try:
            response = self.dispatch(request)
        except HTTPException as error:
            response = PlainError.from_http_exception(error).get_response()
        except Exception as error:  # a bug in the mock: answer, log, and keep serving
            log.exception("error on %s %s", request.method, raw_target(request.environ)[0])
            self.errors.append(error)
            response = PlainError(500, errors.INTERNAL_ERROR).get_response()
        response.headers.extend(self.cors.headers())
        return response

    def dispatch(self, request: Request) -> Response:
        raw_path, raw_query = raw_target(request.environ)
        if not raw_path.startswith("/") or raw_path.startswith("//"):
            raise NotFound()  # Werkzeug would match them as if they had one leading slash
        adapter = self.url_map.bind("mock")
        if request.method == "OPTIONS":
            methods = adapter.allowed_methods(raw_path)
            if not methods:
                raise NotFound()
            return Response(status=204, headers=self.cors.preflight_headers(methods))
        endpoint, matched = adapter.match(raw_path, request.method)
        try:
            query = parse_query(raw_query)
            if endpoint in self.operations:
                operation = self.operations[endpoint]
                arguments = path_arguments(operation, matched)
                decoded = {name: decode_component(value) for name, value in arguments.items()}
                return self.on_operation(request, operation, decoded, query)
            decoded = {name: decode_component(value) for name, value in matched.items()}
        except MalformedTarget as error:
            raise PlainError(400, errors.MALFORMED_TARGET.format(reason=error)) from None
        return getattr(self, f"on_{endpoint}")(request, query, **decoded)

    # Spec operations ---------------------------------------------------------------

    def on_operation(
        self, request: Request, operation: Operation, path: dict[str, str], query: dict
    ) -> Response:
        try:
            preference = Preference.parse(request.headers.get("Prefer"))
            self.faults.check(operation, preference)
        except FaultRequestError as error:
            raise PlainError(400, str(error)) from None
        try:
            principal = self.authority.authorize(operation, request.headers)
        except Unauthorized:
            status, message = 401, errors.UNAUTHORIZED
        else:
            outcome = self.faults.outcome(operation, preference)
            status, message = outcome.status, outcome.message
        delay = self.faults.delay_seconds(preference)
        if delay > 0:  # even sleep(0) yields the GIL, which costs a busy server dearly
            time.sleep(delay)
        if status != operation.success_code:
            return Response(f"{message}\n", status=status, content_type="text/plain; charset=utf-8")
        self._record(operation, principal, path, query)
        return Response(status=status)

    def _record(
        self, operation: Operation, principal: Principal | None, path: dict, query: dict
    ) -> None:
        token_user = principal.id if principal is not None and principal.kind == USER else None
        self.journal.record(
            operation.operation_id,
            user_id=path.get(USER_ID_PARAM, token_user),
            server_name=path.get(SERVER_NAME_PARAM),
            event_name=path.get(EVENT_NAME_PARAM),
            query=query,
        )

    # Login ------------------------------------------------------------------------

    def on_user_login(self, request: Request, query: dict) -> Response:
        credentials = basic_credentials(request.headers.get("Authorization"))
        principal = self.authority.accounts.user_login(*credentials) if credentials else None
        if principal is None:
            raise PlainError(401, errors.LOGIN_FAILED)
        return self._session(principal)

    def on_session_refresh(self, request: Request, query: dict) -> Response:
        token = request.headers.get(SESSION_TOKEN_HEADER)
        principal = self.authority.identify(token) if token is not None else None
        if principal is None or principal.kind != USER:
            raise PlainError(401, errors.SESSION_INVALID)
        return self._session(principal)

    def on_server_login(self, request: Request, query: dict) -> Response:
        principal = self.authority.accounts.server_login(
            request.headers.get(SERVER_NAME_HEADER, ""),
            request.headers.get(SERVER_SECRET_HEADER, ""),
        )
        if principal is None:
            raise PlainError(401, errors.SERVER_LOGIN_FAILED)
        return Response(status=200, headers={SESSION_TOKEN_HEADER: self.authority.issue(principal)})

    def _session(self, principal: Principal) -> Response:
        return _json(
            principal.login_body(), headers={SESSION_TOKEN_HEADER: self.authority.issue(principal)}
        )

    # The mock's own endpoints ---------------------------------------------------------

    def on_events(self, request: Request, query: dict) -> Response:
        filters: dict[str, str | int] = {}
        for name, values in query.items():
            if name not in Journal.FILTERS or len(values) > 1:
                raise PlainError(
                    400, errors.UNKNOWN_FILTER.format(name=name, filters=", ".join(Journal.FILTERS))
                )
            filters[name] = values[0]
        if "since" in filters:
            since = str(filters["since"])
            if not (since.isascii() and since.isdigit() and len(since) <= 18):
                raise PlainError(400, errors.BAD_SINCE)
            filters["since"] = int(since)
        _, dropped = self.journal.counts()
        events = [event.to_json() for event in self.journal.events(**filters)]
        return _json({"events": events, "dropped": dropped})

    def on_clear_events(self, request: Request, query: dict) -> Response:
        self.journal.clear()
        return Response(status=204)

    def on_status(self, request: Request, query: dict) -> Response:
        kept, dropped = self.journal.counts()
        spec, latency = self.spec, self.faults.latency
        return _json(
            {
                "spec": {"path": str(spec.path), "title": spec.title, "version": spec.version},
                "faults": {
                    "latency": {"minMs": latency.min_ms, "maxMs": latency.max_ms},
                    "failRate": self.faults.fail_rate,
                },
                "credentials": self.authority.accounts.describe(),
                "corsOrigin": self.cors.origin,
                "journal": {"file": str(self.journal.path), "maxEvents": self.journal.max_events},
                "counts": {"events": kept, "dropped": dropped},
            }
        )

    def on_inspector(self, request: Request, query: dict) -> Response:
        return send_from_directory(STATIC_DIR, INSPECTOR_PAGE, request.environ)

    def on_static(self, request: Request, query: dict, filename: str) -> Response:
        return send_from_directory(STATIC_DIR, filename, request.environ)


def _json(body: dict, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), headers=headers, mimetype="application/json"
    )


def create_app(
    config: MockConfig, on_events: Callable[[list[Event]], None] | None = None
) -> MockApp:
    """Build the app; `on_events` is told about recorded events as each batch of them is
    committed, in order (the CLI prints them)."""
    return MockApp(config, on_events)
