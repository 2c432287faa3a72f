"""The session's view of the target: one paced HTTP session, tokens, and the run's settings.

Built once per session by the `suite` fixture, in an order that matters: the target is
probed once (an unreachable environment is one clear error, not a traceback per test),
then it is recognised as a mock or not, then tokens are obtained.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import pytest
import requests

from contract_tests.contract import Operation
from contract_tests.credentials import Tokens
from contract_tests.pacing import PacedSession
from contract_tests.redaction import curl_command
from contract_tests.rules import Credential
from contract_tests.summary import RunSummary

EVENT_NAME_PARAM = "eventName"


class Unreachable(Exception):
    pass


@dataclass
class Suite:
    base_url: str
    http: PacedSession
    tokens: Tokens
    is_mock: bool
    event_prefix: str
    budget_s: float
    strict_auth: bool
    summary: RunSummary

    def require(self, credential: Credential) -> dict[str, str]:
        """The headers for `credential`; a missing token skips the test (fails it with --strict-auth)."""
        if credential in self.tokens.missing:
            reason = f"no {credential.token_kind} token: {self.tokens.missing[credential]}"
            if self.strict_auth:
                pytest.fail(f"--strict-auth: {reason}", pytrace=False)
            pytest.skip(reason)
        return self.tokens.header_for(credential)

    def usable(self, credentials: Sequence[Credential]) -> tuple[Credential, ...]:
        """The credentials among `credentials` the suite holds a token for.

        A missing one fails the test with --strict-auth; without it, the test runs with the
        others and is skipped only when none is left.
        """
        available = tuple(
            credential for credential in credentials if credential not in self.tokens.missing
        )
        missing = [credential for credential in credentials if credential in self.tokens.missing]
        if missing and (self.strict_auth or not available):
            self.require(missing[0])
        return available

    def event_name(self, name: str) -> str:
        """Against real environments, names carry the prefix that filters test traffic out of metrics."""
        return name if self.is_mock else self.event_prefix + name

    def prefixed_path_parameters(self, encoded: dict[str, Any]) -> dict[str, Any]:
        """Schemathesis's percent-encoded path parameters with the event name prefixed."""
        if EVENT_NAME_PARAM not in encoded or self.is_mock:
            return encoded
        name = self.event_name(unquote(encoded[EVENT_NAME_PARAM]))
        return {**encoded, EVENT_NAME_PARAM: quote(name, safe="")}

    def curl(self, operation: Operation, url: str, headers: dict[str, str]) -> str:
        return curl_command(operation.method, url, headers, operation.token_header)

    def send(
        self,
        operation: Operation,
        path_values: dict[str, str],
        headers: dict[str, str],
        query: Any = None,
    ) -> tuple[requests.Response, str]:
        """One request built by hand (auth matrix, journal): the response and a curl that replays it."""
        response = self.http.request(
            operation.method,
            self.base_url + operation.path(path_values),
            headers=headers,
            params=query,
        )
        self.summary.record_case(operation.operation_id)
        return response, self.curl(operation, response.request.url, headers)


def pick(credentials: Sequence[Credential], path_parameters: dict[str, Any]) -> Credential:
    """One of the accepted credentials, chosen by the case itself, so a rerun picks the same one."""
    seed = zlib.crc32(repr(sorted(path_parameters.items())).encode("utf-8"))
    return credentials[seed % len(credentials)]


def probe(http: requests.Session, base_url: str) -> bool:
    """Reach the target once; True if it is a Metrics mock with a journal (`GET /__mock/events`)."""
    try:
        response = http.get(f"{base_url}/__mock/events", params={"since": "0", "eventName": ""})
    except requests.RequestException as error:
        raise Unreachable(f"cannot reach {base_url}: {type(error).__name__}: {error}") from None
    try:
        return response.status_code == 200 and "events" in response.json()
    except ValueError:
        return False
