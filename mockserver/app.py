"""The WSGI application: request in, response out, with the rules the spec states.

Data flows one way: spec -> operations -> URL map -> handler -> journal. Every route,
a Metrics operation or one of the mock's own (own_api.py), is one endpoint named by its
operationId with one handler `(request, query, path) -> Response`, reached by the same
dispatch path. The Metrics operations share one handler, `record_event`.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Request, Response

from . import errors
from .auth.accounts import USER, Accounts, Principal
from .auth.security import Unauthorized, authorize
from .auth.tokens import SESSION_TOKEN_HEADER, Tokens, shared_signing_key
from .callers import OWN_PREFIX, SECURITY_HEADERS, is_own_path, refusal
from .config import LOOPBACK_ORIGINS, OWN_BODY_LIMIT, MockConfig
from .cors import CorsPolicy
from .errors import PLAIN_TEXT, PlainError, read_body
from .faults import FaultRequestError, Faults, Preference
from .hosts import HostPolicy
from .journal.rejections import Rejection, Rejections
from .journal.store import NO_CREDENTIAL, Event, Journal
from .masking import shown_target
from .own_api import JOURNAL_SIZED_PATHS, ROUTES, OwnApi, own_rules, secret_paths
from .routes import build_map, nearest_route, path_arguments
from .spec import Operation, load_spec
from .upstream.auth import UpstreamTokens
from .upstream.closed_surface import ClosedSurface
from .upstream.passthrough import PassThroughResponse, Upstream
from .upstream.validating_proxy import ForwardedMetrics
from .uri import MalformedTarget, decode_component, parse_query, raw_target

# The journal's records name the path parameters they keep after the spec's names.
USER_ID_PARAM, SERVER_NAME_PARAM, EVENT_NAME_PARAM = "userId", "serverName", "eventName"
# What a browser may send to a path that passes through, as far as the mock's preflight says.
PASS_THROUGH_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

log = logging.getLogger("mockserver")
Handler = Callable[[Request, dict, dict], Response]


class MockApp:
    """The mock, built from one MockConfig.

    `on_events` is told about recorded events as each batch of them is committed, in
    order, and `on_rejection` about each request refused (the command line prints both);
    `on_error` about exceptions the mock answered 500 (the in-process server re-raises
    them in the test that caused them).
    """

    def __init__(
        self,
        config: MockConfig,
        on_events: Callable[[list[Event]], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_rejection: Callable[[Rejection], None] | None = None,
    ) -> None:
        self.config = config
        self.spec = load_spec(config.spec_path)
        self.accounts = (
            Accounts.from_file(config.accounts_path) if config.accounts_path else Accounts()
        )
        self.journal = Journal(config.journal_file, config.max_events, on_commit=on_events)
        self.tokens = Tokens(self.accounts, shared_signing_key(self.journal.path))
        self.faults = Faults(config.latency, config.fail_rate)
        self.hosts = HostPolicy([config.host, *config.allowed_hosts])
        token_headers = {*self.spec.token_headers, SESSION_TOKEN_HEADER}
        self.cors = CorsPolicy(config.allowed_origins(), token_headers)
        # The mock's own API is for its own pages and this machine's, whatever --cors-origin.
        self.own_cors = CorsPolicy((LOOPBACK_ORIGINS,), token_headers)
        self._allows_origin = None if self.cors.allows_any else self.cors.allows
        self.operations = {operation.operation_id: operation for operation in self.spec.operations}
        # With an upstream, its tokens are the ones that count, and logging in is its job.
        self.upstream = (
            Upstream(
                config.upstream,
                config.upstream_timeout_s,
                config.threads,
                forward_cookies=config.forward_cookies,
            )
            if config.upstream
            else None
        )
        self.identify = (
            UpstreamTokens(self.upstream).identify if self.upstream else self.tokens.identify
        )
        local_rules = [
            rule for rule in own_rules() if not self.upstream or rule.rule.startswith(OWN_PREFIX)
        ]
        self.url_map = build_map(self.spec.operations, local_rules)
        # Bound once: matching an explicit path and method reads the map and keeps no state.
        self.routes = self.url_map.bind("mock")
        self.rejections = Rejections(self.journal, on_record=on_rejection)
        own_api = OwnApi(
            config, self.spec, self.journal, self.rejections, self.accounts, self.tokens
        )
        answer_event = self.record_event
        self.forwarded, self.closed_surface = None, None
        if config.forward_metrics:
            self.forwarded = ForwardedMetrics(self.upstream, self.identify, self._record)
            answer_event = self.forwarded.handle
            self.closed_surface = ClosedSurface(config.spec_path, self.spec.operations)
        self.handlers: dict[str, Handler] = {
            **{
                operation_id: functools.partial(answer_event, operation)
                for operation_id, operation in self.operations.items()
            },
            **{
                operation_id: functools.partial(handler, own_api)
                for operation_id, (_, handler) in ROUTES.items()
            },
        }
        self._on_error = on_error
        self._secret_paths = secret_paths()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        return self.respond(Request(environ))(environ, start_response)

    def close(self) -> None:
        self.journal.close()

    def may_be_slow(self, path: str, sends_prefer: bool) -> bool:
        """Whether answering a request may take long, not only a little CPU and the
        journal's commit: with `--latency` or `--upstream`, with a `Prefer` header (which
        may ask for a delay), or on a route of the mock's own API whose work grows with the
        journal. The server answers these in threads and the rest in its event loop,
        which they would hold up (loop_dispatch.py)."""
        return (
            sends_prefer
            or self.faults.latency.max_ms > 0
            or self.upstream is not None
            or path in JOURNAL_SIZED_PATHS
        )

    def respond(self, request: Request) -> Response:
        try:
            response = self.dispatch(request)
        except HTTPException as error:
            response = PlainError.from_http_exception(error).get_response()
        except ConnectionAbortedError:  # the client stopped sending its body (read_body)
            raise
        except Exception as error:  # a bug in the mock: answer, log, and keep serving
            log.exception("error on %s %s", request.method, raw_target(request.environ)[0])
            if self._on_error is not None:
                self._on_error(error)
            response = PlainError(500, errors.INTERNAL_ERROR).get_response()
        # An upstream's answer, passed on, is not the mock refusing anything.
        passed_through = isinstance(response, PassThroughResponse)
        if response.status_code >= 400 and not passed_through:
            self._keep_rejection(request, response)
        if not passed_through:
            response.headers.extend(SECURITY_HEADERS)
        cors = self.own_cors if is_own_path(raw_target(request.environ)[0]) else self.cors
        response.headers.extend(cors.headers(request.headers.get("Origin")))
        return response

    def _keep_rejection(self, request: Request, response: Response) -> None:
        """Keep a refused request and the reason its client got (our errors are one line)."""
        reason = (
            response.get_data(as_text=True).strip() if response.mimetype == "text/plain" else ""
        )
        self.keep_refusal(request.method, request.environ, response.status_code, reason)

    def keep_refusal(self, method: str, environ: dict, status: int, reason: str) -> None:
        """Keep a refused request, its target masked, and its User-Agent; also for the
        server's own refusals that never reach the app (serving/waitress_worker.py), whose
        `environ` holds only the target and a User-Agent from headers it accepted."""
        raw_path, raw_query = raw_target(environ)
        target = shown_target(raw_path, raw_query, self._secret_paths)
        user_agent = environ.get("HTTP_USER_AGENT", "")
        try:
            self.rejections.record(method, target, status, reason, user_agent)
        except Exception:  # the client's answer stands; a failed record must not change it
            log.exception("keeping the refused request %s %s failed", method, target)

    def dispatch(self, request: Request) -> Response:
        host = request.headers.get("Host")
        if not self.hosts.allows(host):
            raise PlainError(403, errors.HOST_NOT_ALLOWED.format(host=host))
        raw_path, raw_query = raw_target(request.environ)
        refused = refusal(
            request.method,
            raw_path,
            request.headers,
            request.environ,
            self._allows_origin,
            self.config.allow_remote_changes,
        )
        if refused is not None:
            raise PlainError(403, refused)
        if self.upstream is not None and not self._served_here(raw_path, request):
            return self._pass_through(request, raw_path, raw_query)
        # Read before any handler runs (and kept for it), so a chunked body counts too.
        read_body(request, OWN_BODY_LIMIT)
        if not _routable(raw_path):
            raise PlainError(404, errors.NOT_FOUND)
        if request.method == "OPTIONS":
            methods = self.routes.allowed_methods(raw_path)
            if not methods:
                raise PlainError(404, errors.NOT_FOUND)
            return Response(status=204, headers=self.cors.preflight_headers(methods))
        try:
            endpoint, matched = self.routes.match(raw_path, request.method)
        except NotFound:
            hint = nearest_route(self.url_map, raw_path, self.operations)
            raise PlainError(
                404, errors.NOT_FOUND_NEAR.format(hint=hint) if hint else errors.NOT_FOUND
            ) from None
        if endpoint in self.operations:
            matched = path_arguments(self.operations[endpoint], matched)
        try:
            query = parse_query(raw_query)
            path = {name: decode_component(value) for name, value in matched.items()}
        except MalformedTarget as error:
            raise PlainError(400, errors.MALFORMED_TARGET.format(reason=error)) from None
        return self.handlers[endpoint](request, query, path)

    def record_event(
        self, operation: Operation, request: Request, query: dict, path: dict
    ) -> Response:
        """Any Metrics operation: faults asked for, the token checked, the event journaled."""
        try:
            preference = Preference.parse(request.headers.get("Prefer"))
            self.faults.check(operation, preference)
        except FaultRequestError as error:
            raise PlainError(400, str(error)) from None
        try:
            principal = authorize(operation, request.headers, self.identify)
        except Unauthorized as refusal:
            status, message = 401, str(refusal)
        else:
            outcome = self.faults.outcome(operation, preference)
            status, message = outcome.status, outcome.message
        delay = self.faults.delay_seconds(preference)
        if delay > 0:  # even sleep(0) yields the GIL, which costs a busy server dearly
            time.sleep(delay)
        if status != operation.success_status:
            return Response(f"{message}\n", status=status, content_type=PLAIN_TEXT)
        self._record(operation, request, principal, path, query)
        return Response(status=status)

    def _record(
        self,
        operation: Operation,
        request: Request,
        principal: Principal | None,
        path: dict,
        query: dict,
        **upstream_verdict,
    ) -> None:
        token_user = principal.id if principal is not None and principal.kind == USER else None
        raw_path, raw_query = raw_target(request.environ)
        self.journal.record(
            operation.operation_id,
            user_id=path.get(USER_ID_PARAM, token_user),
            server_name=path.get(SERVER_NAME_PARAM),
            event_name=path.get(EVENT_NAME_PARAM),
            query=query,
            target=raw_path + (f"?{raw_query}" if raw_query else ""),
            credential=principal.kind if principal is not None else NO_CREDENTIAL,
            user_agent=request.headers.get("User-Agent", ""),
            **upstream_verdict,
        )

    # --upstream -----------------------------------------------------------------------

    def _served_here(self, raw_path: str, request: Request) -> bool:
        """A Metrics operation or one of the mock's own endpoints: not the upstream's."""
        if raw_path.startswith(OWN_PREFIX):
            return True
        if not _routable(raw_path):
            return False
        if request.method == "OPTIONS":
            return bool(self.routes.allowed_methods(raw_path))
        return self.routes.test(raw_path, request.method)

    def _pass_through(self, request: Request, raw_path: str, raw_query: str) -> Response:
        """The upstream's answer; a browser's preflight the mock answers itself, as CORS is its."""
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            requested = request.headers.get("Access-Control-Request-Headers", "")
            headers = self.cors.preflight_headers(PASS_THROUGH_METHODS, requested)
            return Response(status=204, headers=headers)
        outside = self.closed_surface and self.closed_surface.find(request.method, raw_path)
        if outside:
            try:
                query = parse_query(raw_query)
                path = {name: decode_component(v) for name, v in outside.raw_values.items()}
            except MalformedTarget:  # not the mock's to refuse: passed on unjudged
                return self.upstream.forward(request)
            return self.forwarded.handle_outside(outside, request, query, path)
        return self.upstream.forward(request)


def _routable(raw_path: str) -> bool:
    """Werkzeug would match a path without its leading `/`, or with `//`, as if it had
    one: neither is a path the mock serves."""
    return raw_path.startswith("/") and not raw_path.startswith("//")
