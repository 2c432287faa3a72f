"""mockserver.upstream.conformance: the mock's own judge of an upstream's metrics answers."""

import pytest

from mockserver.config import DEFAULT_SPEC_PATH
from mockserver.spec import load_spec
from mockserver.upstream.conformance import auth_rule, check_exchange

OPERATIONS = {
    operation.operation_id: operation for operation in load_spec(DEFAULT_SPEC_PATH).operations
}
NAMED_USER = OPERATIONS["RecordMetricsEventForNamedUser"]
LOGGED_IN_USER = OPERATIONS["RecordMetricsEventForLoggedInUser"]
SERVER = OPERATIONS["RecordMetricsEventForServer"]


def test_each_operation_is_governed_by_the_auth_rule_its_security_states():
    assert [auth_rule(op) for op in (NAMED_USER, LOGGED_IN_USER, SERVER)] == ["R1", "R2", "R3"]


@pytest.mark.parametrize(("status", "expected"), [(200, 200), (401, 401), (401, None), (200, None)])
def test_an_answer_that_keeps_the_contract_breaks_nothing(status, expected):
    found = check_exchange(LOGGED_IN_USER, status, 0, expected, "a user token", carries_query=True)
    assert found == ()


@pytest.mark.parametrize(
    ("operation", "status", "body_size", "expected", "rules"),
    [
        (NAMED_USER, 200, 3, 200, ["R6"]),
        (NAMED_USER, 500, 0, 200, ["R4", "R5", "R6"]),
        (NAMED_USER, 404, 0, None, ["R6"]),
        (LOGGED_IN_USER, 401, 0, 200, ["R2"]),
        (SERVER, 200, 0, 401, ["R3"]),
        (NAMED_USER, 200, 5, 401, ["R1", "R6"]),
    ],
)
def test_a_broken_answer_names_each_rule_it_breaks(operation, status, body_size, expected, rules):
    found = check_exchange(operation, status, body_size, expected, "no token", carries_query=True)
    assert [violation.rule for violation in found] == rules
    assert all(str(status) in violation.reason for violation in found)
