"""Rules R1-R6 of the contract, and the status each credential must get, from the spec.

Every failure names the rules it broke, so that whoever reads a red deploy gate knows
which promise of the API was broken without reading the test. Which credentials an
operation accepts follows from its `security` alternatives and each scheme's
`x-token-kinds`, whatever their combination, and so does the auth rule's id (R1-R3, as
docs/contract.md numbers them). Which rules a status breaks follows one principle, which the
mock's judge of an upstream (mockserver/upstream/conformance.py) follows too, so that the
same break gets the same ids from both.
"""

from __future__ import annotations

from dataclasses import dataclass

from contract_tests.credentials import Credential
from contract_tests.spec import Operation

# A request the operation does not accept is answered 401.
REJECTED = 401


@dataclass(frozen=True)
class Rule:
    id: str
    text: str

    def __str__(self) -> str:
        return f"{self.id}: {self.text}"


# docs/contract.md's numbering of the auth rules, by what an operation accepts: (a request
# without a token, the kinds of token) -> rule. Any other shape is named by its operation.
AUTH_RULE_IDS = {
    (True, frozenset({"user", "server"})): "R1",
    (False, frozenset({"user"})): "R2",
    (False, frozenset({"server"})): "R3",
}
R4 = Rule("R4", "any query parameters are accepted: any names, values, repeats, empty, non-ASCII")
R5 = Rule("R5", "event and server names are free-form: spaces, reserved characters, non-ASCII")
R6 = Rule("R6", "success is 200 with an empty body; only documented statuses are answered")
CLOSED_SURFACE = Rule(
    "closed surface",
    "nothing outside the spec records an event: no method that writes on its paths, no "
    "route of spec/closed-surface.yaml, answers 2xx",
)
TIME_BUDGET = Rule("time budget", "each answer arrives within --max-response-time")


def auth_rule(operation: Operation) -> Rule:
    """The operation's auth rule, in words generated from its `security`."""
    credentials = accepted_credentials(operation)
    accepted = " or ".join(str(credential) for credential in credentials)
    shape = (
        Credential.NONE in credentials,
        frozenset(credential.token_kind for credential in credentials if credential.token_kind),
    )
    return Rule(
        AUTH_RULE_IDS.get(shape, f"auth of {operation.operation_id}"),
        f"{operation.method} {operation.path_template} accepts {accepted or 'nothing'}; "
        f"anything else is {REJECTED}",
    )


def accepts(operation: Operation, credential: Credential) -> bool:
    """A request with no token meets `{}`; a valid token meets an alternative of its kind.

    An invalid token is rejected even where no token is needed (the spec's rule).
    """
    if credential is Credential.NONE:
        return operation.anonymous_allowed
    if credential.token_kind is None:
        return False
    return operation.accepts_kind(credential.token_kind)


def expected_status(operation: Operation, credential: Credential) -> int:
    """The only status the auth rule allows for this operation and credential."""
    return operation.success_status if accepts(operation, credential) else REJECTED


def accepted_credentials(operation: Operation) -> tuple[Credential, ...]:
    """The credentials with which every well-formed request must succeed (R4, R5)."""
    return tuple(credential for credential in Credential if accepts(operation, credential))


def rules_broken_by_status(
    operation: Operation, expected: int, got: int, carries_query: bool
) -> tuple[Rule, ...]:
    """Exactly the rules a status breaks, by the principle of docs/contract.md.

    A 401 on one side only (refused where a success was due, or anything else where 401
    was) is the auth rule's; any other refusal of a request due a success is R5's (the
    names in its path), and R4's too if it carries a query, until `blamed` tells which;
    an undocumented status is R6's.
    """
    broken = []
    if (expected == REJECTED) != (got == REJECTED):
        broken.append(auth_rule(operation))
    elif expected != REJECTED and not 200 <= got < 300:
        broken += [R4, R5] if carries_query else [R5]
    if not operation.documents(got):
        broken.append(R6)
    return tuple(broken)


def path_or_query(rule_ids: tuple[str, ...]) -> bool:
    """Whether a refusal is named by both R4 and R5: the query or the path may be at fault."""
    return {R4.id, R5.id} <= set(rule_ids)


def blamed(rule_ids: tuple[str, ...], path_alone_accepted: bool) -> tuple[str, ...]:
    """The ids of a refusal that `path_or_query`, narrowed by the same path sent without its
    query: accepted, the query was at fault (R4); refused too, the names in the path (R5)."""
    cleared = R5.id if path_alone_accepted else R4.id
    return tuple(rule for rule in rule_ids if rule != cleared)
