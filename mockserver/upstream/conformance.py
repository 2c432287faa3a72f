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


# The README's numbering of the auth rules, by what an operation's `security` accepts:
# (no token accepted, the token kinds accepted) -> rule. Any other shape is named by
# its operation. contract_tests/rules.py numbers them by the same principle.
AUTH_RULES = {
    (True, frozenset({"user", "server"})): "R1",
    (False, frozenset({"user"})): "R2",
    (False, frozenset({"server"})): "R3",
}


def auth_rule(operation: Operation) -> str:
    anonymous = () in operation.security
    kinds = {
        kind for alternative in operation.security for s in alternative for kind in s.token_kinds
    }
    shape = (anonymous, frozenset(kinds))
    return AUTH_RULES.get(shape, f"auth of {operation.operation_id}")


def check_exchange(
    operation: Operation,
    status: int,
    body_size: int,
    expected: int | None,
    credential: str,
    carries_query: bool,
) -> tuple[Violation, ...]:
    """The rules an answer broke, by the README's principle: the auth rule for a 401 on
    one side only of (due, answered); R5, and R4 with a query, for any other refusal of
    a request that was due a success (both: a proxy sends no request of its own to tell
    which, as the suite does); R6 for an undocumented status or a success with a
    body. `expected` is the status the request's `credential` (in words: "no token", "a
    valid user token"...) calls for, None if it could not be judged."""
    found = []
    if expected is not None and (expected == REJECTED) != (status == REJECTED):
        rule = auth_rule(operation)
        found.append(Violation(rule, f"answered {status} to {credential}; {rule} gives {expected}"))
    elif expected is not None and expected != REJECTED and not 200 <= status < 300:
        found += [
            Violation(
                rule, f"answered {status} to a request it must accept; {rule} gives {expected}"
            )
            for rule in (("R4", "R5") if carries_query else ("R5",))
        ]
    documented = ", ".join(str(code) for code in sorted(operation.documented_statuses))
    if not operation.documents(status):
        found.append(
            Violation("R6", f"answered {status}; {operation.operation_id} documents {documented}")
        )
    if operation.is_success(status) and body_size:
        found.append(
            Violation(
                "R6",
                f"answered {status} with a body of {body_size} bytes; success has an empty body",
            )
        )
    return tuple(found)
