"""Each operation with each credential gets exactly the status its rule (R1-R3) gives.

The matrix is derived from each operation's `security` in the spec: no token, an invalid
token (made up by the suite), a user token and a server token. An undocumented status
(403, 201, ...) fails as surely as the wrong documented one. This fixed set of requests is
also the smoke set allowed against production.
"""

from __future__ import annotations

import pytest

from contract_tests.contract import operations
from contract_tests.rules import R6, TIME_BUDGET, Credential, auth_rule, expected_status
from contract_tests.suite import EVENT_NAME_PARAM, Suite

MATRIX = [
    pytest.param(operation, credential, id=f"{operation.operation_id}-{credential.name.lower()}")
    for operation in operations()
    for credential in Credential
]


@pytest.mark.smoke
@pytest.mark.parametrize(("operation", "credential"), MATRIX)
def test_each_credential_gets_the_status_its_rule_gives(
    suite: Suite, operation, credential: Credential
) -> None:
    headers = suite.require(credential)
    values = dict(operation.examples)
    values[EVENT_NAME_PARAM] = suite.event_name(f"auth matrix - {credential}")
    response, curl = suite.send(operation, values, headers)

    rule, expected = auth_rule(operation), expected_status(operation, credential)
    undocumented = "" if response.status_code in operation.documented_statuses else f"\n{R6}"
    assert response.status_code == expected, (
        f"{rule}{undocumented}\n{operation.operation_id} with {credential}: expected {expected}, "
        f"got {response.status_code}\nReproduce with:\n  {curl}"
    )
    if expected == operation.success_status:
        assert not response.content, (
            f"{R6}\ngot a body {response.content[:80]!r}\nReproduce with:\n  {curl}"
        )
    elapsed_s = response.elapsed.total_seconds()
    assert elapsed_s <= suite.budget_s, (
        f"{TIME_BUDGET}\ntook {elapsed_s:.3f} s\nReproduce with:\n  {curl}"
    )
