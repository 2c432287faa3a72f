"""Rules R1-R6 of the contract, and the status each one gives a request.

Every failure the suite reports names the rule it broke, so that whoever reads a red
deploy gate knows which promise of the API was broken without reading the test. Which
auth rule (R1-R3) governs an operation is derived from the operation's `security` in the
spec, never from its path.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from contract_tests.contract import Operation

# R1-R3: a request the operation does not accept is answered 401.
REJECTED = 401


class Credential(enum.StrEnum):
    """What a request carries in the token header."""

    NONE = "no token"
    INVALID = "an invalid token"
    USER = "a user token"
    SERVER = "a server token"

    @property
    def token_kind(self) -> str | None:
        return {Credential.USER: "user", Credential.SERVER: "server"}.get(self)


@dataclass(frozen=True)
class Rule:
    id: str
    text: str

    def __str__(self) -> str:
        return f"{self.id}: {self.text}"


R1 = Rule(
    "R1", "/metrics/user accepts no token or a valid token of either kind; an invalid token is 401"
)
R2 = Rule("R2", "/metrics/thisuser accepts only a valid user token; anything else is 401")
R3 = Rule("R3", "/metrics/server accepts only a valid server token; anything else is 401")
R4 = Rule("R4", "any query parameters are accepted: any names, values, repeats, empty, non-ASCII")
R5 = Rule("R5", "event and server names are free-form: spaces, reserved characters, non-ASCII")
R6 = Rule("R6", "success is 200 with an empty body; only documented statuses are answered")
TIME_BUDGET = Rule("time budget", "each answer arrives within --max-response-time")


def auth_rule(operation: Operation) -> Rule:
    """The rule among R1-R3 that the operation's `security` expresses."""
    if operation.anonymous_allowed:
        return R1
    if operation.accepted_kinds == {"user"}:
        return R2
    if operation.accepted_kinds == {"server"}:
        return R3
    raise ValueError(f"{operation.operation_id}: its security matches none of R1-R3")


def accepts(operation: Operation, credential: Credential) -> bool:
    if credential is Credential.NONE:
        return operation.anonymous_allowed
    return credential.token_kind in operation.accepted_kinds


def expected_status(operation: Operation, credential: Credential) -> int:
    """The only status R1-R3 allow for this operation and credential (name and query aside)."""
    return operation.success_status if accepts(operation, credential) else REJECTED


def accepted_credentials(operation: Operation) -> tuple[Credential, ...]:
    """The credentials with which every well-formed request must succeed (R4, R5)."""
    return tuple(credential for credential in Credential if accepts(operation, credential))
