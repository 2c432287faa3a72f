"""Rules R1-R6 of the contract, and the status each credential must get, from the spec.

Every failure names the rules it broke, so that whoever reads a red deploy gate knows
which promise of the API was broken without reading the test. Which credentials an
operation accepts follows from its `security` alternatives and each scheme's
`x-token-kinds`, whatever their combination; only the rules' ids (R1-R3, as the README
numbers them) are looked up by operation.
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


# The README's numbering of each operation's auth rule; the rule itself is read from the spec.
AUTH_RULE_IDS = {
    "RecordMetricsEventForNamedUser": "R1",
    "RecordMetricsEventForLoggedInUser": "R2",
    "RecordMetricsEventForServer": "R3",
}
R4 = Rule("R4", "any query parameters are accepted: any names, values, repeats, empty, non-ASCII")
R5 = Rule("R5", "event and server names are free-form: spaces, reserved characters, non-ASCII")
R6 = Rule("R6", "success is 200 with an empty body; only documented statuses are answered")
TIME_BUDGET = Rule("time budget", "each answer arrives within --max-response-time")


def auth_rule(operation: Operation) -> Rule:
    """The operation's auth rule, in words generated from its `security`."""
    accepted = " or ".join(str(credential) for credential in accepted_credentials(operation))
    return Rule(
        AUTH_RULE_IDS.get(operation.operation_id, f"auth of {operation.operation_id}"),
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
    operation: Operation, expected: int, got: int, subject: tuple[Rule, ...]
) -> tuple[Rule, ...]:
    """Exactly the rules a status breaks, `subject` being what the request exercises.

    A 401 instead of a success, or anything but 401 instead of a rejection, is the auth
    rule's; a 5xx is the subject's (a name or query the server could not take); any other
    refusal of an acceptable request is the subject's and R6's, since it is undocumented.
    """
    if got == expected:
        return ()
    auth = auth_rule(operation)
    if REJECTED in (expected, got):
        broken = [auth]
    elif got >= 500:
        return subject or (auth,)
    elif 200 <= got < 300:
        broken = []
    else:
        broken = list(subject or (auth,))
    if not operation.documents(got):
        broken.append(R6)
    return tuple(broken)
