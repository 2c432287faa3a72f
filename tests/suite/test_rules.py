"""Which credentials an operation accepts follows from `security` and `x-token-kinds` alone,
and each status names exactly the rules it breaks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from contract_tests.credentials import Credential
from contract_tests.rules import R4, R5, R6, accepted_credentials, auth_rule, rules_broken_by_status
from contract_tests.spec import operation_by_id

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


def test_the_auth_rule_is_worded_from_the_spec() -> None:
    rule = auth_rule(replace(NAMED_USER, security=((BOTH,),)))

    assert rule.id == "R1"
    assert rule.text.startswith(f"GET {NAMED_USER.path_template} accepts a user token or a server")


@pytest.mark.parametrize(
    ("expected", "got", "subject", "rules"),
    [
        (200, 200, (R4, R5), ()),
        (200, 401, (R4, R5), ("R1",)),  # the token was refused: the auth rule only
        (200, 500, (R4, R5), ("R4", "R5")),  # the server failed on a name or query
        (200, 503, (R5,), ("R5",)),
        (200, 400, (R4,), ("R4", "R6")),  # refused, with an undocumented status
        (200, 201, (R4, R5), ("R6",)),  # accepted, with an undocumented status
        (401, 200, (), ("R1",)),
        (401, 403, (), ("R1", "R6")),
    ],
)
def test_a_status_names_exactly_the_rules_it_breaks(expected, got, subject, rules) -> None:
    broken = rules_broken_by_status(NAMED_USER, expected, got, subject)

    assert tuple(rule.id for rule in broken) == rules
    assert R6 not in broken or got not in NAMED_USER.documented_statuses
