"""Each operation with each credential gets exactly the status its auth rule gives.

The matrix is derived from each operation's `security` in the spec: no token, an invalid
token (made up by the suite), a user token and a server token. An undocumented status
(403, 201, ...) fails as surely as the wrong documented one. This fixed set of requests is
also the smoke set allowed against production.
"""

from __future__ import annotations

import pytest

from contract_tests.credentials import Credential
from contract_tests.pytest.run import being_collected
from contract_tests.spec import Operation
from contract_tests.suite import EVENT_NAME_PARAM, Suite

MATRIX = [
    pytest.param(operation, credential, id=f"{operation.operation_id}-{credential.key}")
    for operation in being_collected().operations
    for credential in Credential
]


@pytest.mark.smoke
@pytest.mark.parametrize(("operation", "credential"), MATRIX)
def test_each_credential_gets_the_status_its_rule_gives(
    suite: Suite, operation: Operation, credential: Credential
) -> None:
    values = {**operation.examples, EVENT_NAME_PARAM: f"auth matrix - {credential}"}
    suite.expect(operation, credential, values)
