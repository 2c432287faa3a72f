"""The session's view of the target, and the one way every request of the suite is sent.

Built once per session by the `suite` fixture (pytest/fixtures.py). `Suite.send` builds the URL
from the spec's path template, sends it through the paced session, counts it and its
answer (or the error that came instead) for the summary and returns a curl line that replays exactly what was sent. `Suite.expect` sends
and checks: a broken answer is sent twice more (counted too), so that an intermittent one
is named as such, and raised as a `ContractViolation`. A refusal that broke every time,
of a request with a query, is blamed on the query (R4) or the path (R5) by one more
request, the path alone. Production gets each request once: its users' metrics are not
worth a second one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from contract_tests.checks import problems
from contract_tests.credentials import Credential, Tokens
from contract_tests.drifts import KnownDrifts
from contract_tests.environments import EVENT_NAME_PARAM
from contract_tests.failures import Attempts, ContractViolation, Problem
from contract_tests.pacing import PacedSession
from contract_tests.redaction import Redactor, curl_command
from contract_tests.rules import CLOSED_SURFACE, blamed, expected_status, path_or_query
from contract_tests.spec import Operation
from contract_tests.summary import Excused, RunSummary, skip

# How many times in all a request that broke the contract is sent, to tell flaky from broken.
ATTEMPTS = 3


@dataclass(frozen=True)
class Sent:
    response: requests.Response
    curl: str


@dataclass
class Suite:
    base_url: str
    http: PacedSession
    tokens: Tokens
    is_mock: bool
    redactor: Redactor
    event_prefix: str
    budget_s: float
    summary: RunSummary
    known_drifts: KnownDrifts | None = None
    is_production: bool = False
    # The node id of the test sending now, which every answer a known drift matches is
    # recorded with (set by the plugin as each contract test starts).
    test: str = ""

    def require(self, credential: Credential) -> dict[str, str]:
        """The headers for `credential`; a kind of token not given skips the test."""
        if credential in self.tokens.missing:
            skip(f"no {credential.token_kind} token: {self.tokens.missing[credential]}", gap=True)
        return self.tokens.header_for(credential)

    def event_name(self, name: str) -> str:
        """Against real environments, names carry the prefix that filters test traffic out of metrics."""
        return name if self.is_mock else self.event_prefix + name

    def send(
        self,
        operation: Operation,
        credential: Credential,
        path_values: dict[str, str],
        query: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Sent:
        """Send one request: the event name prefixed, every path value encoded as one segment.

        The path goes out as encoded here: requests would re-quote it and turn the `%2E`
        of the `.` and `..` edges back into dot segments, which servers and proxies remove.
        The query is encoded by requests, as `params=` always was.
        """
        headers = {**(headers or {}), **self.require(credential)}
        values = dict(path_values)
        if EVENT_NAME_PARAM in values:
            values[EVENT_NAME_PARAM] = self.event_name(values[EVENT_NAME_PARAM])
        url = self.base_url + operation.path(values)
        prepared = self.http.prepare_request(
            requests.Request(operation.method, url, headers=headers, params=query)
        )
        encoded_query = prepared.url.partition("?")[2]
        return self._send_exactly(
            operation, credential, prepared, url + ("?" + encoded_query if encoded_query else "")
        )

    def expect(
        self,
        operation: Operation,
        credential: Credential,
        path_values: dict[str, str],
        query: Any = None,
        *,
        more_checks: Callable[[requests.Response], list[Problem]] = lambda response: [],
    ) -> Sent:
        """Send, and raise a ContractViolation unless the answer keeps the contract."""
        __tracebackhide__ = True
        sent = self.send(operation, credential, path_values, query)
        return self.judge(operation, credential, sent, more_checks=more_checks)

    def send_as_recorded(self, operation: Operation, credential: Credential, target: str) -> Sent:
        """Send a recorded request target (path and query) exactly as recorded, onto the base URL.

        Requests would re-quote the URL (`%2E` to `.`, `%7E` to `~`); the prepared
        request is given the recorded one instead. Only the run's own token goes with it.
        """
        url = self.base_url + target
        prepared = self.http.prepare_request(
            requests.Request(operation.method, url, headers=self.require(credential))
        )
        return self._send_exactly(operation, credential, prepared, url)

    def _send_exactly(
        self,
        operation: Operation,
        credential: Credential,
        prepared: requests.PreparedRequest,
        url: str,
    ) -> Sent:
        """Send `prepared` to `url` as given (not as requests would re-quote it), counted
        with its answer, or the error that came instead, for the summary."""
        prepared.url = url
        self.summary.record_case(operation.operation_id, str(credential))
        return Sent(self._counted_send(prepared), self.curl(operation, prepared))

    def judge(
        self,
        operation: Operation,
        credential: Credential,
        sent: Sent,
        *,
        more_checks: Callable[[requests.Response], list[Problem]] = lambda response: [],
    ) -> Sent:
        """Raise a ContractViolation unless `sent` was answered as the contract says (or as
        a known drift excuses); a broken answer's request is sent twice more, as it was."""
        __tracebackhide__ = True
        expected = expected_status(operation, credential)
        carries_query = bool(urlsplit(sent.response.request.url or "").query)

        def found(response: requests.Response) -> list[Problem]:
            checked = problems(
                operation,
                expected,
                response,
                carries_query=carries_query,
                budget_s=self.budget_s,
                redact=self.redactor.redact,
            )
            return checked + more_checks(response)

        first = found(sent.response)
        if not first or self._excused(operation, credential, sent, expected, first):
            return sent
        attempts = 1 if self.is_production else ATTEMPTS
        again = (self._counted_send(sent.response.request) for _ in range(attempts - 1))
        failed = 1 + sum(bool(found(response)) for response in again)
        if failed == attempts and not self.is_production:  # a one-off is no one's to blame
            first = self._blamed(operation, sent, first)
        raise ContractViolation(
            operation.operation_id,
            str(credential),
            tuple(first),
            sent.curl,
            Attempts(failed, attempts),
        )

    def _blamed(self, operation: Operation, sent: Sent, found: list[Problem]) -> list[Problem]:
        """A refusal of a request with a query, which the query or the path may have
        caused, named after one more request: the same path without its query. Its answer
        is the evidence, in the problem's text."""
        status = found[0]
        if not path_or_query(status.rules):
            return found
        alone = sent.response.request.copy()
        alone.url = (alone.url or "").partition("?")[0]
        try:
            answer = self._counted_send(alone)
        except requests.RequestException:
            return found  # no evidence: both stay named
        accepted = operation.is_success(answer.status_code)
        evidence = f"{status.got}; the same path without its query got {answer.status_code}"
        return [Problem(blamed(status.rules, accepted), status.expected, evidence), *found[1:]]

    def _counted_send(self, request: requests.PreparedRequest) -> requests.Response:
        """Send `request` as it is, its answer (or the error instead) counted among those sent."""
        try:
            response = self.http.send(request)
        except requests.RequestException as error:
            self.summary.record_answer(type(error).__name__)
            raise
        self.summary.record_answer(str(response.status_code))
        return response

    def refuse_outside(
        self, operation: Operation, credential: Credential, sent: Sent, route: str
    ) -> None:
        """Raise a ContractViolation for a 2xx to a request outside the spec (the closed
        surface, closed_surface.py), unless a known drift names its route."""
        __tracebackhide__ = True
        got = sent.response.status_code
        if not 200 <= got < 300:
            return
        found = [Problem((CLOSED_SURFACE.id,), "any status but 2xx", str(got))]
        if not self._excused(operation, credential, sent, None, found, route=route):
            raise ContractViolation(
                operation.operation_id, str(credential), tuple(found), sent.curl
            )

    def _excused(
        self,
        operation: Operation,
        credential: Credential,
        sent: Sent,
        expected: int | None,
        found: list[Problem],
        route: str | None = None,
    ) -> bool:
        """Whether a known drift excuses this answer: its status must be the one problem.

        An expired entry that matches is recorded too, so that the summary can say why the
        failure is no longer excused. `route`: the path template of a request outside the
        spec, which only an entry naming it by `paths` excuses.
        """
        got = sent.response.status_code
        status_only = [Problem(found[0].rules, found[0].expected, str(got))]
        if self.known_drifts is None or found != status_only:
            return False
        url = sent.response.request.url or ""
        drift = self.known_drifts.excuse(
            operation.operation_id, credential, url, expected, got, route=route
        )
        if drift is None:
            return False
        excused = self.known_drifts.in_force(drift)
        rules = found[0].rules
        if drift.blames_the_path and path_or_query(rules):
            rules = blamed(rules, path_alone_accepted=False)
        self.summary.excused.append(Excused(drift.number, not excused, rules, sent.curl, self.test))
        return excused

    def curl(self, operation: Operation, request: requests.PreparedRequest) -> str:
        sent_headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() == operation.token_header.lower()
        }
        return curl_command(
            request.method or "GET", request.url or "", sent_headers, operation.token_header
        )


class Unreachable(Exception):
    pass


def probe(http: requests.Session, base_url: str) -> bool:
    """Reach the target once; True if it is a Metrics mock with a journal (`GET /__mock/events`)."""
    try:
        response = http.get(f"{base_url}/__mock/events", params={"since": "0", "eventName": ""})
    except requests.RequestException as error:
        reason = type(error).__name__
        raise Unreachable(
            f"cannot reach {base_url} ({reason}): is it up, and is the URL right?"
        ) from None
    try:
        return response.status_code == 200 and "events" in response.json()
    except ValueError:
        return False
