"""The edges the spec names, sent on every run in every profile, beside the generated cases.

Hypothesis may or may not draw a `%` inside a name or a repeated query name; these cases
are sent whatever it draws, once per operation and accepted credential. A path value goes
into every path parameter at once, percent-encoded as one segment (`/` as `%2F`, `.` and
`..` as `%2E`, so that no client or proxy removes them); the curl line of a failure shows
the URL exactly as sent.
"""

from __future__ import annotations

import pytest

from contract_tests.credentials import Credential
from contract_tests.named_edges import EXAMPLE_QUERY, PATH_VALUES, QUERIES
from contract_tests.pytest.run import being_collected
from contract_tests.rules import accepted_credentials
from contract_tests.spec import Operation
from contract_tests.suite import Suite


def each_accepted_credential_with(edges: dict[str, object]) -> list:
    return [
        pytest.param(
            operation,
            credential,
            value,
            id=f"{operation.operation_id}-{credential.key}-{edge}",
        )
        for operation in being_collected().operations
        for credential in accepted_credentials(operation)
        for edge, value in edges.items()
    ]


@pytest.mark.parametrize(
    ("operation", "credential", "value"), each_accepted_credential_with(PATH_VALUES)
)
def test_a_named_edge_in_the_path_is_accepted(
    suite: Suite, operation: Operation, credential: Credential, value: str
) -> None:
    values = {name: value for name in operation.path_params}
    suite.expect(operation, credential, values, EXAMPLE_QUERY)


@pytest.mark.parametrize(
    ("operation", "credential", "query"), each_accepted_credential_with(QUERIES)
)
def test_a_named_edge_in_the_query_is_accepted(
    suite: Suite, operation: Operation, credential: Credential, query: list[tuple[str, str]]
) -> None:
    suite.expect(operation, credential, dict(operation.examples), query)
