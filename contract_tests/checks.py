"""What every answer is checked for, as problems (data) naming exactly the rules broken.

The suite's own checks decide the status (the auth rule from the spec's `security`, R4/R5
for a 5xx, R6 for an undocumented status), the empty success body (R6) and the time
budget. Three schemathesis checks stay on for generated cases:
`content_type_conformance`, `response_headers_conformance` and
`response_schema_conformance`. The spec documents no body, header or media type today, so
they pass; they stay so that anything the spec documents later is checked without
touching the suite (R6).

Built-in checks left off, and why:
- not_a_server_error, status_code_conformance: replaced by `status_problems`, which names
  the one rule a status breaks instead of "a 5xx" or "undocumented".
- positive_data_acceptance: accepts 401/403/404/5xx as "accepted", and cannot know which
  token kind was sent; the suite demands exactly the status the spec gives.
- negative_data_rejection, missing_required_header, unsupported_method: the suite
  generates positive data only (see schema.py); the contract defines no rejection.
- ignored_auth: probes only "no token" and "an invalid token" and accepts 401 or 403; the
  auth matrix checks every credential and demands exactly 401.
- use_after_free, ensure_resource_availability, object_level_authorization: stateful
  checks; the API creates no resources.
- max_response_time: replaced by the budget check, read from --max-response-time.
"""

from __future__ import annotations

from collections.abc import Callable

import requests
from schemathesis import Case
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from contract_tests.failures import Problem
from contract_tests.redaction import shown_location
from contract_tests.rules import R6, TIME_BUDGET, Rule, rules_broken_by_status
from contract_tests.spec import Operation

# Characters of an unexpected body that a failure shows.
BODY_SHOWN = 80
CONFORMANCE_CHECKS = [
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def problems(
    operation: Operation,
    expected: int,
    response: requests.Response,
    *,
    carries_query: bool,
    budget_s: float,
    redact: Callable[[str], str],
) -> list[Problem]:
    """Everything wrong with one answer: its status, its body, its time. A body is shown
    redacted before it is cut short, so that no part of a reflected token shows."""
    found = []
    broken = rules_broken_by_status(operation, expected, response.status_code, carries_query)
    if broken:
        found.append(Problem(_ids(broken), str(expected), _status(response)))
    if operation.is_success(response.status_code) and response.content:
        body = redact(response.content.decode("utf-8", errors="replace"))
        shown = f"{len(response.content)} bytes: {body[:BODY_SHOWN]!r}"
        found.append(Problem(_ids((R6,)), "an empty body", shown))
    elapsed_s = response.elapsed.total_seconds()
    if elapsed_s > budget_s:
        found.append(
            Problem(
                _ids((TIME_BUDGET,)), f"an answer within {budget_s:.3f} s", f"{elapsed_s:.3f} s"
            )
        )
    return found


def conformance_problems(case: Case, response: requests.Response) -> list[Problem]:
    """What schemathesis finds wrong in a generated case's answer, beside the status (R6)."""
    try:
        case.validate_response(response, checks=CONFORMANCE_CHECKS)
    except FailureGroup as group:
        return [
            Problem(_ids((R6,)), "what the spec documents", f"{failure.title}: {failure.message}")
            for failure in group.exceptions
        ]
    return []


def _status(response: requests.Response) -> str:
    """The status as a failure shows it; a redirect (never followed) with where it pointed."""
    if response.is_redirect:
        where = shown_location(response.headers["Location"])
        return f"{response.status_code}, a redirect, not followed, to {where}"
    return str(response.status_code)


def _ids(rules: tuple[Rule, ...]) -> tuple[str, ...]:
    return tuple(rule.id for rule in rules)
