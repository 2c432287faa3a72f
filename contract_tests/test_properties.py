"""Every operation in the spec, with generated names and queries and the right token.

Schemathesis generates the requests from the spec (positive data only, see schema.py):
path parameters with spaces, reserved characters, non-ASCII text and long names, and
free-form query objects with many, empty and non-ASCII values. Each request carries a
token the operation accepts, so by R1-R5 every one must be answered 200 with an empty
body (R6), never a 5xx, within the time budget; checks.py lists each check and why.
"""

from __future__ import annotations

from contract_tests.checks import validate
from contract_tests.contract import operation_by_id
from contract_tests.rules import accepted_credentials
from contract_tests.schema import SCHEMA
from contract_tests.suite import Suite, pick


@SCHEMA.parametrize()
def test_every_generated_request_is_answered_as_documented(case, suite: Suite) -> None:
    operation = operation_by_id(case.operation.definition.raw["operationId"])
    credential = pick(suite.usable(accepted_credentials(operation)), case.path_parameters)
    headers = suite.tokens.header_for(credential)
    case.path_parameters = suite.prefixed_path_parameters(case.path_parameters)
    # A copy: schemathesis adds its own headers to the dict it is given.
    response = case.call(base_url=suite.base_url, session=suite.http, headers=dict(headers))
    suite.summary.record_case(operation.operation_id)
    curl = suite.curl(operation, response.request.url, headers)
    validate(
        case,
        response,
        operation=operation,
        credential=credential,
        budget_s=suite.budget_s,
        curl=curl,
    )
