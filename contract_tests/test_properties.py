"""Every operation in the spec, with generated names and queries, once per accepted credential.

Schemathesis generates the requests from the spec (positive data only, see schema.py):
path parameters with spaces, reserved characters, non-ASCII text and long names, and
free-form query objects with many, empty and non-ASCII values. Each operation gets one
test per credential it accepts (no token where allowed, a user token, a server token), so
a failure with one never hides the others. By R1-R5 every request must be answered with
the operation's success status and an empty body (R6), never a 5xx, within the time
budget; checks.py lists each check and why.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from contract_tests.checks import conformance_problems
from contract_tests.credentials import Credential
from contract_tests.pytest.run import being_collected
from contract_tests.rules import accepted_credentials
from contract_tests.spec import Operation
from contract_tests.suite import Suite

RUN = being_collected()
# Named as called in each test's decorator, which Hypothesis's derandomized seed reads.
schema = RUN.schema


def generated_requests_with(operation: Operation, credential: Credential) -> Callable:
    @schema().include(operation_id=operation.operation_id).parametrize()
    def test(case, suite: Suite) -> None:
        # Schemathesis percent-encodes path values; the suite encodes them itself when it
        # sends, so that `.` and `..` are never sent as dot segments.
        values = {name: unquote(value) for name, value in case.path_parameters.items()}
        suite.expect(
            operation,
            credential,
            values,
            case.query,
            more_checks=lambda response: conformance_problems(case, response),
        )

    test.__doc__ = f"{operation.operation_id} answers every generated request with {credential}."
    return test


for _operation in RUN.operations:
    for _credential in accepted_credentials(_operation):
        _token = "no" if _credential is Credential.NONE else _credential.key
        _name = f"test_{_operation.operation_id}_with_{_token}_token"
        globals()[_name] = generated_requests_with(_operation, _credential)
