"""Does an upstream's answer to a metrics request keep the contract? The mock's own judge.

With `--forward-metrics` the mock is a validating proxy: each metrics exchange with the
upstream is checked against rules R1-R6 as the README's table states them, and what
breaks one is recorded naming the rule. This is the mock's reading of the spec, kept
apart from the contract suite's (contract_tests/rules.py) so that each can catch the
other's mistakes. Which auth rule governs an operation comes from its `security`, as
the spec states it, never from its path.
"""

from __future__ import annotations

from ..journal.store import Violation
from ..spec import Operation

REJECTED = 401


def auth_rule(operation: Operation) -> str:
    """R1 (anonymous allowed), R2 (user tokens only) or R3 (server tokens only)."""
    if () in operation.security:
        return "R1"
    kinds = {
        kind for alternative in operation.security for s in alternative for kind in s.token_kinds
    }
    return {frozenset({"user"}): "R2", frozenset({"server"}): "R3"}.get(frozenset(kinds), "R1-R3")


def check_exchange(
    operation: Operation, status: int, body_size: int, expected: int | None, credential: str
) -> tuple[Violation, ...]:
    """The rules an answer broke. `expected` is the status the request's `credential` (in
    words: "no token", "a valid user token"...) calls for, None if it could not be judged."""
    found = []
    documented = ", ".join(str(code) for code in sorted(operation.documented_statuses))
    if status not in operation.documented_statuses:
        found.append(
            Violation("R6", f"answered {status}; {operation.operation_id} documents {documented}")
        )
    if status == operation.success_status and body_size:
        found.append(
            Violation(
                "R6",
                f"answered {status} with a body of {body_size} bytes; success has an empty body",
            )
        )
    if (
        expected is not None
        and status != expected
        and status in (operation.success_status, REJECTED)
    ):
        rule = auth_rule(operation)
        found.append(Violation(rule, f"answered {status} to {credential}; {rule} gives {expected}"))
    return tuple(found)
