"""The checks every generated response goes through, each chosen on purpose, and their rules.

Built-in schemathesis checks, on:
- not_a_server_error: never a 5xx, whatever the name or query (R4, R5).
- status_code_conformance: only documented statuses, 200 and 401 (R6; a 403 or 201 fails).
- content_type_conformance, response_headers_conformance, response_schema_conformance: the
  spec documents no body, header or media type today, so they pass; they stay on so that
  anything the spec documents later is checked without touching the suite.

Built-in checks, off, and why:
- positive_data_acceptance: its default accepts 401/403/404/5xx as "accepted", and it cannot
  know which token kind we sent; `the_right_token_is_accepted` demands exactly 200.
- negative_data_rejection, missing_required_header, unsupported_method: only negative data
  triggers them, and the suite generates positive data only (see schema.py); the contract
  defines no schema-based rejection.
- ignored_auth: it probes "no token" and "an invalid token" only and accepts 401 or 403; the
  auth matrix (test_auth_matrix.py) checks all four credentials per rule R1-R3, including
  the wrong token kind, and demands exactly 401. Its probes would also triple the traffic
  sent to rate-limited remote environments.
- use_after_free, ensure_resource_availability, object_level_authorization: stateful
  resource checks; the API creates no resources.
- max_response_time: replaced by `answered_within`, which reads the budget from
  --max-response-time at run time and is shared with the auth matrix.
"""

from __future__ import annotations

from collections.abc import Callable

from schemathesis import Case, CheckContext, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import CustomFailure, Failure, FailureGroup, ServerError
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from contract_tests.contract import Operation
from contract_tests.rules import R4, R5, R6, TIME_BUDGET, Credential, Rule, auth_rule

BUILT_IN_CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)


class ContractBroken(AssertionError):
    """A response broke the contract; the message names each rule and how to reproduce it."""


def the_right_token_is_accepted(operation: Operation, credential: Credential) -> Callable:
    rule = auth_rule(operation)

    def the_right_token_is_accepted(ctx: CheckContext, response: Response, case: Case) -> None:
        if response.status_code != operation.success_status:
            raise AssertionError(
                f"{rule.id}, {R4.id}, {R5.id}: with {credential}, any name and any query must be "
                f"answered {operation.success_status}, got {response.status_code}"
            )

    return the_right_token_is_accepted


def success_body_is_empty(ctx: CheckContext, response: Response, case: Case) -> None:
    if 200 <= response.status_code < 300 and response.content:
        raise AssertionError(
            f"{R6.id}: a success must have an empty body, got {response.content[:80]!r}"
        )


def answered_within(budget_s: float) -> Callable:
    def answered_within_budget(ctx: CheckContext, response: Response, case: Case) -> None:
        if response.elapsed > budget_s:
            raise AssertionError(
                f"{TIME_BUDGET.id}: answered in {response.elapsed:.3f} s, over the {budget_s:.3f} s budget"
            )

    return answered_within_budget


def validate(
    case: Case,
    response: Response,
    *,
    operation: Operation,
    credential: Credential,
    budget_s: float,
    curl: str,
) -> None:
    """Run the chosen checks; raise ContractBroken naming every rule broken, with a curl."""
    __tracebackhide__ = True  # the message says it all; the test's line is the useful frame
    checks = [
        *BUILT_IN_CHECKS,
        the_right_token_is_accepted(operation, credential),
        success_body_is_empty,
        answered_within(budget_s),
    ]
    try:
        case.validate_response(response, checks=checks)
    except FailureGroup as group:
        raise ContractBroken(describe(group.exceptions, operation, credential, curl)) from None


def describe(
    failures: tuple[Failure, ...], operation: Operation, credential: Credential, curl: str
) -> str:
    lines = [f"{operation.operation_id} with {credential} broke the contract:"]
    for failure in failures:
        if isinstance(failure, CustomFailure):  # our own checks name their rule themselves
            lines.append(f"- {failure.message}")
        else:
            named = ", ".join(rule.id for rule in _rules_of(failure))
            lines.append(f"- {named}: {failure}".replace("\n", " "))
    lines.append(f"Reproduce with:\n  {curl}")
    return "\n".join(lines)


def _rules_of(failure: Failure) -> tuple[Rule, ...]:
    """The rules a built-in check's failure breaks."""
    if isinstance(failure, ServerError):
        return (R4, R5)
    return (R6,)  # an undocumented status, or a header, media type or body the spec does not allow
