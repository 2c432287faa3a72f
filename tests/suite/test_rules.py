"""Which credentials an operation accepts follows from `security` and `x-token-kinds` alone,
and each status names exactly the rules it breaks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from contract_tests.credentials import Credential
from contract_tests.rules import R6, accepted_credentials, auth_rule, rules_broken_by_status
from contract_tests.spec import SPEC_PATH, operation_by_id, operations
from mockserver.spec import load_spec
from mockserver.upstream.conformance import check_exchange

NAMED_USER = operation_by_id("RecordMetricsEventForNamedUser")
USER, SERVER, BOTH = frozenset({"user"}), frozenset({"server"}), frozenset({"user", "server"})
NONE, INVALID, USER_TOKEN, SERVER_TOKEN = Credential


@pytest.mark.parametrize(
    ("security", "accepted"),
    [
        (((), (BOTH,)), {NONE, USER_TOKEN, SERVER_TOKEN}),  # the spec's /metrics/user
        (((BOTH,),), {USER_TOKEN, SERVER_TOKEN}),  # a token of either kind required
        (((USER,),), {USER_TOKEN}),
        (((SERVER,),), {SERVER_TOKEN}),
        (((USER,), (SERVER,)), {USER_TOKEN, SERVER_TOKEN}),  # two alternatives
        (((USER, SERVER),), set()),  # both schemes at once: no single token meets them
        (((USER, BOTH),), {USER_TOKEN}),
        (((),), {NONE, USER_TOKEN, SERVER_TOKEN}),  # anonymous only: a valid token is not refused
        ((), set()),  # no alternative at all
    ],
)
def test_accepted_credentials_follow_any_combination_of_security(security, accepted) -> None:
    operation = replace(NAMED_USER, security=security)

    assert set(accepted_credentials(operation)) == accepted
    assert INVALID not in accepted_credentials(operation)


def test_the_auth_rule_is_numbered_and_worded_from_the_spec() -> None:
    rule = auth_rule(replace(NAMED_USER, security=((BOTH,),)))

    assert [auth_rule(operation).id for operation in operations()] == ["R1", "R2", "R3"]
    assert rule.id == "auth of RecordMetricsEventForNamedUser"  # no rule of docs/contract.md
    assert rule.text.startswith(f"GET {NAMED_USER.path_template} accepts a user token or a server")


# (status due, status answered, the request carried a query) -> the rules broken.
STATUS_BREAKS = [
    (200, 200, True, ()),
    (200, 401, True, ("R1",)),  # the token was refused: the auth rule only
    (200, 500, True, ("R4", "R5", "R6")),  # on a name or the query, until the path alone tells
    (200, 503, False, ("R5", "R6")),
    (200, 400, True, ("R4", "R5", "R6")),  # refused, with an undocumented status
    (200, 201, True, ("R6",)),  # accepted, with an undocumented status
    (401, 200, False, ("R1",)),
    (401, 403, False, ("R1", "R6")),
    (401, 500, True, ("R1", "R6")),
]


@pytest.mark.parametrize(("expected", "got", "carries_query", "rules"), STATUS_BREAKS)
def test_a_status_names_exactly_the_rules_it_breaks(expected, got, carries_query, rules) -> None:
    broken = rules_broken_by_status(NAMED_USER, expected, got, carries_query)

    assert tuple(rule.id for rule in broken) == rules
    assert R6 not in broken or got not in NAMED_USER.documented_statuses


@pytest.mark.parametrize("operation", operations(), ids=lambda operation: operation.operation_id)
@pytest.mark.parametrize(("expected", "got", "carries_query", "rules"), STATUS_BREAKS)
def test_the_mock_names_the_same_rules_for_the_same_break(
    operation, expected, got, carries_query, rules
) -> None:
    """The mock's judge of an upstream reads the spec itself; its ids must be the suite's."""
    (served,) = [
        op for op in load_spec(SPEC_PATH).operations if op.operation_id == operation.operation_id
    ]
    flagged = check_exchange(served, got, 0, expected, "a token", carries_query=carries_query)
    broken = rules_broken_by_status(operation, expected, got, carries_query)

    assert sorted({violation.rule for violation in flagged}) == sorted({rule.id for rule in broken})
