"""`--forward-metrics`: metrics requests go to the upstream, and its answers are judged.

A validating proxy: the client gets the upstream's answer as it came, and the journal
gets the event with the upstream's status and the rules of the contract the exchange
broke (conformance.py). A request on the closed surface (closed_surface.py) that the
upstream answers 2xx has recorded an event no spec allows: it is journaled too, for the
operation whose event it recorded, breaking the rule "closed surface". To judge the auth rules the mock asks the upstream's auth
service whose the token is (upstream_auth.py), as it does when it answers metrics
itself; when that service cannot say, only the rules that need no token are checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from werkzeug.wrappers import Request, Response

from ..auth.accounts import Principal
from ..auth.security import Unauthorized, authorize
from ..errors import PlainError
from ..journal.store import Violation
from ..spec import Operation
from .closed_surface import RULE, Outside
from .conformance import REJECTED, check_exchange
from .passthrough import PassThroughResponse, Upstream

# A metrics answer has an empty body; more than this of one is not kept to pass back.
MAX_BODY_BYTES = 64 * 1024
Identify = Callable[[str], Principal | None]
Record = Callable[..., object]


class ForwardedMetrics:
    def __init__(self, upstream: Upstream, identify: Identify, record: Record) -> None:
        self._upstream = upstream
        self._identify = identify
        self._record = record

    def handle(self, operation: Operation, request: Request, query: dict, path: dict) -> Response:
        answer = self._upstream.send(request)
        body = self._upstream.read(answer, MAX_BODY_BYTES)
        principal, expected, credential = self._judge(operation, request.headers)
        violations = check_exchange(
            operation, answer.status, len(body), expected, credential, carries_query=bool(query)
        )
        self._record(
            operation,
            request,
            principal,
            path,
            query,
            upstream_status=answer.status,
            violations=violations,
        )
        return self._passed_back(answer, body)

    def handle_outside(
        self, outside: Outside, request: Request, query: dict, path: dict
    ) -> Response:
        """A request on the closed surface, passed on; a 2xx answer is journaled as broken."""
        answer = self._upstream.send(request)
        body = self._upstream.read(answer, MAX_BODY_BYTES)
        if 200 <= answer.status < 300:
            reason = (
                f"{request.method} {outside.route} answered {answer.status}; the spec lists "
                "no such route, and none may record an event"
            )
            self._record(
                outside.operation,
                request,
                None,
                path,
                query,
                upstream_status=answer.status,
                violations=(Violation(RULE, reason),),
            )
        return self._passed_back(answer, body)

    def _passed_back(self, answer, body: bytes) -> Response:
        headers = [
            (k, v)
            for k, v in self._upstream.answer_headers(answer)
            if k.lower() != "content-length"
        ]
        return PassThroughResponse(body, status=answer.status, headers=headers)

    def _judge(
        self, operation: Operation, headers: Mapping[str, str]
    ) -> tuple[Principal | None, int | None, str]:
        """Whom the request acts as, the status its credentials call for, and them in words."""
        token = next((headers[h] for h in sorted(operation.token_headers) if h in headers), None)
        try:
            sent = self._identify(token) if token is not None else None
            principal = authorize(operation, headers, self._identify)
        except PlainError:  # the auth service cannot say: the auth rules cannot be judged
            return None, None, ""
        except Unauthorized:
            return None, REJECTED, _in_words(token, sent)
        return principal, operation.success_status, _in_words(token, sent)


def _in_words(token: str | None, principal: Principal | None) -> str:
    if token is None:
        return "no token"
    if principal is None:
        return "a token the upstream rejects"
    return f"a valid {principal.kind} token"
