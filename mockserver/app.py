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
from werkzeug.wrappers import Response

from tracking_plan.hook import WatchedPlan

from . import errors
from .admission import Admission, MockRequest
from .auth.accounts import USER, Accounts, Principal
from .auth.security import Unauthorized, authorize
from .auth.tokens import SESSION_TOKEN_HEADER, Revocations, Tokens, shared_signing_key
from .callers import (
    OWN_PREFIX,
    SECURITY_HEADERS,
    is_loopback_origin,
    is_own_origin,
    is_own_path,
)
from .config import (
    LOOPBACK_ORIGINS,
    MAX_FOREIGN_DELAY_MS,
    MAX_PREFERRED_DELAY_MS,
    OWN_BODY_LIMIT,
    PASS_THROUGH_BODY_LIMIT,
    REQUEST_LINE_LIMIT,
    MockConfig,
)
from .cors import CorsPolicy
from .errors import PLAIN_TEXT, PlainError, read_body
from .faults import DelayedResponse, FaultRequestError, Faults, LostAnswer, Preference
from .hosts import HostPolicy
from .journal.rejections import Rejection, Rejections
from .journal.shared import SharedSetting
from .journal.store import NO_CREDENTIAL, Event, Journal
from .masking import masked_values, shown_target
from .own_api import JOURNAL_SIZED_PATHS, ROUTES, OnFaults, OwnApi, own_rules, secret_paths
from .routes import build_map, nearest_route, path_arguments
from .spec import Operation, load_spec
from .upstream.auth import UpstreamTokens
from .upstream.closed_surface import ClosedSurface
from .upstream.passthrough import PassThroughResponse, Upstream
from .upstream.validating_proxy import ForwardedMetrics
from .uri import MalformedTarget, decode_component, parse_query

# The journal's records name the path parameters they keep after the spec's names.
USER_ID_PARAM, SERVER_NAME_PARAM, EVENT_NAME_PARAM = "userId", "serverName", "eventName"
# Paths and methods whose route and path values each worker remembers (MockApp._match).
ROUTE_CACHE_SIZE = 1024
# What a browser may send to a path that passes through, as far as the mock's preflight says.
PASS_THROUGH_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")

log = logging.getLogger("mockserver")
Handler = Callable[[MockRequest, dict, dict], Response]


class MockApp:
    """The mock, built from one MockConfig.

    `on_events` is told about recorded events as each batch of them is committed, in
    order, `on_rejection` about each request refused, and `on_faults` about each change
    of the faults (the command line prints all three);
    `on_error` about exceptions the mock answered 500 (the in-process server re-raises
    them in the test that caused them).
    """

    def __init__(
        self,
        config: MockConfig,
        on_events: Callable[[list[Event]], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_rejection: Callable[[Rejection], None] | None = None,
        on_faults: OnFaults | None = None,
        plan: WatchedPlan | None = None,
    ) -> None:
        self.config = config
        self.spec = load_spec(config.spec_path)
        # The tracking plan (--plan): given when the terminal shares it, else read here.
        self.plan = plan or load_plan(config)
        self.accounts = (
            Accounts.from_file(config.accounts_path) if config.accounts_path else Accounts()
        )
        self.journal = Journal(
            config.journal_file,
            config.max_events,
            on_commit=on_events,
            verdict_of=self._plan_verdict if self.plan else None,
        )
        self.tokens = Tokens(
            self.accounts,
            shared_signing_key(self.journal.path),
            config.token_lifetime_s,
            Revocations(self.journal),
        )
        self.faults = Faults(
            config.latency, config.fail_rate, shared=SharedSetting(self.journal, "faults")
        )
        token_headers = {*self.spec.token_headers, SESSION_TOKEN_HEADER}
        self.cors = CorsPolicy(config.allowed_origins(), token_headers)
        # The mock's own API is for its own pages and this machine's, whatever --cors-origin.
        self.own_cors = CorsPolicy((LOOPBACK_ORIGINS,), token_headers)
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
        self._route = functools.lru_cache(maxsize=ROUTE_CACHE_SIZE)(self._match)
        self.rejections = Rejections(self.journal, on_record=on_rejection)
        own_api = OwnApi(
            config,
            self.spec,
            self.journal,
            self.rejections,
            self.accounts,
            self.tokens,
            self.faults,
            self.plan,
            on_faults,
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
        self.admission = Admission(
            HostPolicy([config.host, *config.allowed_hosts]),
            None if self.cors.allows_any else self.cors.allows,
            config.allow_remote_changes,
            self.body_limit,
        )

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """The WSGI entry, for Werkzeug's test client: the same admission and answer as
        the server's adapter (serving/asgi.py), the body read as the app asks for it."""
        request = MockRequest(environ)
        refused = self.admission.refusal(request)
        if refused is None:
            try:
                read_body(request, self.body_limit(request.method, request.raw_path))
            except PlainError as error:
                refused = error
        response = self.refuse(request, refused) if refused else self.respond(request)
        if isinstance(response, DelayedResponse) and response.delay_s > 0:
            time.sleep(response.delay_s)
        return response(environ, start_response)

    def close(self) -> None:
        self.journal.close()

    def _plan_verdict(self, event: dict) -> str:
        """The plan's verdict on an event as listed, for the journal's `plan` filter."""
        return self.plan.judge(event).verdict

    def may_be_slow(self, request: MockRequest) -> bool:
        """Whether answering may block for long, not only take a little CPU and the
        journal's commit: with `--upstream`, or on a route of the mock's own API whose work
        grows with the journal. The server answers these in a pool's threads and the rest
        on its event loop, which they would hold up (serving/asgi.py)."""
        return self.upstream is not None or request.raw_path in JOURNAL_SIZED_PATHS

    def body_limit(self, method: str, raw_path: str) -> int:
        """The most a request may send: what passes through to an upstream carries device
        data; the mock's own routes take a small form at most."""
        if self.upstream is not None and not self._served_here(raw_path, method):
            return PASS_THROUGH_BODY_LIMIT
        return OWN_BODY_LIMIT

    def respond(self, request: MockRequest) -> Response:
        """The answer to an admitted request whose body, if any, has been read."""
        try:
            response = self.dispatch(request)
        except HTTPException as error:
            response = PlainError.from_http_exception(error).get_response()
        except Exception as error:  # a bug in the mock: answer, log, and keep serving
            log.exception("error on %s %s", request.method, request.raw_path)
            if self._on_error is not None:
                self._on_error(error)
            response = PlainError(500, errors.INTERNAL_ERROR).get_response()
        return self._finish(request, response)

    def refuse(self, request: MockRequest, error: PlainError) -> Response:
        """The answer to a request refused before it was served (admission, its body)."""
        return self._finish(request, error.get_response())

    def _finish(self, request: MockRequest, response: Response) -> Response:
        # An upstream's answer, passed on, is not the mock refusing anything.
        passed_through = isinstance(response, PassThroughResponse)
        if response.status_code >= 400 and not passed_through:
            plain = response.mimetype == "text/plain"
            reason = response.get_data(as_text=True).strip() if plain else ""
            self.keep_refusal(request, response.status_code, reason)
        cors = self.own_cors if is_own_path(request.raw_path) else self.cors
        added = cors.headers(request.headers.get("Origin"))
        response.headers.extend(added if passed_through else [*SECURITY_HEADERS, *added])
        return response

    def keep_refusal(self, request: MockRequest, status: int, reason: str) -> None:
        """Keep a refused request, its target masked, and its User-Agent; also a request
        the server cut because its body stalled (serving/asgi.py). A target past the
        request line's bound (a 414) is kept cut to it."""
        shown = shown_target(request.raw_path, request.raw_query, self._secret_paths)
        target = shown[:REQUEST_LINE_LIMIT]
        # A head refused for its size keeps no header value: the long one may be a token.
        too_large = status in (414, 431)
        user_agent = "" if too_large else request.headers.get("User-Agent", "")
        try:
            self.rejections.record(request.method, target, status, reason, user_agent)
        except Exception:  # the client's answer stands; a failed record must not change it
            log.exception("keeping the refused request %s %s failed", request.method, target)

    def dispatch(self, request: MockRequest) -> Response:
        raw_path, raw_query = request.target
        if self.upstream is not None and not self._served_here(raw_path, request.method):
            return self._pass_through(request)
        if not _routable(raw_path):
            raise PlainError(404, errors.NOT_FOUND)
        if request.method == "OPTIONS":
            methods = self.routes.allowed_methods(raw_path)
            if not methods:
                raise PlainError(404, errors.NOT_FOUND)
            return Response(status=204, headers=self.cors.preflight_headers(methods))
        try:
            endpoint, path_values = self._route(raw_path, request.method)
        except NotFound:
            hint = nearest_route(self.url_map, raw_path, self.operations)
            raise PlainError(
                404, errors.NOT_FOUND_NEAR.format(hint=hint) if hint else errors.NOT_FOUND
            ) from None
        except MalformedTarget as error:
            raise PlainError(400, errors.MALFORMED_TARGET.format(reason=error)) from None
        try:
            query = parse_query(raw_query)
        except MalformedTarget as error:
            raise PlainError(400, errors.MALFORMED_TARGET.format(reason=error)) from None
        return self.handlers[endpoint](request, query, dict(path_values))

    def _match(self, raw_path: str, method: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The endpoint a path and method reach, and its path values decoded. An app sends
        the same few event names again and again, so the last ROUTE_CACHE_SIZE answers are
        remembered per worker (__init__); a path that matches nothing is not."""
        endpoint, matched = self.routes.match(raw_path, method)
        if endpoint in self.operations:
            matched = path_arguments(self.operations[endpoint], matched)
        return endpoint, tuple((name, decode_component(value)) for name, value in matched.items())

    def record_event(
        self, operation: Operation, request: MockRequest, query: dict, path: dict
    ) -> Response:
        """Any Metrics operation: faults asked for, the token checked, the event journaled."""
        try:
            preference = Preference.parse(
                request.headers.get("Prefer"), self._max_delay_ms(request)
            )
            self.faults.check(operation, preference)
        except FaultRequestError as error:
            raise PlainError(400, str(error)) from None
        settings = self.faults.applying(operation)
        headers: tuple = ()
        try:
            principal = authorize(operation, request.headers, self.identify)
        except Unauthorized as refusal:
            status, message = 401, str(refusal)
        else:
            outcome = self.faults.outcome(operation, preference, settings)
            status, message, headers = outcome.status, outcome.message, outcome.headers
        delay = self.faults.delay_seconds(preference, settings)
        if status != operation.success_status:
            return DelayedResponse(
                f"{message}\n",
                status=status,
                headers=headers,
                content_type=PLAIN_TEXT,
                delay_s=delay,
            )
        self._record(operation, request, principal, path, query)
        if self.faults.loses_answer(settings):
            if settings.lose_delay_ms is None:
                return LostAnswer(status=status, delay_s=delay)
            delay += settings.lose_delay_ms / 1000
        return DelayedResponse(status=status, delay_s=delay)

    def _max_delay_ms(self, request: MockRequest) -> int:
        """How long `Prefer: delay` may hold an answer: a page the mock's own API would
        not serve (another machine's site) gets a short bound, so it cannot keep many
        connections open for long; the wait holds no thread either way (serving/asgi.py)."""
        origin = request.headers.get("Origin")
        if origin is None or is_loopback_origin(origin) or is_own_origin(request.environ, origin):
            return MAX_PREFERRED_DELAY_MS
        return MAX_FOREIGN_DELAY_MS

    def _record(
        self,
        operation: Operation,
        request: MockRequest,
        principal: Principal | None,
        path: dict,
        query: dict,
        **upstream_verdict,
    ) -> None:
        token_user = principal.id if principal is not None and principal.kind == USER else None
        # A credential in the query (`?access_token=`) is never kept: the journal, its
        # listing, the inspector, the HAR and the terminal all show it masked.
        self.journal.record(
            operation.operation_id,
            user_id=path.get(USER_ID_PARAM, token_user),
            server_name=path.get(SERVER_NAME_PARAM),
            event_name=path.get(EVENT_NAME_PARAM),
            query=masked_values(query),
            target=shown_target(request.raw_path, request.raw_query, ()),
            credential=principal.kind if principal is not None else NO_CREDENTIAL,
            user_agent=request.headers.get("User-Agent", ""),
            **upstream_verdict,
        )

    # --upstream -----------------------------------------------------------------------

    def _served_here(self, raw_path: str, method: str) -> bool:
        """A Metrics operation or one of the mock's own endpoints: not the upstream's."""
        if raw_path.startswith(OWN_PREFIX):
            return True
        if not _routable(raw_path):
            return False
        if method == "OPTIONS":
            return bool(self.routes.allowed_methods(raw_path))
        return self.routes.test(raw_path, method)

    def _pass_through(self, request: MockRequest) -> Response:
        """The upstream's answer; a browser's preflight the mock answers itself, as CORS is its."""
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            requested = request.headers.get("Access-Control-Request-Headers", "")
            headers = self.cors.preflight_headers(PASS_THROUGH_METHODS, requested)
            return Response(status=204, headers=headers)
        outside = self.closed_surface and self.closed_surface.find(request.method, request.raw_path)
        if outside:
            try:
                query = parse_query(request.raw_query)
                path = {name: decode_component(v) for name, v in outside.raw_values.items()}
            except MalformedTarget:  # not the mock's to refuse: passed on unjudged
                return self.upstream.forward(request)
            return self.forwarded.handle_outside(outside, request, query, path)
        return self.upstream.forward(request)


def load_plan(config: MockConfig) -> WatchedPlan | None:
    """The tracking plan --plan names, watched for changes; PlanProblem (one line) if it
    cannot be read, which stops the mock at start-up."""
    return WatchedPlan(config.plan_path) if config.plan_path is not None else None


def _routable(raw_path: str) -> bool:
    """Werkzeug would match a path without its leading `/`, or with `//`, as if it had
    one: neither is a path the mock serves."""
    return raw_path.startswith("/") and not raw_path.startswith("//")
